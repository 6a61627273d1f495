//! Changing a store's payout bank account: what a change asks for (IBAN, BIC, holder), how
//! long its confirmation link works, the hold on payouts after a confirmed change (fraud
//! protection: a hijacked account cannot redirect money at once), and how an account is
//! shown to people who should recognise it but not copy it.

use crate::identity::{self, IdentityError};
use crate::settlement::{from_ms, next_cutoff, to_ms};
use crate::store_settings::PayoutSchedule;

/// How long the confirmation links of a requested change work.
pub const CONFIRM_LINK_VALID_MS: i64 = 48 * 3600 * 1000;
/// How long payouts wait after a confirmed change.
pub const PAYOUT_HOLD_MS: i64 = 3 * 24 * 3600 * 1000;
/// The longest account holder name a bank transfer carries (SEPA: 70 characters).
pub const MAX_HOLDER: usize = 70;

/// Field names of a change, as errors name them.
pub mod field {
    pub const IBAN: &str = "iban";
    pub const BIC: &str = "bic";
    pub const HOLDER: &str = "account_holder";
}

/// Where a store's payouts go, checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    pub iban: String,
    pub bic: String,
    pub holder: String,
}

/// Why a holder name was refused, beside [`IdentityError::Required`].
pub const HOLDER_TOO_LONG: &str = "holder-too-long";

impl BankAccount {
    /// Checks all three fields; every bad one is listed with its reason code
    /// ([`IdentityError::code`] or [`HOLDER_TOO_LONG`]).
    pub fn parse(iban: &str, bic: &str, holder: &str) -> Result<BankAccount, Vec<(&'static str, &'static str)>> {
        let mut bad = Vec::new();
        let iban = identity::iban(iban).map_err(|e| bad.push((field::IBAN, e.code()))).ok();
        let bic = identity::bic(bic).map_err(|e| bad.push((field::BIC, e.code()))).ok();
        let holder = holder.split_whitespace().collect::<Vec<_>>().join(" ");
        if holder.is_empty() {
            bad.push((field::HOLDER, IdentityError::Required.code()));
        } else if holder.chars().count() > MAX_HOLDER {
            bad.push((field::HOLDER, HOLDER_TOO_LONG));
        }
        match (iban, bic) {
            (Some(iban), Some(bic)) if bad.is_empty() => Ok(BankAccount { iban, bic, holder }),
            _ => Err(bad),
        }
    }
}

/// Where a change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeStatus {
    /// Waiting for a Super Admin's confirmation (until its links expire).
    Pending,
    /// Confirmed: the store's account is the new one.
    Confirmed,
    /// Stopped by the provider's finance staff; nothing changed.
    Blocked,
    /// A newer request for the same store took its place; nothing changed.
    Replaced,
}

impl ChangeStatus {
    pub const ALL: [ChangeStatus; 4] = [
        ChangeStatus::Pending,
        ChangeStatus::Confirmed,
        ChangeStatus::Blocked,
        ChangeStatus::Replaced,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChangeStatus::Pending => "pending",
            ChangeStatus::Confirmed => "confirmed",
            ChangeStatus::Blocked => "blocked",
            ChangeStatus::Replaced => "replaced",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown bank account change status {0:?}")]
pub struct UnknownChangeStatus(pub String);

impl std::str::FromStr for ChangeStatus {
    type Err = UnknownChangeStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChangeStatus::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownChangeStatus(s.to_owned()))
    }
}

impl TryFrom<String> for ChangeStatus {
    type Error = UnknownChangeStatus;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// When a store is paid out next: its schedule's next cut-off, or, while a hold after a
/// bank account change lasts beyond that, the end of the hold (the payout job closes the
/// balance on its first run after it).
pub fn next_payout_at(schedule: PayoutSchedule, now: i64, hold_until: Option<i64>) -> i64 {
    let cutoff = to_ms(next_cutoff(schedule, from_ms(now)));
    match hold_until {
        Some(hold) if hold > cutoff => hold,
        _ => cutoff,
    }
}

/// Whether payouts of a store wait at `now`.
pub fn held(hold_until: Option<i64>, now: i64) -> bool {
    hold_until.is_some_and(|h| h > now)
}

/// "•••• 7466": enough of an IBAN to recognise it, not to copy it.
pub fn masked_iban(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        return String::new();
    }
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("{} •••• {tail}", chars.iter().take(2).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_parse_with_every_bad_field_named() {
        let ok = BankAccount::parse("se45 5000 0000 0583 9825 7466", "eSSe se ss", "  Demo   AB ").unwrap();
        assert_eq!(ok.iban, "SE4550000000058398257466");
        assert_eq!(ok.bic, "ESSESESS");
        assert_eq!(ok.holder, "Demo AB");
        let bad = BankAccount::parse("SE45 5000 0000 0583 9825 7467", "ESSE", "").unwrap_err();
        assert_eq!(
            bad,
            vec![
                (field::IBAN, "iban-checksum"),
                (field::BIC, "bic-format"),
                (field::HOLDER, "required")
            ]
        );
        assert_eq!(
            BankAccount::parse("SE45 5000 0000 0583 9825 746", "ESSESESS", "x").unwrap_err(),
            vec![(field::IBAN, "iban-format")]
        );
        let long = "x".repeat(MAX_HOLDER + 1);
        assert_eq!(
            BankAccount::parse("SE4550000000058398257466", "ESSESESS", &long).unwrap_err(),
            vec![(field::HOLDER, HOLDER_TOO_LONG)]
        );
    }

    #[test]
    fn a_hold_moves_the_next_payout_only_when_it_lasts_longer() {
        let now = 1_700_000_000_000;
        let cutoff = next_payout_at(PayoutSchedule::Daily, now, None);
        assert!(cutoff > now && cutoff - now <= 24 * 3600 * 1000);
        assert_eq!(next_payout_at(PayoutSchedule::Daily, now, Some(now - 1)), cutoff);
        let hold = now + PAYOUT_HOLD_MS;
        assert_eq!(next_payout_at(PayoutSchedule::Daily, now, Some(hold)), hold);
        assert!(held(Some(hold), now) && !held(Some(hold), hold) && !held(None, now));
    }

    #[test]
    fn statuses_round_trip_and_ibans_mask() {
        for s in ChangeStatus::ALL {
            assert_eq!(s.code().parse::<ChangeStatus>(), Ok(s));
        }
        assert!("gone".parse::<ChangeStatus>().is_err());
        assert_eq!(masked_iban("SE4550000000058398257466"), "SE •••• 7466");
        assert_eq!(masked_iban(""), "");
    }
}
