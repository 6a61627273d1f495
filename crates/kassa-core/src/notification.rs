//! Notifications (issue 15): what a person may be told about, on which channel, what is on
//! when they have chosen nothing, and the signed token of an email's unsubscribe link.
//!
//! A person only hears about what their role may see in the store: every kind names the
//! permission it needs, and the defaults are decided by role from there.

use crate::access::{allows, Onboarding, Permission, Role};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::str::FromStr;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Daily digest: authorizations of the store that expire within 3 days.
    AuthorizationsExpiring,
    DisputeOpened,
    /// A dispute's response deadline is 3 days away.
    DisputeDeadline,
    DisputeOutcome,
    PayoutPaid,
    /// A custom report the person asked for is ready (only its requester is told).
    ReportReady,
    /// An API key was disabled after 60 days unused.
    ApiKeyDisabled,
    /// A webhook endpoint was disabled after failing for 3 days.
    WebhookDisabled,
    /// A sign-in to the person's account from a device and address not seen before. It is
    /// about the account, not a store.
    NewSignIn,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::AuthorizationsExpiring,
        Kind::DisputeOpened,
        Kind::DisputeDeadline,
        Kind::DisputeOutcome,
        Kind::PayoutPaid,
        Kind::ReportReady,
        Kind::ApiKeyDisabled,
        Kind::WebhookDisabled,
        Kind::NewSignIn,
    ];

    /// The stable code stored in the database, used in forms and in unsubscribe tokens.
    pub fn code(self) -> &'static str {
        match self {
            Kind::AuthorizationsExpiring => "authorizations_expiring",
            Kind::DisputeOpened => "dispute_opened",
            Kind::DisputeDeadline => "dispute_deadline",
            Kind::DisputeOutcome => "dispute_outcome",
            Kind::PayoutPaid => "payout_paid",
            Kind::ReportReady => "report_ready",
            Kind::ApiKeyDisabled => "api_key_disabled",
            Kind::WebhookDisabled => "webhook_disabled",
            Kind::NewSignIn => "new_sign_in",
        }
    }

    /// What a role needs in the store to be told about this kind.
    pub fn permission(self) -> Permission {
        match self {
            Kind::AuthorizationsExpiring => Permission::ViewOrders,
            Kind::DisputeOpened | Kind::DisputeDeadline | Kind::DisputeOutcome => Permission::Disputes,
            Kind::PayoutPaid => Permission::ViewSettlements,
            Kind::ReportReady => Permission::ManageReports,
            Kind::ApiKeyDisabled | Kind::WebhookDisabled => Permission::ViewIntegrations,
            Kind::NewSignIn => Permission::SignedIn,
        }
    }

    /// Whether the kind is about the person's account rather than one store.
    pub fn account_wide(self) -> bool {
        self == Kind::NewSignIn
    }

    /// Whether `role` (at a merchant onboarded as `onboarding`) may be told about this kind.
    pub fn visible_to(self, role: Role, onboarding: Onboarding) -> bool {
        allows(role, onboarding, self.permission())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown notification kind {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

impl TryFrom<String> for Kind {
    type Error = UnknownKind;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Where a notification shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The Home page and the bell in the header.
    Home,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Home, Channel::Email];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Home => "home",
            Channel::Email => "email",
        }
    }
}

impl FromStr for Channel {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

impl TryFrom<String> for Channel {
    type Error = UnknownKind;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Whether `kind` is on for `role` on `channel` when the person has chosen nothing. A kind
/// the role may not see is never on.
///
/// - Everything a role may see shows on Home.
/// - Email goes to the people who act on it: dispute handlers for disputes, those who
///   manage orders for expiring authorizations, the Settlement role (and Super Admins, who
///   answer for the bank account) for payouts, the requester for a report, those who manage
///   integrations for disabled keys and endpoints, and everyone for a new sign-in.
pub fn default_on(kind: Kind, role: Role, onboarding: Onboarding, channel: Channel) -> bool {
    if !kind.visible_to(role, onboarding) {
        return false;
    }
    match channel {
        Channel::Home => true,
        Channel::Email => match kind {
            Kind::AuthorizationsExpiring => allows(role, onboarding, Permission::ManageOrders),
            Kind::DisputeOpened | Kind::DisputeDeadline | Kind::DisputeOutcome => true,
            Kind::PayoutPaid => matches!(role, Role::Settlement | Role::SuperAdmin),
            Kind::ReportReady => true,
            Kind::ApiKeyDisabled | Kind::WebhookDisabled => allows(role, onboarding, Permission::ManageIntegrations),
            Kind::NewSignIn => true,
        },
    }
}

/// The unsubscribe token of one person, store and kind: `<user>.<store>.<kind>.<mac>`, the
/// MAC an HMAC-SHA256 under the installation's secret key, so the link works without
/// signing in and cannot be altered to reach anyone or anything else. The store is empty
/// for an account-wide kind.
pub fn unsubscribe_token(secret_key: &[u8], user_id: i64, store_id: &str, kind: Kind) -> String {
    let payload = format!("{user_id}.{store_id}.{}", kind.code());
    let mac = mac_hex(secret_key, &payload);
    format!("{payload}.{mac}")
}

/// What a valid unsubscribe token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub user_id: i64,
    pub store_id: String,
    pub kind: Kind,
}

/// Checks a token made by [`unsubscribe_token`]; `None` for anything else (altered,
/// truncated, or signed under another key).
pub fn verify_unsubscribe(secret_key: &[u8], token: &str) -> Option<Unsubscribe> {
    let (payload, mac) = token.rsplit_once('.')?;
    let mut parts = payload.split('.');
    let (user, store, kind) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let expected = hex_decode(mac)?;
    let mut check = Hmac::<Sha256>::new_from_slice(secret_key).expect("HMAC takes a key of any length");
    check.update(b"kassa-unsubscribe:");
    check.update(payload.as_bytes());
    check.verify_slice(&expected).ok()?;
    let kind: Kind = kind.parse().ok()?;
    if kind.account_wide() != store.is_empty() {
        return None;
    }
    Some(Unsubscribe {
        user_id: user.parse().ok()?,
        store_id: store.to_owned(),
        kind,
    })
}

fn mac_hex(secret_key: &[u8], payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key).expect("HMAC takes a key of any length");
    mac.update(b"kassa-unsubscribe:");
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// A device as a new-sign-in notice names it: the browser family and operating system read
/// from its User-Agent. Together with the address it decides whether a sign-in is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub browser: &'static str,
    pub os: &'static str,
}

