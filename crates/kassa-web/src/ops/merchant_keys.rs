//! The API keys of all a merchant's stores, read-only: name, username, the secret's prefix,
//! store, environment, who created it and when, last use and from which platform, state
//! (active, disabled after 60 unused days, revoked). Never a secret. Read through the same
//! use case as the portal's Integrations section.

use super::audit::PROVIDER_TZ;
use super::merchant_page::merchant_page;
use super::merchant_tabs::MerchantHeading;
use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use crate::shell::i18n::format_time;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kassa_core::ops_access::OpsPermission;

pub(super) fn section() -> OpsSection {
    OpsSection {
        menu: None,
        routes: vec![OpsRoute::get(
            "/ops/merchants/{merchant}/keys",
            OpsAccess::Operator(OpsPermission::ViewMerchants),
            keys,
        )],
    }
}

struct KeyLine {
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
}

async fn keys(
    State(state): State<AppState>,
    operator: Operator,
    Path(merchant_id): Path<i64>,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{merchant_id}/keys");
    let (merchant, page) = merchant_page(&state, &operator, merchant_id, "ops-tab-keys", &here).await?;
    let actor = operator.actor().at_merchant(merchant_id);
    let rows = kassa_app::api_keys::list_keys(&state.db, &actor).await?.keys;
    let time = |t: Option<i64>| t.map(|t| format_time(t, PROVIDER_TZ)).unwrap_or_default();
    let keys = rows
        .into_iter()
        .map(|k| KeyLine {
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
    }))
}
