//! The provider back office's use cases for merchants and stores. Each takes an operator
//! [`Actor`] (`Actor::operator(…)`) and checks its role against
//! [`kassa_core::ops_access::ops_allows`] itself, whatever the `/ops` route guard did:
//! viewing needs `ViewMerchants`; creating and editing merchants and stores
//! `ManageMerchants`; suspending and reinstating `SuspendMerchants`; a store's fee plan and
//! payout bank account `ManageFinance`.
//!
//! Bad input comes back as [`AppError::Invalid`] with one [`FieldError`] per bad field,
//! named like the back office's form fields (`legal_name`, `org_number`, `payout_iban`,
//! `fee_card_bps`, …). Its message is a reason code the back office translates: the
//! [`IdentityError::code`] of kassa-core's identity checks, or one of [`reason`]'s.
//!
//! Every change is written with its audit event at the merchant (before and after as JSON),
//! in the same transaction; the merchant's admins see them in their audit log.

mod activity;
mod identity;
mod merchants;
mod people;
mod stores;

pub use activity::{merchant_order, merchant_orders, MerchantOrderView, MerchantOrders};
pub use identity::{
    apply_identity_request, decline_identity_request, identity_requests, merchant_identity_requests, IdentityDecided,
};
pub use merchants::{
    create_merchant, list_merchants, merchant_detail, reinstate_merchant, suspend_merchant, update_merchant,
    MerchantInput, MerchantList, MerchantPage, UpdateMerchant,
};
pub use people::{
    invite_super_admin, resend_merchant_invitation, reset_member_two_factor, two_factor_reset_target,
    MerchantInvitation, TwoFactorResetMail, RESET_REASON_MAX,
};
pub use stores::{
    create_store, merchant_overview, merchant_stores, store_detail, update_store, BankAccountInput, CreateStore,
    FeeInput, MerchantOverview, PayoutInput, SettlementInput, StoreOverview, StoreSettingsInput, UpdateStore,
};

use crate::{Actor, AppError, AppResult, FieldError};
use kassa_core::identity::IdentityError;
use kassa_core::ops_access::{ops_allows, OpsPermission};

/// Reason codes of field errors beyond kassa-core's identity checks.
pub mod reason {
    /// Longer than the field takes.
    pub const TOO_LONG: &str = "too-long";
    /// Not a country Kassa trades in.
    pub const COUNTRY: &str = "country";
    /// Not a currency of the store's country.
    pub const CURRENCY: &str = "currency";
    /// Reservation days are 1 to 180.
    pub const RESERVATION_DAYS: &str = "reservation-days";
    /// Not daily, weekly or monthly.
    pub const PAYOUT_SCHEDULE: &str = "payout-schedule";
    /// A weekly payout day is 1–7 (Monday first), a monthly one 1–28.
    pub const PAYOUT_DAY: &str = "payout-day";
    /// Basis points are 0 to 10 000.
    pub const FEE_BPS: &str = "fee-bps";
    /// A fixed fee is zero or more.
    pub const FEE_FIXED: &str = "fee-fixed";
    /// A store's environment is chosen when it is created.
    pub const ENVIRONMENT_FIXED: &str = "environment-fixed";
    /// A correction of nothing.
    pub const AMOUNT_ZERO: &str = "amount-zero";
    /// No completed order with this id in the store.
    pub const UNKNOWN_ORDER: &str = "unknown-order";
    /// A rolling reserve is 0 to 100 % of each sale.
    pub const RESERVE_BPS: &str = "reserve-bps";
    /// A rolling reserve is held 0 to 365 days, and at least one when there is one.
    pub const RESERVE_DAYS: &str = "reserve-days";
    /// A dispute fee is 0 to 10 000.00 in the store's currency.
    pub const DISPUTE_FEE: &str = "dispute-fee";
    /// Not an email address.
    pub const EMAIL: &str = "email";
    /// A change of the company's identity that changes nothing.
    pub const IDENTITY_UNCHANGED: &str = "identity-unchanged";
}

/// Refuses unless the actor is an operator whose role has `permission`.
pub(crate) fn require(actor: &Actor, permission: OpsPermission) -> AppResult<()> {
    match actor.operator_role {
        Some(role) if ops_allows(role, permission) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Collects the bad fields of one command.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, field: &str, reason: &str) {
        self.0.push(FieldError::new(field, reason));
    }

    /// The checked value, or `""` after noting the reason.
    pub(crate) fn identity(&mut self, field: &str, checked: Result<String, IdentityError>) -> String {
        checked.unwrap_or_else(|e| {
            self.add(field, e.code());
            String::new()
        })
    }

    /// A required text of at most `max` characters, trimmed.
    pub(crate) fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, IdentityError::Required.code());
        } else if v.chars().count() > max {
            self.add(field, reason::TOO_LONG);
        }
        v.to_owned()
    }

    pub(crate) fn done(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

/// A two-letter country of a market Kassa trades in, upper-case.
pub(crate) fn country(p: &mut Problems, field: &str, value: &str) -> Option<String> {
    let c = value.trim().to_ascii_uppercase();
    if c.is_empty() {
        p.add(field, IdentityError::Required.code());
        None
    } else if c.len() != 2 || !kassa_core::money::is_market(&c) {
        p.add(field, reason::COUNTRY);
        None
    } else {
        Some(c)
    }
}

/// The fields of `after` whose values differ from `before`: the audit event's two sides,
/// so it shows what changed and nothing else.
pub(crate) fn changed(before: serde_json::Value, after: serde_json::Value) -> (serde_json::Value, serde_json::Value) {
    let (serde_json::Value::Object(b), serde_json::Value::Object(a)) = (before, after) else {
        return (serde_json::Value::Null, serde_json::Value::Null);
    };
    let keys: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    let pick = |m: &serde_json::Map<String, serde_json::Value>| {
        serde_json::Value::Object(
            keys.iter()
                .filter_map(|k| m.get(k).map(|v| (k.clone(), v.clone())))
                .collect(),
        )
    };
    (pick(&b), pick(&a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_core::ops_access::OperatorRole;
    use serde_json::json;

    #[test]
    fn only_operators_with_the_permission_pass() {
        let support = Actor::operator(1, "s@x", OperatorRole::Support, "");
        assert!(require(&support, OpsPermission::ViewMerchants).is_ok());
        assert!(matches!(
            require(&support, OpsPermission::ManageMerchants),
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            require(&Actor::system(), OpsPermission::ViewMerchants),
            Err(AppError::Forbidden)
        ));
    }

    #[test]
    fn audit_sides_show_only_what_changed() {
        let (b, a) = changed(
            json!({"city": "Lund", "name": "A"}),
            json!({"city": "Malmö", "name": "A"}),
        );
        assert_eq!(b, json!({"city": "Lund"}));
        assert_eq!(a, json!({"city": "Malmö"}));
    }
}
