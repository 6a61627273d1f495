//! Operator sessions: the rules of a live one (the same idle and absolute limits as the
//! portal's), found from the cookie token.

use crate::auth::password::token_hash;
use crate::{now_ms, AppResult};
use kassa_core::account::session_alive;
use kassa_core::audit::AuditAction;
use kassa_db::{Db, OperatorRow, OperatorStage};

/// Sessions record activity at most this often.
const TOUCH_EVERY_MS: i64 = 15_000;

#[derive(Debug, Clone)]
pub struct OperatorSession {
    pub token_hash: String,
    pub csrf: String,
    pub stage: OperatorStage,
    /// The operator (the password hash and TOTP secrets stay in it: never render them).
    pub operator: OperatorRow,
}

/// The live session of a cookie token; a dead one (idle, too old, its operator
/// deactivated) is ended here.
pub async fn operator_session(db: &Db, token: &str, now: i64) -> AppResult<Option<OperatorSession>> {
    let hash = token_hash(token);
    let Some(session) = db.operator_session(&hash).await? else {
        return Ok(None);
    };
    let operator = db.operator(session.operator_id).await?;
    let alive = session_alive(session.created_at, session.last_seen_at, now);
    let Some(operator) = operator.filter(|o| o.active() && alive) else {
        db.delete_operator_session(&hash).await?;
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        db.touch_operator_session(&hash, now).await?;
    }
    Ok(Some(OperatorSession {
        token_hash: hash,
        csrf: session.csrf_token,
        stage: session.stage,
        operator,
    }))
}

/// Signing out: the session ends, and a signed-in operator's sign-out is audited.
pub async fn end_operator_session(db: &Db, session: &OperatorSession, ip: &str) -> AppResult<()> {
    db.delete_operator_session(&session.token_hash).await?;
    if session.stage == OperatorStage::SignedIn {
        let o = &session.operator;
        let event = kassa_db::AuditEvent {
            actor_operator_id: Some(o.id),
            actor: &o.email,
            subject: &o.email,
            ip,
            ..kassa_db::AuditEvent::of(AuditAction::OperatorSignOut)
        };
        db.record_audit(&event, now_ms()).await?;
    }
    Ok(())
}
