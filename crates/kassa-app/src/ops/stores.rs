//! A merchant's stores in the back office: create (under a newly allocated Store ID), edit,
//! view. The money settings — fee plan, payout schedule and payout bank account — are
//! finance's: an operator without `ManageFinance` leaves them out (`None`), and they stay as
//! they are. The general settings are onboarding's (`ManageMerchants`), so each kind of
//! operator changes only its own part.

use super::{changed, country, reason, require, Problems};
use crate::{now_ms, Actor, AppError, AppResult, Missing};
use kassa_core::audit::AuditAction;
use kassa_core::identity;
use kassa_core::ops_access::OpsPermission;
use kassa_core::store_settings::{BadFee, Environment, FeePlan, MethodFee, PaymentMethod, PayoutSchedule};
use kassa_db::{Db, MerchantDetailRow, StoreDetail, StoreDetailRow, StoreFields};
use serde_json::json;

/// A store's settings as an operator enters them.
#[derive(Debug, Clone)]
pub struct StoreSettingsInput {
    pub name: String,
    /// The shop's web address (http or https).
    pub url: String,
    /// ISO 3166-1 alpha-2 of a market Kassa trades in.
    pub country: String,
    /// A currency of that market (ISO 4217).
    pub currency: String,
    pub statement_descriptor: String,
    /// Chosen at creation; an edit must keep it.
    pub environment: Environment,
    /// How long an authorization holds, 1–180 days.
    pub reservation_days: i64,
}

/// When a store is paid out, as an operator enters it.
#[derive(Debug, Clone)]
pub struct PayoutInput {
    /// `daily`, `weekly` or `monthly` …
    pub schedule: String,
    /// … on this day: 1–7 (Monday first) for weekly, 1–28 for monthly, none for daily.
    pub day: Option<i64>,
}

/// Where a store's payouts go. All three empty removes the account.
#[derive(Debug, Clone, Default)]
pub struct BankAccountInput {
    pub iban: String,
    pub bic: String,
    /// The name the bank account is held in.
    pub account_holder: String,
}

/// One payment method's fee: basis points of the amount plus fixed minor units.
#[derive(Debug, Clone, Copy)]
pub struct FeeInput {
    pub method: PaymentMethod,
    pub bps: i64,
    pub fixed_minor: i64,
}

/// How a store settles, as finance enters it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettlementInput {
    /// Whether a refund gives back the percentage fee of what it refunds.
    pub refunds_fees: bool,
    /// Rolling reserve: basis points (0–10 000) of each sale held back …
    pub reserve_bps: i64,
    /// … for this many days (0–365; at least 1 when there is a reserve).
    pub reserve_days: i64,
    /// What losing a dispute costs, in minor units (0 to
    /// [`MAX_DISPUTE_FEE_MINOR`](kassa_core::store_settings::MAX_DISPUTE_FEE_MINOR)).
    pub dispute_fee_minor: i64,
}

/// A new store of a merchant.
#[derive(Debug, Clone)]
pub struct CreateStore {
    pub merchant_id: i64,
    pub settings: StoreSettingsInput,
    /// Needs `ManageFinance`; `None`: paid out daily until finance sets it.
    pub payout: Option<PayoutInput>,
    /// Needs `ManageFinance`; `None`: no payout account yet.
    pub bank_account: Option<BankAccountInput>,
    /// Needs `ManageFinance`; `None`: no fees yet. Methods left out cost nothing.
    pub fees: Option<Vec<FeeInput>>,
}

