//! The life of a merchant API key: active until revoked (for good) or disabled after 60 days
//! without a call (until someone enables it again), as Klarna does with unused credentials.

/// Days without a call after which a key is disabled.
pub const IDLE_DAYS: i64 = 60;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// [`IDLE_DAYS`] in milliseconds.
pub const IDLE_MS: i64 = IDLE_DAYS * DAY_MS;

/// Where a key stands. A disabled key is refused exactly like a revoked one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    Active,
    /// Unused for [`IDLE_DAYS`]; may be enabled again.
    Disabled,
    /// Revoked for good.
    Revoked,
}

impl KeyState {
    pub fn of(revoked_at: Option<i64>, disabled_at: Option<i64>) -> KeyState {
        match (revoked_at, disabled_at) {
            (Some(_), _) => KeyState::Revoked,
            (None, Some(_)) => KeyState::Disabled,
            (None, None) => KeyState::Active,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Disabled => "disabled",
            KeyState::Revoked => "revoked",
        }
    }

    /// Whether calls with the key are answered.
    pub fn accepts_calls(self) -> bool {
        self == KeyState::Active
    }
}

/// When the key was last known to be wanted: its newest of creation, last call and
/// re-enabling. A key never used counts from its creation.
pub fn last_activity(created_at: i64, last_used_at: Option<i64>, enabled_at: Option<i64>) -> i64 {
    created_at
        .max(last_used_at.unwrap_or(i64::MIN))
        .max(enabled_at.unwrap_or(i64::MIN))
}

/// Whether an active key is idle at `now`: no activity for [`IDLE_DAYS`].
pub fn is_idle(created_at: i64, last_used_at: Option<i64>, enabled_at: Option<i64>, now: i64) -> bool {
    now - last_activity(created_at, last_used_at, enabled_at) >= IDLE_MS
}

/// The names people give keys are kept to this many characters.
pub const MAX_NAME_CHARS: usize = 80;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        assert_eq!(KeyState::of(None, None), KeyState::Active);
        assert_eq!(KeyState::of(None, Some(1)), KeyState::Disabled);
        assert_eq!(KeyState::of(Some(2), Some(1)), KeyState::Revoked);
        assert!(KeyState::Active.accepts_calls());
        assert!(!KeyState::Disabled.accepts_calls());
        assert!(!KeyState::Revoked.accepts_calls());
    }

    #[test]
    fn idle_counts_from_the_newest_activity() {
        let day = DAY_MS;
        // Never used: from its creation.
        assert!(!is_idle(0, None, None, 60 * day - 1));
        assert!(is_idle(0, None, None, 60 * day));
        // Used on day 10: idle from day 70.
        assert!(!is_idle(0, Some(10 * day), None, 69 * day));
        assert!(is_idle(0, Some(10 * day), None, 70 * day));
        // Enabled again on day 100 after 90 idle days: 60 more days.
        assert!(!is_idle(0, Some(10 * day), Some(100 * day), 159 * day));
        assert!(is_idle(0, Some(10 * day), Some(100 * day), 160 * day));
    }
}
