//! The provider back office's roles and permissions: one table, [`OPS_MATRIX`], drives the
//! `/ops` route guards, the back-office menu and the operator permission-matrix test, as
//! [`crate::access::ROLE_MATRIX`] does for the merchant portal.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a member of the provider's staff does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorRole {
    /// Everything, including managing operators.
    OpsAdmin,
    /// Merchants, stores and their users.
    Onboarding,
    /// Fee plans, payout runs, bank accounts.
    Finance,
    /// Disputes.
    Risk,
    /// Support chats and a read-only view of merchants.
    Support,
}

impl OperatorRole {
    pub const ALL: [OperatorRole; 5] = [
        OperatorRole::OpsAdmin,
        OperatorRole::Onboarding,
        OperatorRole::Finance,
        OperatorRole::Risk,
        OperatorRole::Support,
    ];

    /// The stable code stored in the database and used in forms and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            OperatorRole::OpsAdmin => "ops_admin",
            OperatorRole::Onboarding => "onboarding",
            OperatorRole::Finance => "finance",
            OperatorRole::Risk => "risk",
            OperatorRole::Support => "support",
        }
    }

    fn column(self) -> usize {
        OperatorRole::ALL
            .iter()
            .position(|r| *r == self)
            .expect("every operator role is in ALL")
    }
}

impl fmt::Display for OperatorRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown operator role {0:?}; expected one of ops_admin, onboarding, finance, risk, support")]
pub struct UnknownOperatorRole(pub String);

impl FromStr for OperatorRole {
    type Err = UnknownOperatorRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OperatorRole::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownOperatorRole(s.to_owned()))
    }
}

/// Reads a stored role code (the database boundary).
impl TryFrom<String> for OperatorRole {
    type Error = UnknownOperatorRole;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Something an `/ops` route or back-office use case may require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpsPermission {
    /// Pages every operator has: the overview, their own account.
    SignedIn,
    /// Merchants, their stores, users, API keys (names and prefixes), orders and audit trail,
    /// read-only.
    ViewMerchants,
    /// Create and edit merchants and stores (not their money settings), invite a merchant's
    /// first Super Admin, resend invitations, deactivate a merchant's user, reset the
    /// two-factor of a merchant's user who lost both their authenticator and their recovery
    /// codes. Support answers chats but does not take over accounts: a person who calls in
    /// locked out is handed to onboarding (or an ops_admin), who checks who they are.
    ManageMerchants,
    /// Suspend and reinstate a merchant.
    SuspendMerchants,
    /// Fee plans, payout bank accounts, payout runs, ledger corrections.
    ManageFinance,
    /// Open and decide disputes.
    ManageDisputes,
    /// Answer support chats.
    AnswerSupport,
    /// Create operators, change their roles, deactivate them.
    ManageOperators,
    /// The operator audit log across all merchants.
    ViewOperatorAudit,
}

const Y: bool = true;
const N: bool = false;

/// Columns: ops_admin, onboarding, finance, risk, support.
pub const OPS_MATRIX: &[(OpsPermission, [bool; 5])] = &[
    (OpsPermission::SignedIn, [Y, Y, Y, Y, Y]),
    (OpsPermission::ViewMerchants, [Y, Y, Y, Y, Y]),
    (OpsPermission::ManageMerchants, [Y, Y, N, N, N]),
    // Risk stops a merchant it suspects of fraud; onboarding stops one it onboarded wrongly.
    (OpsPermission::SuspendMerchants, [Y, Y, N, Y, N]),
    (OpsPermission::ManageFinance, [Y, N, Y, N, N]),
    (OpsPermission::ManageDisputes, [Y, N, N, Y, N]),
    (OpsPermission::AnswerSupport, [Y, N, N, N, Y]),
    (OpsPermission::ManageOperators, [Y, N, N, N, N]),
    (OpsPermission::ViewOperatorAudit, [Y, N, N, N, N]),
];

/// Whether an operator with `role` has `permission`.
pub fn ops_allows(role: OperatorRole, permission: OpsPermission) -> bool {
    OPS_MATRIX
        .iter()
        .find(|(p, _)| *p == permission)
        .map(|(_, cells)| cells[role.column()])
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_only_ops_admin_manages_operators() {
        for role in OperatorRole::ALL {
            assert_eq!(role.code().parse::<OperatorRole>(), Ok(role));
            assert!(ops_allows(role, OpsPermission::SignedIn));
            assert!(ops_allows(role, OpsPermission::ViewMerchants));
            assert_eq!(
                ops_allows(role, OpsPermission::ManageOperators),
                role == OperatorRole::OpsAdmin
            );
        }
        assert!("root".parse::<OperatorRole>().is_err());
        assert!(!ops_allows(OperatorRole::Support, OpsPermission::ManageMerchants));
        assert!(ops_allows(OperatorRole::Finance, OpsPermission::ManageFinance));
    }
}