/// An edit of a store; each part left `None` stays as it is.
#[derive(Debug, Clone)]
pub struct UpdateStore {
    pub store_id: String,
    /// The [`StoreDetailRow::updated_at`] the form was filled from; a store changed since
    /// is not overwritten ([`AppError::Conflict`]). `None` edits whatever is there now.
    pub expected_version: Option<i64>,
    /// Needs `ManageMerchants`.
    pub settings: Option<StoreSettingsInput>,
    /// Needs `ManageFinance`.
    pub payout: Option<PayoutInput>,
    /// Needs `ManageFinance`.
    pub bank_account: Option<BankAccountInput>,
    /// Needs `ManageFinance`; replaces the whole plan (methods left out cost nothing).
    pub fees: Option<Vec<FeeInput>>,
    /// Needs `ManageFinance`: fee refunds and the rolling reserve.
    pub settlement: Option<SettlementInput>,
}

/// Checked settings in their stored form.
struct Settings {
    name: String,
    url: String,
    country: String,
    currency: String,
    statement_descriptor: String,
    environment: Environment,
    reservation_days: i64,
}

struct Account {
    iban: String,
    bic: String,
    holder: String,
}

fn check_settings(p: &mut Problems, s: &StoreSettingsInput) -> Settings {
    let name = p.text("name", &s.name, 100);
    let url = p.identity("url", identity::store_url(&s.url));
    let country = country(p, "country", &s.country).unwrap_or_default();
    let currency = s.currency.trim().to_ascii_uppercase();
    if currency.is_empty() {
        p.add("currency", identity::IdentityError::Required.code());
    } else if !country.is_empty() && !kassa_core::money::currency_allowed(&country, &currency) {
        p.add("currency", reason::CURRENCY);
    }
    let statement_descriptor = p.identity(
        "statement_descriptor",
        identity::statement_descriptor(&s.statement_descriptor),
    );
    if !(1..=180).contains(&s.reservation_days) {
        p.add("reservation_days", reason::RESERVATION_DAYS);
    }
    Settings {
        name,
        url,
        country,
        currency,
        statement_descriptor,
        environment: s.environment,
        reservation_days: s.reservation_days,
    }
}

fn check_payout(p: &mut Problems, s: &PayoutInput) -> PayoutSchedule {
    match PayoutSchedule::from_stored(s.schedule.trim(), s.day) {
        Ok(schedule) => schedule,
        Err(_) => {
            if matches!(s.schedule.trim(), "weekly" | "monthly") {
                p.add("payout_day", reason::PAYOUT_DAY);
            } else {
                p.add("payout_schedule", reason::PAYOUT_SCHEDULE);
            }
            PayoutSchedule::Daily
        }
    }
}

fn check_account(p: &mut Problems, a: &BankAccountInput) -> Account {
    if a.iban.trim().is_empty() && a.bic.trim().is_empty() && a.account_holder.trim().is_empty() {
        return Account {
            iban: String::new(),
            bic: String::new(),
            holder: String::new(),
        };
    }
    Account {
        iban: p.identity("payout_iban", identity::iban(&a.iban)),
        bic: p.identity("payout_bic", identity::bic(&a.bic)),
        // SEPA carries 70 characters of a name.
        holder: p.text("payout_account_holder", &a.account_holder, 70),
    }
}

/// The form field of one method's fee part: `fee_card_bps`, `fee_pay_in_x_fixed_minor`.
fn fee_field(method: PaymentMethod, part: &str) -> String {
    format!("fee_{}_{part}", method.code().to_ascii_lowercase())
}

fn check_fees(p: &mut Problems, fees: &[FeeInput]) -> FeePlan {
    let mut plan = FeePlan::default();
    for f in fees {
        match MethodFee::new(f.bps, f.fixed_minor) {
            Ok(fee) => plan.set(f.method, fee),
            Err(BadFee::Bps) => p.add(&fee_field(f.method, "bps"), reason::FEE_BPS),
            Err(BadFee::Fixed) => p.add(&fee_field(f.method, "fixed_minor"), reason::FEE_FIXED),
        }
    }
    plan
}

