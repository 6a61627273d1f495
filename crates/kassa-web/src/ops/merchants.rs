//! Merchants in the back office: the searchable list, one merchant's overview with its
//! stores, and suspending or reinstating it. Creating and editing are in `merchant_form`,
//! store pages in `stores`.

use super::form::{country_name, FieldErrors};
use super::merchant_form;
use super::merchant_tabs::MerchantHeading;
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::Lang;
use crate::shell::session::urlencode;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::ops::{self, MerchantList, StoreOverview};
use kassa_core::access::Onboarding;
use kassa_core::ops_access::OpsPermission;
use kassa_core::store_settings::{MerchantStatus, PayoutSchedule, Weekday};
use kassa_db::{MerchantCursor, MerchantDetailRow};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

pub(super) fn section() -> OpsSection {
    let view = OpsAccess::Operator(OpsPermission::ViewMerchants);
    let manage = OpsAccess::Operator(OpsPermission::ManageMerchants);
    let suspension = OpsAccess::Operator(OpsPermission::SuspendMerchants);
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: "/ops/merchants",
            label: "ops-merchants-title",
            permission: OpsPermission::ViewMerchants,
        }),
        routes: vec![
            OpsRoute::get("/ops/merchants", view, list),
            OpsRoute::get("/ops/merchants/new", manage, merchant_form::new),
            OpsRoute::post("/ops/merchants", manage, merchant_form::create),
            OpsRoute::get("/ops/merchants/{merchant}", view, overview),
            OpsRoute::get("/ops/merchants/{merchant}/edit", manage, merchant_form::edit),
            OpsRoute::post("/ops/merchants/{merchant}/edit", manage, merchant_form::update),
            OpsRoute::post("/ops/merchants/{merchant}/suspend", suspension, suspend),
            OpsRoute::post("/ops/merchants/{merchant}/reinstate", suspension, reinstate),
        ],
    }
}

/// A merchant number from the path; anything else is a page that does not exist.
pub(super) fn merchant_id(raw: &str) -> Result<i64, WebError> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub(super) fn heading(m: &MerchantDetailRow) -> MerchantHeading {
    MerchantHeading {
        id: m.id,
        name: m.legal_name.clone(),
        suspended: m.status == MerchantStatus::Suspended,
    }
}

pub(super) fn onboarding_label(lang: Lang, o: Onboarding) -> String {
    lang.t(&format!("ops-onboarding-{}", o.code()))
}

struct MerchantLine {
    id: i64,
    name: String,
    org_number: String,
    country: String,
    onboarding: String,
    stores: i64,
    users: i64,
    suspended: bool,
}

#[derive(Template)]
#[template(path = "ops/merchants.html")]
struct ListTemplate {
    page: Page,
    q: String,
    merchants: Vec<MerchantLine>,
    next: Option<String>,
    can_create: bool,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    after: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let here = format!("/ops/merchants?q={}", urlencode(&q));
    let page = operator.page(Some("/ops/merchants"), "ops-merchants-title", &here);
    let cmd = MerchantList {
        search: Some(q.clone()).filter(|s| !s.is_empty()),
        after: query.after.map(MerchantCursor::Id),
        limit: PAGE_SIZE,
        ..Default::default()
    };
    let found = ops::list_merchants(&state.db, &operator.actor(), &cmd).await?;
    let lang = page.lang;
    let merchants = found
        .rows
        .iter()
        .map(|m| MerchantLine {
            id: m.id,
            name: m.legal_name.clone(),
            org_number: m.org_number.clone(),
            country: country_name(lang, &m.country),
            onboarding: onboarding_label(lang, m.onboarding),
            stores: m.store_count,
            users: m.user_count,
            suspended: m.status == MerchantStatus::Suspended,
        })
        .collect();
    let next = found.next.map(|c| {
        let after = match c {
            MerchantCursor::Id(id) | MerchantCursor::Name(_, id) => id,
        };
        format!("/ops/merchants?q={}&after={after}", urlencode(&q))
    });
    Ok(render(&ListTemplate {
        page,
        q,
        merchants,
        next,
        can_create: operator.allows(OpsPermission::ManageMerchants),
    }))
}

struct StoreLine {
    id: String,
    name: String,
    live: bool,
    currency: String,
    country: String,
    fees: String,
    payout: String,
    bank_account: String,
    uncaptured: String,
}

#[derive(Template)]
#[template(path = "ops/merchant.html")]
struct OverviewTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    detail: MerchantDetailRow,
    country: String,
    onboarding: String,
    suspended_since: String,
    stores: Vec<StoreLine>,
    can_manage: bool,
    can_suspend: bool,
    can_finance: bool,
    reason: String,
    errors: FieldErrors,
    /// Its pending request to change its verified identity, to decide here.
    identity_requests: Vec<super::identity_requests::RequestView>,
    can_decide: bool,
    back: &'static str,
}

/// A payout schedule in words: "Weekly on Friday".
pub(super) fn payout_words(lang: Lang, schedule: &str, day: Option<i64>) -> String {
    match PayoutSchedule::from_stored(schedule, day) {
        Ok(PayoutSchedule::Daily) => lang.t("ops-payout-daily"),
        Ok(PayoutSchedule::Weekly(d)) => lang.t_args("ops-payout-weekly-on", &[("day", weekday(lang, d))]),
        Ok(PayoutSchedule::Monthly(d)) => lang.t_args("ops-payout-monthly-on", &[("day", d.to_string())]),
        Err(_) => schedule.to_owned(),
    }
}

