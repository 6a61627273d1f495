use crate::{on_pool, on_writer, Db, DbError, Result};
use kassa_core::account::UserStatus;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub password_hash: Option<String>,
    pub language: String,
    pub theme: String,
    pub timezone: String,
    #[sqlx(try_from = "String")]
    pub status: UserStatus,
    pub access_expires_at: Option<i64>,
    pub failed_sign_ins: i64,
    pub locked_until: Option<i64>,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    /// The confirmed TOTP secret (base32); `None` until two-factor is set up.
    pub totp_secret: Option<String>,
    pub two_factor_enabled_at: Option<i64>,
}

pub(crate) const USER_COLUMNS: &str = "id, email, name, phone, password_hash, language, theme, timezone, status, \
     access_expires_at, failed_sign_ins, locked_until, last_sign_in_at, created_at, \
     totp_secret, two_factor_enabled_at";

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub language: &'a str,
    pub status: &'a str,
    pub access_expires_at: Option<i64>,
}

/// The preferences a user sets for themselves; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct Preferences<'a> {
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub language: Option<&'a str>,
    pub theme: Option<&'a str>,
    pub timezone: Option<&'a str>,
}

impl Db {
    pub async fn create_user(&self, user: &NewUser<'_>, now: i64) -> Result<i64> {
        let sql = "INSERT INTO users (email, name, password_hash, language, status, access_expires_at, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";
        on_writer!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(user.email)
            .bind(user.name)
            .bind(user.password_hash)
            .bind(user.language)
            .bind(user.status)
            .bind(user.access_expires_at)
            .bind(now)
            .fetch_one(p)
            .await)
        .map_err(|e| DbError::from_insert(e, format!("a user with email {}", user.email)))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(email).fetch_optional(p).await)?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(p).await)?)
    }

    /// A successful sign-in: the failure count starts over.
    pub async fn record_sign_in(&self, user_id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE users SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = $2, updated_at = $2 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_password_hash(&self, user_id: i64, hash: &str, now: i64) -> Result<()> {
        let sql = "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_preferences(&self, user_id: i64, prefs: &Preferences<'_>, now: i64) -> Result<()> {
        let sql = "UPDATE users SET name = COALESCE($2, name), phone = COALESCE($3, phone), \
                   language = COALESCE($4, language), theme = COALESCE($5, theme), \
                   timezone = COALESCE($6, timezone), updated_at = $7, \
                   timezone_chosen_at = CASE WHEN $6 IS NULL THEN timezone_chosen_at ELSE $7 END WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql)
            .bind(user_id)
            .bind(prefs.name)
            .bind(prefs.phone)
            .bind(prefs.language)
            .bind(prefs.theme)
            .bind(prefs.timezone)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Takes the timezone the browser offers at sign-in, if the user never chose one; true if
    /// it was taken.
    pub async fn offer_timezone(&self, user_id: i64, timezone: &str, now: i64) -> Result<bool> {
        let sql = "UPDATE users SET timezone = $2, timezone_chosen_at = $3, updated_at = $3 \
                   WHERE id = $1 AND timezone_chosen_at IS NULL";
        let done = on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(timezone).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
