//! Kassa's integration tests: one binary (a fast build on two cores), a real server on port 0
//! per test, a fresh database per test, on SQLite and PostgreSQL both.

mod account_security;
mod api;
mod api_input;
mod browser;
mod checkout_page;
mod openapi;
mod orders_portal;
mod portal_auth;
mod portal_shell;
mod push;
mod security;
mod startup;
mod storage;
mod support;
mod users;
