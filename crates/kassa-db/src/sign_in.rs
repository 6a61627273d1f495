//! The sign-in lockout, counted in the database before a password or code is checked.
//!
//! Every check of a password or second-factor code first reserves an attempt here, in one
//! conditional `UPDATE … RETURNING` on the user's row: it is refused while the account is
//! locked, and the reservation that reaches the limit locks the account at once. The row is
//! the only state, so however many requests arrive together (on any number of processes),
//! at most `MAX_FAILED_SIGN_INS` secrets are checked per lock window: SQLite runs the
//! statement on its one writer, PostgreSQL takes the row lock and re-evaluates the `WHERE`
//! on the newest row version. A completed sign-in resets the count (`record_sign_in`).

use crate::{on_writer, Db, Result};
use kassa_core::account::{LOCKOUT_MS, MAX_FAILED_SIGN_INS};

/// A reserved attempt: the caller may check one password or code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInAttempt {
    /// This attempt's place in the count since the last sign-in or lock, from 1.
    pub number: i64,
}

impl SignInAttempt {
    /// Whether this reservation used the last attempt and so locked the account: unless it
    /// ends in a completed sign-in, the account stays locked and its owner is told.
    pub fn locked_the_account(&self) -> bool {
        self.number >= MAX_FAILED_SIGN_INS
    }
}

/// The reservation as one statement per table: the users' and the operators' rows carry the
/// same lockout columns.
macro_rules! reserve_sql {
    ($table:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " SET \
               failed_sign_ins = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_sign_ins + 1 END, \
               locked_until = CASE \
                 WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_sign_ins + 1 END) >= $3 THEN $4 \
                 ELSE NULL END, \
               updated_at = $2 \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) \
             RETURNING failed_sign_ins"
        )
    };
}
const RESERVE_USER: &str = reserve_sql!("users");
const RESERVE_OPERATOR: &str = reserve_sql!("operators");

impl Db {
    /// Reserves one attempt to check a secret of `user_id`, counting it as failed until a
    /// completed sign-in resets the count. `None` while the account is locked: the caller
    /// must not check anything. A lock that has run out starts a fresh count.
    pub async fn reserve_sign_in_attempt(&self, user_id: i64, now: i64) -> Result<Option<SignInAttempt>> {
        self.reserve_attempt(RESERVE_USER, user_id, now).await
    }

    /// [`Db::reserve_sign_in_attempt`] for an operator of the back office: the same rule on
    /// the operators' own table.
    pub async fn reserve_operator_sign_in_attempt(&self, operator_id: i64, now: i64) -> Result<Option<SignInAttempt>> {
        self.reserve_attempt(RESERVE_OPERATOR, operator_id, now).await
    }

    async fn reserve_attempt(&self, sql: &'static str, id: i64, now: i64) -> Result<Option<SignInAttempt>> {
        let number = on_writer!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(id)
            .bind(now)
            .bind(MAX_FAILED_SIGN_INS)
            .bind(now + LOCKOUT_MS)
            .fetch_optional(p)
            .await)?;
        Ok(number.map(|number| SignInAttempt { number }))
    }
}
