//! The API keys of all a merchant's stores, read-only: name, username, the secret's prefix,
//! store, environment, who created it and when, last use and from which platform, state
//! (active, disabled after 60 unused days, revoked). Never a secret. Operators who manage
//! merchants can revoke a key (a leaked one, when the merchant cannot), through the same use
//! cases as the portal's Integrations section.

use super::audit::PROVIDER_TZ;
use super::merchant_page::merchant_page;
use super::merchant_tabs::MerchantHeading;
use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use crate::shell::extract::{Path, Query};
use crate::shell::i18n::format_time;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_core::ops_access::OpsPermission;
use serde::Deserialize;

pub(super) fn section() -> OpsSection {
    OpsSection {
        menu: None,
        routes: vec![
            OpsRoute::get(
                "/ops/merchants/{merchant}/keys",
                OpsAccess::Operator(OpsPermission::ViewMerchants),
                keys,
            ),
            OpsRoute::post(
                "/ops/merchants/{merchant}/keys/{key_id}/revoke",
                OpsAccess::Operator(OpsPermission::ManageMerchants),
                revoke,
            ),
        ],
    }
}

struct KeyLine {
    id: i64,
    name: String,
    username: String,
    prefix: String,
    store_id: String,
    environment: String,
    created_by: String,
    created: String,
    last_used: String,
    last_platform: String,
    /// `active`, `disabled` or `revoked`.
    state: &'static str,
    state_label: String,
    /// When it was revoked or disabled.
    state_since: String,
}

#[derive(Template)]
#[template(path = "ops/merchant_keys.html")]
struct KeysTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    keys: Vec<KeyLine>,
    may_revoke: bool,
}

#[derive(Deserialize, Default)]
struct KeysQuery {
    revoked: Option<String>,
}

async fn keys(
    State(state): State<AppState>,
    operator: Operator,
    Path(merchant_id): Path<i64>,
    Query(q): Query<KeysQuery>,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{merchant_id}/keys");
    let (merchant, page) = merchant_page(&state, &operator, merchant_id, "ops-tab-keys", &here).await?;
    let notice = q
        .revoked
        .map(|username| page.t_args("ops-keys-revoked-now", &[("username", username)]));
    let page = Page { notice, ..page };
    let actor = operator.actor().at_merchant(merchant_id);
    let list = kassa_app::api_keys::list_keys(&state.db, &actor).await?;
    let may_revoke = list.may_manage;
    let rows = list.keys;
    let time = |t: Option<i64>| t.map(|t| format_time(t, PROVIDER_TZ)).unwrap_or_default();
    let keys = rows
        .into_iter()
        .map(|k| KeyLine {
            id: k.id,
            last_platform: k
                .last_platform()
                .map(|p| crate::portal::integrations::platform_name(page.lang, p))
                .unwrap_or_default(),
            state: k.state.code(),
            state_label: page.t(crate::portal::integrations::state_key(k.state)),
            state_since: time(k.revoked_at.or(k.disabled_at)),
            environment: page.t(if k.environment == "live" {
                "store-live"
            } else {
                "store-playground"
            }),
            created: format_time(k.created_at, PROVIDER_TZ),
            last_used: time(k.last_used_at),
            name: k.name,
            username: k.username,
            prefix: k.prefix,
            store_id: k.store_id,
            created_by: k.created_by,
        })
        .collect();
    Ok(render(&KeysTemplate {
        page,
        merchant,
        tab: "keys",
        keys,
        may_revoke,
    }))
}

/// Revokes a key of the merchant's stores; revoking a revoked key changes nothing.
async fn revoke(
    State(state): State<AppState>,
    operator: Operator,
    Path((merchant_id, key_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let actor = operator.actor().at_merchant(merchant_id);
    let revoked = kassa_app::api_keys::revoke_key(&state.db, &actor, key_id).await?;
    let query = serde_urlencoded::to_string([("revoked", revoked.username)]).unwrap_or_default();
    Ok(Redirect::to(&format!("/ops/merchants/{merchant_id}/keys?{query}")).into_response())
}
