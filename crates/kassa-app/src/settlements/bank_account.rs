//! A store's payout schedule and bank account as its members see them, and changing the
//! account: a Super Admin asks with their password and a current TOTP code; every Super
//! Admin of the merchant gets a confirmation link; the first who confirms (signed in) makes
//! the change, after which payouts wait [`PAYOUT_HOLD_MS`]. The provider's finance staff
//! may block a pending change ([`super::bank_review`]).

use crate::auth::password::{random_token, token_hash};
use crate::auth::{password, two_factor, user_of, AuthRefusal};
use crate::{now_ms, Actor, ActorKind, AppError, AppResult, FieldError, Missing};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::audit::AuditAction;
use kassa_core::bank_account::{held, masked_iban, next_payout_at, BankAccount, CONFIRM_LINK_VALID_MS, PAYOUT_HOLD_MS};
use kassa_core::settlement::{from_ms, next_cutoff, to_ms};
use kassa_core::store_settings::PayoutSchedule;
use kassa_db::{BankChangeRow, Db, NewBankChange};
use serde_json::json;

/// Changes a store's page lists.
const RECENT_CHANGES: i64 = 5;

/// The member's store and merchant, when their role has `permission`.
fn member_store(actor: &Actor, permission: Permission) -> AppResult<(String, i64)> {
    match (actor.kind, actor.role) {
        (ActorKind::PortalUser, Some(role)) if allows(role, Onboarding::Direct, permission) => {
            let store = actor.store_id.clone().ok_or(AppError::Forbidden)?;
            let merchant = crate::auth::merchant_id(actor).ok_or(AppError::Forbidden)?;
            Ok((store, merchant))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// What a store will be paid next, in one currency.
#[derive(Debug, Clone)]
pub struct Expected {
    pub currency: String,
    /// The open balance settled against any debt, as the next payout would pay it.
    pub amount: i64,
}

/// The payout schedule and bank account page of the member's store.
#[derive(Debug, Clone)]
pub struct PayoutOverview {
    pub store_id: String,
    pub store_name: String,
    pub schedule: PayoutSchedule,
    /// The schedule's next cut-off: what is posted before it is in the next payout.
    pub next_cutoff: i64,
    /// When the next payout is made: the cut-off, or the end of a hold that lasts longer.
    pub next_payout_at: i64,
    /// Set while payouts wait after a bank account change.
    pub hold_until: Option<i64>,
    pub expected: Vec<Expected>,
    /// The account payouts go to now.
    pub iban: String,
    pub bic: String,
    pub holder: String,
    /// The change waiting for a confirmation, if any.
    pub pending: Option<BankChangeRow>,
    /// The store's latest changes, newest first.
    pub recent: Vec<BankChangeRow>,
    /// The member may change the account (a Super Admin)...
    pub may_change: bool,
    /// ...and has the two-factor authentication that needs.
    pub two_factor_on: bool,
}

/// Members who may see company details see the payout schedule; its amounts come from the
/// ledger's open balance.
pub async fn payout_overview(db: &Db, actor: &Actor) -> AppResult<PayoutOverview> {
    let (store_id, _) = member_store(actor, Permission::ViewCompany)?;
    let detail = db
        .store_detail(&store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let store = detail.store;
    let schedule =
        PayoutSchedule::from_stored(&store.payout_schedule, store.payout_day).unwrap_or(PayoutSchedule::Daily);
    let now = now_ms();
    let hold_until = db.payout_hold_until(&store_id).await?.filter(|h| held(Some(*h), now));
    let balance = super::balance(db, actor, None).await?;
    let expected = balance
        .currencies
        .iter()
        .map(|c| Expected {
            currency: c.currency.clone(),
            amount: c.next_payout.settlement_amount,
        })
        .collect();
    let recent = db.bank_changes_of_store(&store_id, RECENT_CHANGES).await?;
    let pending = recent.iter().find(|c| c.open(now)).cloned();
    let may_change = actor
        .role
        .is_some_and(|r| allows(r, Onboarding::Direct, Permission::ManageBankAccount));
    let two_factor_on = may_change && user_of(db, actor).await?.totp_secret.is_some();
    Ok(PayoutOverview {
        next_cutoff: to_ms(next_cutoff(schedule, from_ms(now))),
        next_payout_at: next_payout_at(schedule, now, hold_until),
        store_id,
        store_name: store.name,
        schedule,
        hold_until,
        expected,
        iban: store.payout_iban,
        bic: store.payout_bic,
        holder: store.payout_account_holder,
        pending,
        recent,
        may_change,
        two_factor_on,
    })
}

/// A bank account change as entered, with the re-authentication it needs.
pub struct BankChangeRequest<'a> {
    pub iban: &'a str,
    pub bic: &'a str,
    pub holder: &'a str,
    pub password: &'a str,
    /// A current code of the member's authenticator app.
    pub code: &'a str,
}

/// A confirmation email to send to one Super Admin.
#[derive(Debug, Clone)]
pub struct ConfirmMail {
    pub to: String,
    pub language: String,
    pub timezone: String,
    pub token: String,
    pub store_id: String,
    pub store_name: String,
    pub requested_by: String,
    pub masked_iban: String,
    pub holder: String,
    pub expires_at: i64,
}

/// Re-authenticates the member (password and a current TOTP code, under the sign-in
/// lockout), then records the change, replacing the store's pending one, and returns the
/// confirmation emails to send. Nothing about the store changes yet.
pub async fn request_bank_change(db: &Db, actor: &Actor, cmd: &BankChangeRequest<'_>) -> AppResult<Vec<ConfirmMail>> {
    let (store_id, merchant_id) = member_store(actor, Permission::ManageBankAccount)?;
    let account = BankAccount::parse(cmd.iban, cmd.bic, cmd.holder)
        .map_err(|bad| AppError::Invalid(bad.into_iter().map(|(f, reason)| FieldError::new(f, reason)).collect()))?;
    let user = user_of(db, actor).await?;
    let Some(secret) = user.totp_secret.as_deref() else {
        return Err(AuthRefusal::TwoFactorOff.into());
    };
    let now = now_ms();
    // Counted before anything is checked, like a sign-in: guesses of the password or the six
    // digits through this form lock the account as they would at sign-in.
    let Some(attempt) = db.reserve_sign_in_attempt(user.id, now).await? else {
        return Err(AuthRefusal::Locked.into());
    };
    let password_ok = password::verify(cmd.password, user.password_hash.as_deref()).await?;
    let code_ok = password_ok
        && match two_factor::verify(secret, cmd.code, now) {
            Some(step) => db.accept_totp_step(user.id, step).await?,
            None => false,
        };
    let audit = |action| kassa_db::AuditEvent {
        subject: &store_id,
        ..actor.audit_event(action)
    };
    if !code_ok {
        db.record_audit(&audit(AuditAction::BankChangeReauthFailed), now)
            .await?;
        if attempt.locked_the_account() {
            db.record_audit(&audit(AuditAction::AccountLocked), now).await?;
            return Err(AuthRefusal::Locked.into());
        }
        return Err(if password_ok {
            AuthRefusal::WrongCode
        } else {
            AuthRefusal::WrongPassword
        }
        .into());
    }
    db.clear_failed_sign_ins(user.id).await?;

    let detail = db
        .store_detail(&store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let admins = db.super_admins(merchant_id, now).await?;
    let tokens: Vec<String> = admins.iter().map(|_| random_token()).collect();
    let expires_at = now + CONFIRM_LINK_VALID_MS;
    let change = NewBankChange {
        merchant_id,
        store_id: &store_id,
        account: &account,
        requested_by: user.id,
        expires_at,
        links: admins.iter().zip(&tokens).map(|(a, t)| (a.id, token_hash(t))).collect(),
    };
    let before = json!({
        "iban": masked_iban(&detail.store.payout_iban),
        "bic": detail.store.payout_bic,
        "account_holder": detail.store.payout_account_holder,
    });
    let after = json!({
        "iban": masked_iban(&account.iban),
        "bic": account.bic,
        "account_holder": account.holder,
        "confirmers": admins.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(),
    });
    let requested = kassa_db::AuditEvent {
        before: Some(before.to_string()),
        after: Some(after.to_string()),
        ..audit(AuditAction::BankChangeRequested)
    };
    db.request_bank_change(&change, &requested, &audit(AuditAction::BankChangeReplaced), now)
        .await
        .map_err(|e| match e {
            kassa_db::DbError::Conflict(what) => AppError::Conflict(what),
            e => e.into(),
        })?;
    Ok(admins
        .into_iter()
        .zip(tokens)
        .map(|(a, token)| ConfirmMail {
            to: a.email,
            language: a.language,
            timezone: a.timezone,
            token,
            store_id: store_id.clone(),
            store_name: detail.store.name.clone(),
            requested_by: user.name.clone(),
            masked_iban: masked_iban(&account.iban),
            holder: account.holder.clone(),
            expires_at,
        })
        .collect())
}

/// What a confirmation link leads to, for its page.
#[derive(Debug, Clone)]
pub enum ConfirmLink {
    /// The change waits for this member's confirmation.
    Open(Box<BankChangeRow>),
    /// Used, expired, decided, or another member's link: nothing to confirm.
    Spent,
}

/// The change behind a link of the signed-in Super Admin, of their merchant. A link of
/// someone else, or unknown, is [`ConfirmLink::Spent`] too: it tells nothing about changes.
pub async fn confirm_link(db: &Db, actor: &Actor, token: &str) -> AppResult<ConfirmLink> {
    let (_, merchant_id) = member_store(actor, Permission::ManageBankAccount)?;
    let user_id = crate::auth::user_id(actor)?;
    Ok(match db.bank_change_by_link(&token_hash(token)).await? {
        Some((change, owner, unused))
            if owner == user_id && change.merchant_id == merchant_id && unused && change.open(now_ms()) =>
        {
            ConfirmLink::Open(Box::new(change))
        }
        _ => ConfirmLink::Spent,
    })
}

/// Confirms the change behind the link: the store's account becomes the new one and its
/// payouts wait [`PAYOUT_HOLD_MS`]. Works once however many confirmations race;
/// `Conflict` when the link is no longer usable (or not the member's).
pub async fn confirm_bank_change(db: &Db, actor: &Actor, token: &str) -> AppResult<(BankChangeRow, Vec<ChangedMail>)> {
    let ConfirmLink::Open(change) = confirm_link(db, actor, token).await? else {
        return Err(AppError::Conflict("the confirmation link is no longer valid".into()));
    };
    let now = now_ms();
    let hold_until = now + PAYOUT_HOLD_MS;
    let after = json!({
        "change": change.id,
        "iban": masked_iban(&change.iban),
        "bic": change.bic,
        "account_holder": change.account_holder,
        "payouts_held_until": hold_until,
    });
    let before = json!({
        "iban": masked_iban(&change.old_iban),
        "bic": change.old_bic,
        "account_holder": change.old_account_holder,
    });
    let audit = kassa_db::AuditEvent {
        subject: &change.store_id,
        before: Some(before.to_string()),
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::BankChangeConfirmed)
    };
    let user = user_of(db, actor).await?;
    let row = db
        .confirm_bank_change(&token_hash(token), user.id, hold_until, &audit, now)
        .await?
        .ok_or_else(|| AppError::Conflict("the confirmation link is no longer valid".into()))?;
    // Every Super Admin hears that the account changed, not only those who were asked: a
    // change they did not expect is what they must be able to stop (with support) in the
    // days payouts are held.
    let mails = db
        .super_admins(row.merchant_id, now)
        .await?
        .into_iter()
        .map(|a| ChangedMail {
            to: a.email,
            language: a.language,
            timezone: a.timezone,
            store_id: row.store_id.clone(),
            masked_iban: masked_iban(&row.iban),
            holder: row.account_holder.clone(),
            confirmed_by: user.name.clone(),
            held_until: hold_until,
        })
        .collect();
    Ok((row, mails))
}

/// The notice to each Super Admin of the merchant that a store's payout account changed.
#[derive(Debug, Clone)]
pub struct ChangedMail {
    pub to: String,
    pub language: String,
    pub timezone: String,
    pub store_id: String,
    pub masked_iban: String,
    pub holder: String,
    pub confirmed_by: String,
    /// Payouts wait until then.
    pub held_until: i64,
}
