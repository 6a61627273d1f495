//! Kassa's integration tests: one binary (a fast build on two cores), a real server on port 0
//! per test, a fresh database per test, on SQLite and PostgreSQL both.

mod account_security;
mod account_words;
mod api;
mod api_input;
pub(crate) mod back_office;
mod back_office_domain;
mod back_office_merchants;
mod back_office_people;
pub(crate) mod browser;
mod browser_axe;
mod browser_back_office;
mod browser_disputes;
mod browser_ux;
mod checkout_page;
mod disputes;
mod disputes_ops_pages;
pub(crate) mod disputes_pages;
mod home;
mod invitation;
pub(crate) mod ledger;
mod openapi;
mod order_page;
mod order_text_search;
mod orders_list;
mod orders_portal;
mod portal_auth;
mod portal_shell;
mod push;
mod security;
mod settlements_portal;
mod startup;
mod storage;
mod support;
mod users;