impl Device {
    /// Reads the browser family and OS from a User-Agent header (order matters: Edge and
    /// Opera say "Chrome", Chrome says "Safari", Android says "Linux").
    pub fn from_user_agent(ua: &str) -> Device {
        let has = |s: &str| ua.contains(s);
        let browser = if has("Edg/") || has("Edge/") {
            "Edge"
        } else if has("OPR/") || has("Opera") {
            "Opera"
        } else if has("Firefox/") || has("FxiOS/") {
            "Firefox"
        } else if has("Chrome/") || has("Chromium/") || has("CriOS/") {
            "Chrome"
        } else if has("Safari/") {
            "Safari"
        } else {
            "other"
        };
        let os = if has("Windows") {
            "Windows"
        } else if has("iPhone") || has("iPad") || has("iPod") {
            "iOS"
        } else if has("Android") {
            "Android"
        } else if has("Mac OS X") || has("Macintosh") {
            "macOS"
        } else if has("CrOS") {
            "ChromeOS"
        } else if has("Linux") {
            "Linux"
        } else {
            "other"
        };
        Device { browser, os }
    }

    /// The key a user's known devices are kept under: browser family, OS and address.
    pub fn key(&self, address: &str) -> String {
        format!("{}|{}|{}", self.browser, self.os, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(kind.code().parse::<Kind>(), Ok(kind));
        }
        for channel in Channel::ALL {
            assert_eq!(channel.code().parse::<Channel>(), Ok(channel));
        }
    }

    #[test]
    fn nobody_is_told_what_their_role_may_not_see() {
        for role in Role::ALL {
            for kind in Kind::ALL {
                for channel in Channel::ALL {
                    if default_on(kind, role, Onboarding::Direct, channel) {
                        assert!(allows(role, Onboarding::Direct, kind.permission()), "{role} {kind}");
                    }
                }
            }
        }
    }

    #[test]
    fn defaults_by_role() {
        use Channel::{Email, Home};
        let on = |k, r, c| default_on(k, r, Onboarding::Direct, c);
        assert!(on(Kind::DisputeOpened, Role::Disputes, Email));
        assert!(!on(Kind::DisputeOpened, Role::User, Home));
        assert!(on(Kind::PayoutPaid, Role::Settlement, Email));
        assert!(!on(Kind::PayoutPaid, Role::Admin, Email));
        assert!(on(Kind::PayoutPaid, Role::Admin, Home));
        assert!(on(Kind::WebhookDisabled, Role::Admin, Email));
        assert!(!on(Kind::WebhookDisabled, Role::User, Home));
        assert!(!default_on(
            Kind::ApiKeyDisabled,
            Role::Admin,
            Onboarding::Partner,
            Email
        ));
        assert!(default_on(Kind::ApiKeyDisabled, Role::Admin, Onboarding::Partner, Home));
        for role in Role::ALL {
            assert!(on(Kind::NewSignIn, role, Email));
        }
        assert!(on(Kind::AuthorizationsExpiring, Role::User, Email));
        assert!(!on(Kind::AuthorizationsExpiring, Role::ReadOnly, Email));
        assert!(on(Kind::AuthorizationsExpiring, Role::ReadOnly, Home));
    }

    #[test]
    fn unsubscribe_tokens_verify_and_refuse_changes() {
        let key = b"k1";
        let t = unsubscribe_token(key, 7, "M100001", Kind::PayoutPaid);
        assert_eq!(
            verify_unsubscribe(key, &t),
            Some(Unsubscribe {
                user_id: 7,
                store_id: "M100001".into(),
                kind: Kind::PayoutPaid
            })
        );
        assert_eq!(verify_unsubscribe(b"k2", &t), None);
        assert_eq!(verify_unsubscribe(key, &t.replace("7.M", "8.M")), None);
        assert_eq!(verify_unsubscribe(key, &t.replace("payout_paid", "report_ready")), None);
        assert_eq!(verify_unsubscribe(key, &t[..t.len() - 1]), None);
        let account = unsubscribe_token(key, 7, "", Kind::NewSignIn);
        assert_eq!(verify_unsubscribe(key, &account).unwrap().store_id, "");
    }

    #[test]
    fn devices_from_user_agents() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(
            Device::from_user_agent(chrome),
            Device {
                browser: "Chrome",
                os: "Linux"
            }
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(
            Device::from_user_agent(iphone),
            Device {
                browser: "Safari",
                os: "iOS"
            }
        );
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(
            Device::from_user_agent(edge),
            Device {
                browser: "Edge",
                os: "Windows"
            }
        );
        assert_eq!(Device::from_user_agent("").key("1.2.3.4"), "other|other|1.2.3.4");
    }
}