pub(super) fn weekday(lang: Lang, d: Weekday) -> String {
    lang.t(&format!("ops-weekday-{}", d.number()))
}

/// "•••• 7466": enough of the IBAN to recognise it, not to copy it.
fn masked(iban: &str) -> String {
    let tail: String = iban
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if tail.is_empty() {
        String::new()
    } else {
        format!("•••• {tail}")
    }
}

fn store_line(lang: Lang, s: &StoreOverview) -> StoreLine {
    let st = &s.store;
    let fees = s
        .fees
        .entries()
        .into_iter()
        .filter(|(_, f)| f.bps() != 0 || f.fixed_minor() != 0)
        .map(|(m, f)| {
            lang.t_args(
                "ops-fee-summary",
                &[
                    (
                        "method",
                        lang.t(&format!(
                            "ops-method-{}",
                            m.code().to_ascii_lowercase().replace('_', "-")
                        )),
                    ),
                    ("percent", super::form::hundredths(lang, f.bps())),
                    ("fixed", lang.format_money(f.fixed_minor(), &st.currency)),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let uncaptured = if s.uncaptured.is_empty() {
        lang.format_money(0, &st.currency)
    } else {
        s.uncaptured
            .iter()
            .map(|(currency, amount)| lang.format_money(*amount, currency))
            .collect::<Vec<_>>()
            .join(", ")
    };
    StoreLine {
        id: st.id.clone(),
        name: st.name.clone(),
        live: st.environment == kassa_core::store_settings::Environment::Live,
        currency: st.currency.clone(),
        country: country_name(lang, &st.country),
        fees: if fees.is_empty() { lang.t("ops-fees-none") } else { fees },
        payout: payout_words(lang, &st.payout_schedule, st.payout_day),
        bank_account: masked(&st.payout_iban),
        uncaptured,
    }
}

#[derive(Deserialize, Default)]
struct OverviewQuery {
    notice: Option<String>,
    store: Option<String>,
}

fn notice_text(lang: Lang, q: &OverviewQuery) -> Option<String> {
    let key = match q.notice.as_deref()? {
        "created" => "ops-merchant-created",
        "updated" => "ops-merchant-updated",
        "suspended" => "ops-merchant-suspended-notice",
        "reinstated" => "ops-merchant-reinstated-notice",
        "store_updated" => "ops-store-updated",
        "identity_applied" => "ops-identity-applied-notice",
        "identity_declined" => "ops-identity-declined-notice",
        "store_created" => {
            let id = q.store.clone().filter(|s| s.starts_with('M') && s.len() == 7)?;
            return Some(lang.t_args("ops-store-created", &[("store", id)]));
        }
        _ => return None,
    };
    Some(lang.t(key))
}

/// The overview of merchant `id`, with a refused suspension's reason and error if any.
async fn render_overview(
    state: &AppState,
    operator: &Operator,
    id: i64,
    notice: Option<String>,
    reason: String,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{id}");
    let mut page = operator.page(Some("/ops/merchants"), "ops-merchants-title", &here);
    page.notice = notice;
    let overview = ops::merchant_overview(&state.db, &operator.actor(), id).await?;
    let lang = page.lang;
    let m = overview.merchant;
    page.title = m.legal_name.clone();
    let failed = !errors.is_empty();
    let identity_requests = ops::merchant_identity_requests(&state.db, &operator.actor(), id)
        .await?
        .iter()
        .filter(|r| r.status == kassa_db::IdentityRequestStatus::Pending)
        .map(|r| super::identity_requests::request_view(lang, r))
        .collect();
    let mut res = render(&OverviewTemplate {
        identity_requests,
        can_decide: operator.allows(OpsPermission::ManageMerchants),
        back: "merchant",
        merchant: heading(&m),
        tab: "overview",
        country: country_name(lang, &m.country),
        onboarding: onboarding_label(lang, m.onboarding),
        suspended_since: m
            .suspended_at
            .map(|t| crate::shell::i18n::format_time(t, super::audit::PROVIDER_TZ))
            .unwrap_or_default(),
        stores: overview.stores.iter().map(|s| store_line(lang, s)).collect(),
        can_manage: operator.allows(OpsPermission::ManageMerchants),
        can_suspend: operator.allows(OpsPermission::SuspendMerchants),
        can_finance: operator.allows(OpsPermission::ManageFinance),
        detail: m,
        reason,
        errors,
        page,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn overview(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, WebError> {
    let id = merchant_id(&raw)?;
    let notice = notice_text(operator.lang, &q);
    render_overview(&state, &operator, id, notice, String::new(), FieldErrors::default()).await
}

#[derive(Deserialize, Default)]
struct SuspendForm {
    #[serde(default)]
    reason: String,
}

async fn suspend(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
    Form(form): Form<SuspendForm>,
) -> Result<Response, WebError> {
    let id = merchant_id(&raw)?;
    match ops::suspend_merchant(&state.db, &operator.actor(), id, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/ops/merchants/{id}?notice=suspended")).into_response()),
        Err(e) => match FieldErrors::of(operator.lang, &e) {
            Some(errors) => render_overview(&state, &operator, id, None, form.reason, errors).await,
            None => Err(e.into()),
        },
    }
}

async fn reinstate(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = merchant_id(&raw)?;
    ops::reinstate_merchant(&state.db, &operator.actor(), id).await?;
    Ok(Redirect::to(&format!("/ops/merchants/{id}?notice=reinstated")).into_response())
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn a_bank_account_shows_its_last_four() {
        assert_eq!(masked("SE4550000000058398257466"), "•••• 7466");
        assert_eq!(masked(""), "");
    }
}
