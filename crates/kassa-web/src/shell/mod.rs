//! The portal's shell: what every page and route share, whatever the section — sessions
//! (cookies, the signed-in member, CSRF, route guards), languages, the page layout, errors
//! and their pages, and the security headers. The shell imports no section: sections
//! (`crate::portal::*`) build on it, never the other way round.

pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod headers;
pub mod i18n;
pub mod routes;
pub(crate) mod session;
pub(crate) mod views;
