//! The Integrations section: the store's API keys (name, username, secret prefix,
//! environment, who made it and when, last use and from which platform, state), generating
//! one (the password is shown once, with copy buttons and a `.env` download, and never
//! again), revoking one (after a confirmation), enabling one the 60-day job disabled, the
//! platforms that call with each key, and the way to the webhooks.
//!
//! The rules live in `kassa_app::api_keys`: the handlers read the form, call one use case
//! and render. A partner merchant's people see the page without its forms: the partner holds
//! the keys (`Permission::ManageIntegrations` is never theirs).

mod keys;
mod section;

pub(crate) use section::section;

use crate::shell::i18n::Lang;
use kassa_core::api_key::KeyState;
use kassa_core::platform::Platform;

/// A platform's name: the product's own, or "Other" in the user's language.
pub(crate) fn platform_name(lang: Lang, platform: Platform) -> String {
    match platform {
        Platform::Other => lang.t("integrations-platform-other"),
        p => p.name().to_owned(),
    }
}

/// The message id of a key state's label.
pub(crate) fn state_key(state: KeyState) -> &'static str {
    match state {
        KeyState::Active => "integrations-state-active",
        KeyState::Disabled => "integrations-state-disabled",
        KeyState::Revoked => "integrations-state-revoked",
    }
}
