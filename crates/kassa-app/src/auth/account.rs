//! A member's own account: their profile, password and preferences.

use super::password;
use super::session::start_session;
use super::{merchant_id, user_id, user_of, AuthRefusal};
use crate::{now_ms, Actor, AppError, AppResult, FieldError};
use kassa_core::account::{NewPassword, Theme};
use kassa_core::audit::AuditAction;
use kassa_db::{AuditEvent, Db, Preferences};

/// An audit event a member caused about themselves.
pub(crate) fn own_event<'a>(
    actor: &'a Actor,
    user_id: i64,
    action: AuditAction,
    before: Option<String>,
    after: Option<String>,
) -> AuditEvent<'a> {
    AuditEvent {
        merchant_id: merchant_id(actor),
        actor_operator_id: None,
        actor_user_id: Some(user_id),
        actor: &actor.name,
        action,
        subject: &actor.name,
        ip: actor.address.as_deref().unwrap_or_default(),
        before,
        after,
    }
}

/// A profile as entered.
pub struct Profile<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub timezone: &'a str,
}

/// Field names of [`Profile`] and [`ChangePassword`] in errors.
pub mod field {
    pub const NAME: &str = "name";
    pub const PHONE: &str = "phone";
    pub const TIMEZONE: &str = "timezone";
    pub const NEW_PASSWORD: &str = "new_password";
    pub const CONFIRM_PASSWORD: &str = "confirm_password";
}

pub async fn update_profile(db: &Db, actor: &Actor, profile: &Profile<'_>) -> AppResult<()> {
    let name = profile.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(field::NAME, "1 to 100 characters"));
    }
    // Empty is allowed (no phone number); anything else must be an E.164 number, kept in
    // its canonical form (+ and digits only).
    let phone = match profile.phone.trim() {
        "" => String::new(),
        entered => kassa_core::identity::phone_e164(entered).unwrap_or_else(|_| {
            errors.push(FieldError::new(
                field::PHONE,
                "an international number: + country code, 7 to 15 digits",
            ));
            String::new()
        }),
    };
    let phone = phone.as_str();
    if !super::personal::is_iana_zone(profile.timezone) {
        errors.push(FieldError::new(field::TIMEZONE, "unknown timezone"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let user = user_of(db, actor).await?;
    let now = now_ms();
    let before = serde_json::json!({"name": user.name, "phone": user.phone, "timezone": user.timezone});
    let prefs = Preferences {
        name: Some(name),
        phone: Some(phone),
        timezone: Some(profile.timezone),
        ..Default::default()
    };
    db.set_preferences(user.id, &prefs, now).await?;
    let after = serde_json::json!({"name": name, "phone": phone, "timezone": profile.timezone});
    let event = own_event(
        actor,
        user.id,
        AuditAction::ProfileUpdated,
        Some(before.to_string()),
        Some(after.to_string()),
    );
    Ok(db.record_audit(&event, now).await?)
}

/// A password change as entered.
pub struct ChangePassword<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
    /// The current store, where the new session starts.
    pub store_id: &'a str,
    pub user_agent: &'a str,
}

/// Checks the current password, then the new one; ends every session of the user and
/// starts a new one for this browser, whose cookie token it returns.
pub async fn change_password(db: &Db, actor: &Actor, cmd: &ChangePassword<'_>) -> AppResult<String> {
    let user = user_of(db, actor).await?;
    if !password::verify(cmd.current, user.password_hash.as_deref()).await? {
        return Err(AuthRefusal::WrongPassword.into());
    }
    let new = NewPassword::parse(cmd.new)
        .map_err(|e| AppError::Invalid(vec![FieldError::new(field::NEW_PASSWORD, e.to_string())]))?;
    if cmd.new != cmd.confirm {
        return Err(AppError::Invalid(vec![FieldError::new(
            field::CONFIRM_PASSWORD,
            "does not match",
        )]));
    }
    let hash = password::hash(&new).await?;
    db.set_password_hash(user.id, &hash, now_ms()).await?;
    db.delete_sessions_of_user(user.id).await?;
    let ip = actor.address.as_deref().unwrap_or_default();
    let token = start_session(db, user.id, cmd.store_id, ip, cmd.user_agent).await?;
    let event = own_event(actor, user.id, AuditAction::PasswordChanged, None, None);
    db.record_audit(&event, now_ms()).await?;
    Ok(token)
}

/// A preference a member sets for themselves.
pub enum Preference<'a> {
    /// A language code Kassa speaks (checked by the caller, who knows the languages).
    Language(&'a str),
    Theme(Theme),
}

pub async fn set_preference(db: &Db, actor: &Actor, preference: Preference<'_>) -> AppResult<()> {
    let user_id = user_id(actor)?;
    let prefs = match preference {
        Preference::Language(code) => Preferences {
            language: Some(code),
            ..Default::default()
        },
        Preference::Theme(theme) => Preferences {
            theme: Some(theme.code()),
            ..Default::default()
        },
    };
    Ok(db.set_preferences(user_id, &prefs, now_ms()).await?)
}

/// Moves a session to another store of the member. A store they cannot use now is "not
/// found", whether or not it exists, so Store IDs of other merchants cannot be probed.
pub async fn switch_store(db: &Db, actor: &Actor, session_hash: &str, store_id: &str) -> AppResult<()> {
    let stores = db.usable_memberships(user_id(actor)?, now_ms()).await?;
    if !stores.iter().any(|s| s.store_id == store_id) {
        return Err(AppError::NotFound(crate::Missing::Other("store")));
    }
    Ok(db.set_session_store(session_hash, store_id).await?)
}
