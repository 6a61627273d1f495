//! The provider back office's own realm. Operators (provider staff) are not merchant users:
//! their own table, sessions and sign-in, a TOTP second factor the provider requires by
//! default, and roles from [`kassa_core::ops_access`]. Every operator action is audited with
//! the operator's id, so the operator audit log and the touched merchant's log both show it.

mod manage;
mod session;
mod sign_in;

pub use manage::{
    create_operator, my_recent_actions, operator_audit, operators, reset_operator_two_factor, set_operator_access,
    set_operator_preferences, set_two_factor_policy, two_factor_required, CreatedOperator, NewOperatorInput,
};
pub use session::{end_operator_session, operator_session, OperatorSession};
pub use sign_in::{
    confirm_enrolment, enrolment_secret, second_factor, sign_in, CodeOutcome, OpsSignInOutcome, StartedSession,
};

use crate::{Actor, AppError, AppResult};
use kassa_core::ops_access::{ops_allows, OpsPermission};

/// Refuses unless `actor` is an operator whose role has `permission`.
pub fn require_ops(actor: &Actor, permission: OpsPermission) -> AppResult<()> {
    match actor.operator_role {
        Some(role) if ops_allows(role, permission) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}