fn check_settlement(p: &mut Problems, s: &SettlementInput) -> SettlementInput {
    if !(0..=kassa_core::store_settings::MAX_FEE_BPS).contains(&s.reserve_bps) {
        p.add("reserve_bps", reason::RESERVE_BPS);
    }
    // A reserve held no days would be released in the payout that holds it back.
    if !(0..=365).contains(&s.reserve_days) || (s.reserve_bps > 0 && s.reserve_days == 0) {
        p.add("reserve_days", reason::RESERVE_DAYS);
    }
    if !(0..=kassa_core::store_settings::MAX_DISPUTE_FEE_MINOR).contains(&s.dispute_fee_minor) {
        p.add("dispute_fee", reason::DISPUTE_FEE);
    }
    *s
}

fn settlement_json(s: &SettlementInput) -> serde_json::Value {
    json!({
        "refunds_fees": s.refunds_fees,
        "reserve_bps": s.reserve_bps,
        "reserve_days": s.reserve_days,
        "dispute_fee_minor": s.dispute_fee_minor,
    })
}

fn settings_json(s: &Settings) -> serde_json::Value {
    json!({
        "name": s.name,
        "url": s.url,
        "country": s.country,
        "currency": s.currency,
        "statement_descriptor": s.statement_descriptor,
        "environment": s.environment.code(),
        "reservation_days": s.reservation_days,
    })
}

fn payout_json(schedule: &str, day: Option<i64>) -> serde_json::Value {
    json!({"payout_schedule": schedule, "payout_day": day})
}

fn row_settings_json(r: &StoreDetailRow) -> serde_json::Value {
    json!({
        "name": r.name,
        "url": r.url,
        "country": r.country,
        "currency": r.currency,
        "statement_descriptor": r.statement_descriptor,
        "environment": r.environment.code(),
        "reservation_days": r.reservation_days,
    })
}

fn account_json(iban: &str, bic: &str, holder: &str) -> serde_json::Value {
    json!({"payout_iban": iban, "payout_bic": bic, "payout_account_holder": holder})
}

/// The plan as `{"CARD": {"bps": 150, "fixed_minor": 0}, …}`.
fn fees_json(plan: &FeePlan) -> serde_json::Value {
    let entries = plan.entries().into_iter().map(|(m, f)| {
        (
            m.code().to_owned(),
            json!({"bps": f.bps(), "fixed_minor": f.fixed_minor()}),
        )
    });
    json!({ "fees": serde_json::Map::from_iter(entries) })
}

/// `a` with the fields of `b` added.
fn merged(mut a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
    if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// Money settings need finance's permission on top of whatever else the command needs.
fn require_finance_for(actor: &Actor, payout: bool, bank_account: bool, fees: bool) -> AppResult<()> {
    if payout || bank_account || fees {
        require(actor, OpsPermission::ManageFinance)?;
    }
    Ok(())
}

/// Creates a store of a merchant under the next Store ID (`M` + 6 digits), with its fee
/// plan, in one transaction with its audit event. Returns the Store ID.
pub async fn create_store(db: &Db, actor: &Actor, cmd: &CreateStore) -> AppResult<String> {
    require(actor, OpsPermission::ManageMerchants)?;
    require_finance_for(
        actor,
        cmd.payout.is_some(),
        cmd.bank_account.is_some(),
        cmd.fees.is_some(),
    )?;
    let merchant = db
        .merchant_detail(cmd.merchant_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("merchant")))?;
    let mut p = Problems::default();
    let s = check_settings(&mut p, &cmd.settings);
    let payout = cmd
        .payout
        .as_ref()
        .map_or(PayoutSchedule::Daily, |x| check_payout(&mut p, x));
    let account = check_account(&mut p, &cmd.bank_account.clone().unwrap_or_default());
    let fees = check_fees(&mut p, cmd.fees.as_deref().unwrap_or_default());
    p.done()?;
    let (schedule, day) = payout.stored();
    let fields = StoreFields {
        name: &s.name,
        url: &s.url,
        country: &s.country,
        currency: &s.currency,
        statement_descriptor: &s.statement_descriptor,
        environment: s.environment,
        reservation_days: s.reservation_days,
        payout_schedule: schedule,
        payout_day: day,
        payout_iban: &account.iban,
        payout_bic: &account.bic,
        payout_account_holder: &account.holder,
        refunds_fees: false,
        reserve_bps: 0,
        reserve_days: 0,
        dispute_fee_minor: 0,
    };
    let after = merged(
        merged(
            merged(settings_json(&s), payout_json(schedule, day)),
            account_json(&account.iban, &account.bic, &account.holder),
        ),
        fees_json(&fees),
    );
    let actor = actor.clone().at_merchant(merchant.id);
    let audit = kassa_db::AuditEvent {
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::StoreCreated)
    };
    Ok(db
        .create_store_allocated(merchant.id, &fields, &fees, &audit, now_ms())
        .await?)
}

