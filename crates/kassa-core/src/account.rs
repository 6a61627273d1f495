//! Users, stores and sign-in rules: the newtypes request data is parsed into, and the
//! security constants the portal enforces.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Failed sign-ins before an account is locked.
pub const MAX_FAILED_SIGN_INS: i64 = 10;
/// How long a locked account stays locked, in milliseconds.
pub const LOCKOUT_MS: i64 = 30 * 60 * 1000;
/// A session ends after this long without a request, in milliseconds.
pub const SESSION_IDLE_MS: i64 = 15 * 60 * 1000;
/// A session ends this long after sign-in whatever happens, in milliseconds.
pub const SESSION_ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// Shortest password accepted (NIST SP 800-63B allows long passphrases; we ask for 12+).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, so hashing cost stays bounded.
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("{0:?} is not a valid email address")]
    InvalidEmail(String),
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("a password may have at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    #[error("{0:?} is not a Store ID (an M followed by six digits, like M100001)")]
    InvalidStoreId(String),
    #[error("unknown theme {0:?}; expected system, light or dark")]
    UnknownTheme(String),
    #[error("unknown user status {0:?}")]
    UnknownStatus(String),
}

/// An email address, trimmed and lower-cased so that lookups are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Email(email))
        } else {
            Err(AccountError::InvalidEmail(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy. Never printed or logged.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            Err(AccountError::PasswordTooShort)
        } else if chars > MAX_PASSWORD_CHARS {
            Err(AccountError::PasswordTooLong)
        } else {
            Ok(NewPassword(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// A Store ID: `M` and six digits, as Kustom shows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StoreId(String);

impl StoreId {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let s = raw.trim();
        let valid = s.len() == 7 && s.starts_with('M') && s[1..].bytes().all(|b| b.is_ascii_digit());
        if valid {
            Ok(StoreId(s.to_owned()))
        } else {
            Err(AccountError::InvalidStoreId(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StoreId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Colour scheme of the portal, stored on the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn code(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl FromStr for Theme {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "system" => Ok(Theme::System),
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            other => Err(AccountError::UnknownTheme(other.to_owned())),
        }
    }
}

/// Where a user is in their life cycle. Users are never deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Invited,
    Active,
    Deactivated,
}

impl UserStatus {
    pub fn code(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Deactivated => "deactivated",
        }
    }
}

impl FromStr for UserStatus {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "invited" => Ok(UserStatus::Invited),
            "active" => Ok(UserStatus::Active),
            "deactivated" => Ok(UserStatus::Deactivated),
            other => Err(AccountError::UnknownStatus(other.to_owned())),
        }
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Reads a stored status code (the database boundary).
impl TryFrom<String> for UserStatus {
    type Error = AccountError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Where a user's access to one store stands: invited until they accept that merchant's
/// invitation, then active. (Deactivation is a date on the membership, not a status.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    Invited,
    Active,
}

impl MembershipStatus {
    pub fn code(self) -> &'static str {
        match self {
            MembershipStatus::Invited => "invited",
            MembershipStatus::Active => "active",
        }
    }
}

impl fmt::Display for MembershipStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for MembershipStatus {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "invited" => Ok(MembershipStatus::Invited),
            "active" => Ok(MembershipStatus::Active),
            other => Err(AccountError::UnknownStatus(other.to_owned())),
        }
    }
}

/// Reads a stored membership status (the database boundary).
impl TryFrom<String> for MembershipStatus {
    type Error = AccountError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Why a sign-in with the right password may still be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    Locked,
    NotActive,
    AccessExpired,
}

/// The facts about an account that decide whether it may sign in now.
#[derive(Debug, Clone, Copy)]
pub struct SignInState {
    pub status: UserStatus,
    pub locked_until_ms: Option<i64>,
    pub access_expires_ms: Option<i64>,
}

impl SignInState {
    /// Checked before the password, so a locked account reveals nothing about it.
    pub fn refusal(&self, now_ms: i64) -> Option<SignInRefusal> {
        if self.locked_until_ms.is_some_and(|until| until > now_ms) {
            Some(SignInRefusal::Locked)
        } else if self.status != UserStatus::Active {
            Some(SignInRefusal::NotActive)
        } else if self.access_expires_ms.is_some_and(|at| at <= now_ms) {
            Some(SignInRefusal::AccessExpired)
        } else {
            None
        }
    }
}

/// Whether a session that started at `created_ms` and was last used at `last_seen_ms` is still
/// alive at `now_ms`.
pub fn session_alive(created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
    now_ms - last_seen_ms < SESSION_IDLE_MS && now_ms - created_ms < SESSION_ABSOLUTE_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Admin@Demo.Kassa.Test ").unwrap().as_str(),
            "admin@demo.kassa.test"
        );
        for bad in ["", "a", "a@b", "@b.se", "a@.se", "a@b.", "a b@c.se", "a@b@c.se"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn password_policy() {
        assert_eq!(NewPassword::parse("short").unwrap_err(), AccountError::PasswordTooShort);
        assert!(NewPassword::parse("twelve chars").is_ok());
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        // Characters, not bytes: twelve Swedish letters pass.
        assert!(NewPassword::parse("åäöåäöåäöåäö").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("secret secret").unwrap()),
            "NewPassword(<redacted>)"
        );
    }

    #[test]
    fn store_ids() {
        assert!(StoreId::parse("M100001").is_ok());
        for bad in ["M10000", "X100001", "M10000a", "m100001", "M1000011"] {
            assert!(StoreId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn sign_in_refusals() {
        let active = SignInState {
            status: UserStatus::Active,
            locked_until_ms: None,
            access_expires_ms: None,
        };
        assert_eq!(active.refusal(1_000), None);
        let locked = SignInState {
            locked_until_ms: Some(2_000),
            ..active
        };
        assert_eq!(locked.refusal(1_000), Some(SignInRefusal::Locked));
        assert_eq!(locked.refusal(2_000), None, "a lock ends at its time");
        let off = SignInState {
            status: UserStatus::Deactivated,
            ..active
        };
        assert_eq!(off.refusal(1_000), Some(SignInRefusal::NotActive));
        let expired = SignInState {
            access_expires_ms: Some(1_000),
            ..active
        };
        assert_eq!(expired.refusal(1_000), Some(SignInRefusal::AccessExpired));
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let start = 0;
        assert!(session_alive(start, start, SESSION_IDLE_MS - 1));
        assert!(!session_alive(start, start, SESSION_IDLE_MS));
        let late = SESSION_ABSOLUTE_MS - 1;
        assert!(session_alive(start, late - 1, late));
        assert!(!session_alive(start, SESSION_ABSOLUTE_MS - 10, SESSION_ABSOLUTE_MS));
    }
}
