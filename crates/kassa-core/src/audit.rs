//! What the audit log records: one action per kind of event, stored under a stable code.

use std::fmt;
use std::str::FromStr;

macro_rules! audit_actions {
    ($($variant:ident => $code:literal,)*) => {
        /// An audited action. The codes are what the `audit_events.action` column holds.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($variant,)*
        }

        impl AuditAction {
            /// Every action; the listed ones in the order the audit log's filter shows them.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The stored code.
            pub fn code(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $code,)*
                }
            }
        }
    };
}

audit_actions! {
    SignIn => "sign_in",
    SignOut => "sign_out",
    SignInFailed => "sign_in_failed",
    AccountLocked => "account_locked",
    SignInRefusedLocked => "sign_in_refused_locked",
    SignInRefusedExpired => "sign_in_refused_expired",
    SignInRefusedInactive => "sign_in_refused_inactive",
    SignInRefusedNoStore => "sign_in_refused_no_store",
    TwoFactorFailed => "two_factor_failed",
    RecoveryCodeUsed => "recovery_code_used",
    UserInvited => "user_invited",
    InvitationResent => "invitation_resent",
    InvitationAccepted => "invitation_accepted",
    UserAccessChanged => "user_access_changed",
    UserDeactivated => "user_deactivated",
    UserReactivated => "user_reactivated",
    UserCreated => "user_created",
    ProfileUpdated => "profile_updated",
    PasswordChanged => "password_changed",
    PasswordResetRequested => "password_reset_requested",
    PasswordReset => "password_reset",
    MagicLinkRequested => "magic_link_requested",
    TwoFactorEnabled => "two_factor_enabled",
    TwoFactorDisabled => "two_factor_disabled",
    RecoveryCodesReplaced => "recovery_codes_replaced",
    TwoFactorReset => "two_factor_reset",
    ApiKeyCreated => "api_key_created",
    ApiKeyRevoked => "api_key_revoked",
    ApiKeyDisabled => "api_key_disabled",
    ApiKeyEnabled => "api_key_enabled",
    DemoSeeded => "demo_seeded",
    DemoOrdersSeeded => "demo_orders_seeded",
    MerchantCreated => "merchant_created",
    MerchantUpdated => "merchant_updated",
    MerchantSuspended => "merchant_suspended",
    MerchantReinstated => "merchant_reinstated",
    StoreCreated => "store_created",
    StoreUpdated => "store_updated",
    OperatorCreated => "operator_created",
    OperatorUpdated => "operator_updated",
    OperatorSignIn => "operator_sign_in",
    OperatorSignOut => "operator_sign_out",
    OperatorSignInFailed => "operator_sign_in_failed",
    OperatorLocked => "operator_locked",
    OperatorTwoFactorEnabled => "operator_two_factor_enabled",
    PayoutRun => "payout_run",
    LedgerCorrectionPosted => "ledger_correction_posted",
    ReportSettingsChanged => "report_settings_changed",
    DisputeOpened => "dispute_opened",
    DisputeQuestionAsked => "dispute_question_asked",
    DisputeDecided => "dispute_decided",
    DisputeWithdrawn => "dispute_withdrawn",
    WebhookEndpointCreated => "webhook_endpoint_created",
    WebhookEndpointUpdated => "webhook_endpoint_updated",
    WebhookEndpointDeleted => "webhook_endpoint_deleted",
    WebhookEndpointEnabled => "webhook_endpoint_enabled",
    WebhookEndpointDisabled => "webhook_endpoint_disabled",
    WebhookSecretRotated => "webhook_secret_rotated",
    WebhookTestSent => "webhook_test_sent",
    WebhookDeliveryResent => "webhook_delivery_resent",
    CompanyUpdated => "company_updated",
    CompanyIdentityRequested => "company_identity_requested",
    CompanyIdentityApplied => "company_identity_applied",
    CompanyIdentityDeclined => "company_identity_declined",
    CompanyIdentityWithdrawn => "company_identity_withdrawn",
    BankChangeRequested => "bank_change_requested",
    BankChangeReauthFailed => "bank_change_reauth_failed",
    BankChangeReplaced => "bank_change_replaced",
    BankChangeConfirmed => "bank_change_confirmed",
    BankChangeBlocked => "bank_change_blocked",
    EmailChangeRequested => "email_change_requested",
    EmailChanged => "email_changed",
    EmailChangeCancelled => "email_change_cancelled",
    SessionSignedOut => "session_signed_out",
    OtherSessionsSignedOut => "other_sessions_signed_out",
}

impl AuditAction {
    /// Whether the portal's audit log offers the action as a filter (and names it in words):
    /// the demo's seeding markers are bookkeeping; they show under their code. What the provider's staff did to the merchant
    /// (created, edited, suspended it, its stores) is listed: the merchant's admins see it.
    pub fn listed(self) -> bool {
        !matches!(
            self,
            AuditAction::DemoSeeded
                | AuditAction::DemoOrdersSeeded
                // The back office's own events carry no merchant: the portal never sees them.
                | AuditAction::OperatorCreated
                | AuditAction::OperatorUpdated
                | AuditAction::OperatorSignIn
                | AuditAction::OperatorSignOut
                | AuditAction::OperatorSignInFailed
                | AuditAction::OperatorLocked
                | AuditAction::OperatorTwoFactorEnabled
        )
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action {0:?}")]
pub struct UnknownAuditAction(pub String);

impl FromStr for AuditAction {
    type Err = UnknownAuditAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.code() == s)
            .ok_or_else(|| UnknownAuditAction(s.to_owned()))
    }
}

/// Reads a stored action code (the database boundary).
impl TryFrom<String> for AuditAction {
    type Error = UnknownAuditAction;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert_eq!(a.code().parse::<AuditAction>(), Ok(*a));
            assert!(seen.insert(a.code()), "{a:?} twice");
        }
        assert!("dance".parse::<AuditAction>().is_err());
    }
}