/// Changes a store's settings, payout account or fee plan (whichever the command carries),
/// with one audit event of what changed. An edit that changes nothing writes nothing.
pub async fn update_store(db: &Db, actor: &Actor, cmd: &UpdateStore) -> AppResult<()> {
    if cmd.settings.is_some() {
        require(actor, OpsPermission::ManageMerchants)?;
    }
    require_finance_for(
        actor,
        cmd.payout.is_some() || cmd.settlement.is_some(),
        cmd.bank_account.is_some(),
        cmd.fees.is_some(),
    )?;
    // An empty command still needs someone allowed to look.
    require(actor, OpsPermission::ViewMerchants)?;
    let current = db
        .store_detail(&cmd.store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let row = &current.store;
    let mut p = Problems::default();
    let settings = cmd.settings.as_ref().map(|s| check_settings(&mut p, s));
    if settings.as_ref().is_some_and(|s| s.environment != row.environment) {
        p.add("environment", reason::ENVIRONMENT_FIXED);
    }
    let payout = cmd.payout.as_ref().map(|x| check_payout(&mut p, x));
    let account = cmd.bank_account.as_ref().map(|a| check_account(&mut p, a));
    let fees = cmd.fees.as_deref().map(|f| check_fees(&mut p, f));
    let settlement = cmd.settlement.as_ref().map(|s| check_settlement(&mut p, s));
    p.done()?;
    let version = cmd.expected_version.unwrap_or(row.updated_at);
    if version != row.updated_at {
        return Err(conflict());
    }

    let mut before = merged(
        merged(
            merged(
                row_settings_json(row),
                payout_json(&row.payout_schedule, row.payout_day),
            ),
            account_json(&row.payout_iban, &row.payout_bic, &row.payout_account_holder),
        ),
        fees_json(&current.fees),
    );
    let stored_settlement = SettlementInput {
        refunds_fees: row.refunds_fees,
        reserve_bps: row.reserve_bps,
        reserve_days: row.reserve_days,
        dispute_fee_minor: row.dispute_fee_minor,
    };
    before = merged(before, settlement_json(&stored_settlement));
    let mut after = before.clone();
    if let Some(s) = &settings {
        after = merged(after, settings_json(s));
    }
    if let Some(schedule) = payout {
        let (code, day) = schedule.stored();
        after = merged(after, payout_json(code, day));
    }
    if let Some(a) = &account {
        after = merged(after, account_json(&a.iban, &a.bic, &a.holder));
    }
    if let Some(plan) = &fees {
        after = merged(after, fees_json(plan));
    }
    if let Some(s) = &settlement {
        after = merged(after, settlement_json(s));
    }
    (before, after) = changed(before, after);
    if after.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(());
    }

    let stored_schedule = payout.map(PayoutSchedule::stored);
    let fields = StoreFields {
        name: settings.as_ref().map_or(&row.name, |s| &s.name),
        url: settings.as_ref().map_or(&row.url, |s| &s.url),
        country: settings.as_ref().map_or(&row.country, |s| &s.country),
        currency: settings.as_ref().map_or(&row.currency, |s| &s.currency),
        statement_descriptor: settings
            .as_ref()
            .map_or(&row.statement_descriptor, |s| &s.statement_descriptor),
        environment: row.environment,
        reservation_days: settings.as_ref().map_or(row.reservation_days, |s| s.reservation_days),
        payout_schedule: stored_schedule.map_or(row.payout_schedule.as_str(), |(code, _)| code),
        payout_day: stored_schedule.map_or(row.payout_day, |(_, day)| day),
        payout_iban: account.as_ref().map_or(&row.payout_iban, |a| &a.iban),
        payout_bic: account.as_ref().map_or(&row.payout_bic, |a| &a.bic),
        payout_account_holder: account.as_ref().map_or(&row.payout_account_holder, |a| &a.holder),
        refunds_fees: settlement.map_or(row.refunds_fees, |s| s.refunds_fees),
        reserve_bps: settlement.map_or(row.reserve_bps, |s| s.reserve_bps),
        reserve_days: settlement.map_or(row.reserve_days, |s| s.reserve_days),
        dispute_fee_minor: settlement.map_or(row.dispute_fee_minor, |s| s.dispute_fee_minor),
    };
    let actor = actor.clone().at_merchant(row.merchant_id);
    let audit = kassa_db::AuditEvent {
        subject: &row.id,
        before: Some(before.to_string()),
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::StoreUpdated)
    };
    if db
        .update_store(&row.id, &fields, fees.as_ref(), version, &audit, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(conflict())
    }
}

