//! Kassa's domain. Pure Rust: no I/O, no async, no SQL. Everything here can be unit- and
//! property-tested in isolation, and every other crate asks this one what is allowed.

pub mod access;
pub mod account;
pub mod api_key;
pub mod audit;
pub mod bank_account;
pub mod device;
pub mod dispute;
pub mod identity;
pub mod line_edit;
pub mod lines;
pub mod money;
pub mod notification;
pub mod ops_access;
pub mod order;
pub mod platform;
pub mod settlement;
pub mod store_settings;
pub mod support_chat;
pub mod support_search;
pub mod team;
pub mod timeline;
pub mod webhook;