fn conflict() -> AppError {
    AppError::Conflict("the store was changed meanwhile; reload and try again".into())
}

/// A store with all its settings and its fee plan.
pub async fn store_detail(db: &Db, actor: &Actor, store_id: &str) -> AppResult<StoreDetail> {
    require(actor, OpsPermission::ViewMerchants)?;
    db.store_detail(store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))
}

/// A merchant's stores with their settings, in Store ID order.
pub async fn merchant_stores(db: &Db, actor: &Actor, merchant_id: i64) -> AppResult<Vec<StoreDetailRow>> {
    require(actor, OpsPermission::ViewMerchants)?;
    if db.merchant_detail(merchant_id).await?.is_none() {
        return Err(AppError::NotFound(Missing::Other("merchant")));
    }
    Ok(db.merchant_stores(merchant_id).await?)
}

/// A store as its merchant's overview shows it.
#[derive(Debug, Clone)]
pub struct StoreOverview {
    pub store: StoreDetailRow,
    pub fees: FeePlan,
    /// Authorized but not yet captured, per currency (minor units); empty when nothing is.
    pub uncaptured: Vec<(String, i64)>,
}

/// A merchant with its stores, their fee plans and what is waiting to be captured.
#[derive(Debug, Clone)]
pub struct MerchantOverview {
    pub merchant: MerchantDetailRow,
    pub stores: Vec<StoreOverview>,
}

/// Everything the back office's page of one merchant shows.
pub async fn merchant_overview(db: &Db, actor: &Actor, merchant_id: i64) -> AppResult<MerchantOverview> {
    require(actor, OpsPermission::ViewMerchants)?;
    let merchant = db
        .merchant_detail(merchant_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("merchant")))?;
    let uncaptured = db.merchant_uncaptured(merchant_id).await?;
    let mut stores = Vec::new();
    for store in db.merchant_stores(merchant_id).await? {
        let fees = db.fee_plan(&store.id).await?;
        let uncaptured = uncaptured
            .iter()
            .filter(|(id, _, _)| *id == store.id)
            .map(|(_, currency, amount)| (currency.clone(), *amount))
            .collect();
        stores.push(StoreOverview {
            store,
            fees,
            uncaptured,
        });
    }
    Ok(MerchantOverview { merchant, stores })
}
