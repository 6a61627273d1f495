//! The API keys of the current store.
//!
//! Generating a key answers the POST itself with the one page that ever shows the password:
//! nothing keeps it, and the form's one-time key makes a reload (or a second click) find the
//! form spent and send the member back to the list, password unseen. The `.env` download
//! posts the password back from that page; the server checks it against the key's hash and
//! writes the file without storing anything.

use super::{platform_name, state_key};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::api_keys::{self, KeyView};
use kassa_app::AppError;
use kassa_core::access::{Onboarding, Section};
use kassa_core::api_key::{KeyState, MAX_NAME_CHARS};
use kassa_db::{Claim, SavedResponse};
use serde::Deserialize;

const HERE: &str = "/portal/integrations";

struct KeyLine {
    id: i64,
    name: String,
    username: String,
    prefix: String,
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

/// One platform's calls with one key.
struct PlatformLine {
    platform: String,
    key_name: String,
    username: String,
    calls: String,
    first_seen: String,
    last_seen: String,
    agent: String,
}

#[derive(Template)]
#[template(path = "integrations.html")]
struct IntegrationsTemplate {
    page: Page,
    keys: Vec<KeyLine>,
    platforms: Vec<PlatformLine>,
    may_manage: bool,
    /// A partner merchant: the partner holds the keys, the page only shows them.
    partner: bool,
    form_key: String,
    name: String,
    name_error: Option<String>,
    max_name: usize,
    /// The key whose revocation is being confirmed.
    confirm: Option<ConfirmLine>,
}

/// The key a revocation asks about.
struct ConfirmLine {
    id: i64,
    name: String,
    username: String,
}

#[derive(Template)]
#[template(path = "integrations_key_created.html")]
struct CreatedTemplate {
    page: Page,
    name: String,
    username: String,
    password: String,
    base_url: String,
    environment: String,
    env_file: String,
}

fn page_of(member: &Member, title: &str, notice: Option<&str>) -> Page {
    Page::member(member, Some(Section::Integrations), title, HERE).with_notice(notice)
}

fn line(lang: Lang, tz: &str, k: &KeyView) -> KeyLine {
    let time = |t: Option<i64>| t.map(|t| format_time(t, tz)).unwrap_or_default();
    KeyLine {
        id: k.id,
        name: k.name.clone(),
        username: k.username.clone(),
        prefix: k.prefix.clone(),
        environment: lang.t(if k.environment == "live" {
            "store-live"
        } else {
            "store-playground"
        }),
        created_by: k.created_by.clone(),
        created: format_time(k.created_at, tz),
        last_used: time(k.last_used_at),
        last_platform: k.last_platform().map(|p| platform_name(lang, p)).unwrap_or_default(),
        state: k.state.code(),
        state_label: lang.t(state_key(k.state)),
        state_since: time(k.revoked_at.or(k.disabled_at)),
    }
}

fn platform_lines(lang: Lang, tz: &str, keys: &[KeyView]) -> Vec<PlatformLine> {
    let mut out: Vec<(i64, PlatformLine)> = keys
        .iter()
        .flat_map(|k| {
            k.platforms.iter().map(move |p| {
                (
                    p.last_seen,
                    PlatformLine {
                        platform: platform_name(lang, p.platform),
                        key_name: k.name.clone(),
                        username: k.username.clone(),
                        calls: p.calls.to_string(),
                        first_seen: format_time(p.first_seen, tz),
                        last_seen: format_time(p.last_seen, tz),
                        agent: p.last_agent.clone(),
                    },
                )
            })
        })
        .collect();
    out.sort_by_key(|(seen, _)| std::cmp::Reverse(*seen));
    out.into_iter().map(|(_, l)| l).collect()
}

/// The notices a redirect back to the list may ask for.
const NOTICES: &[(&str, &str)] = &[
    ("revoked", "integrations-notice-revoked"),
    ("already-revoked", "integrations-notice-already-revoked"),
    ("enabled", "integrations-notice-enabled"),
    ("not-disabled", "integrations-notice-not-disabled"),
    ("shown-once", "integrations-notice-shown-once"),
];

#[derive(Deserialize, Default)]
pub(crate) struct ShowQuery {
    done: Option<String>,
}

async fn list_page(
    state: &AppState,
    member: &Member,
    notice: Option<&str>,
    name: String,
    name_error: Option<String>,
    confirm: Option<i64>,
) -> Result<Response, WebError> {
    let list = api_keys::list_keys(&state.db, &member.actor()).await?;
    let page = page_of(member, "integrations-title", notice);
    let (lang, tz) = (page.lang, member.user.timezone.as_str());
    let confirm = match confirm {
        Some(id) => match list.keys.iter().find(|k| k.id == id && k.state != KeyState::Revoked) {
            Some(k) => Some(ConfirmLine {
                id: k.id,
                name: k.name.clone(),
                username: k.username.clone(),
            }),
            None => return Err(WebError::NotFound),
        },
        None => None,
    };
    Ok(render(&IntegrationsTemplate {
        keys: list.keys.iter().map(|k| line(lang, tz, k)).collect(),
        platforms: platform_lines(lang, tz, &list.keys),
        may_manage: list.may_manage && member.allows(kassa_core::access::Permission::ManageIntegrations),
        partner: member.onboarding == Onboarding::Partner,
        form_key: crate::password::random_token(),
        name,
        name_error,
        max_name: MAX_NAME_CHARS,
        confirm,
        page,
    }))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ShowQuery>,
) -> Result<Response, WebError> {
    let notice = q
        .done
        .as_deref()
        .and_then(|d| NOTICES.iter().find(|(code, _)| *code == d))
        .map(|(_, key)| *key);
    list_page(&state, &member, notice, String::new(), None, None).await
}

#[derive(Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    form_key: String,
}

/// What the `.env` file says.
fn env_file(username: &str, password: &str, base_url: &str) -> String {
    format!("KASSA_API_USERNAME={username}\nKASSA_API_PASSWORD={password}\nKASSA_API_BASE_URL={base_url}\n")
}

pub(crate) async fn create(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    if form.form_key.len() < 16 {
        return Err(WebError::BadRequest("missing form key".into()));
    }
    let store = member.store.store_id.clone();
    let once = format!("portal:integrations:{}", form.form_key);
    let list_again = format!("{HERE}?done=shown-once");
    // A reload of this POST or a second click finds the form spent: the password is not
    // shown again (it is nowhere to show it from).
    match state
        .db
        .claim_idempotency_key(&store, &once, "create-api-key", now_ms())
        .await?
    {
        Claim::Fresh => {}
        _ => return Ok(Redirect::to(&list_again).into_response()),
    }
    let created = api_keys::create_key(&state.db, &member.actor(), &state.config.secret_key, &form.name).await;
    let cred = match created {
        Ok(cred) => cred,
        Err(AppError::Invalid(problems)) => {
            state.db.release_idempotency_key(&store, &once).await?;
            let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
            let message = if problems.iter().any(|p| p.message == "required") {
                lang.t("integrations-name-required")
            } else {
                lang.t_args("integrations-name-too-long", &[("max", MAX_NAME_CHARS.to_string())])
            };
            let mut res = list_page(&state, &member, None, form.name.clone(), Some(message), None).await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
        Err(e) => {
            state.db.release_idempotency_key(&store, &once).await?;
            return Err(e.into());
        }
    };
    let saved = SavedResponse {
        status: 303,
        headers: serde_json::json!({ "location": list_again }).to_string(),
        body: String::new(),
    };
    state.db.complete_idempotency_key(&store, &once, &saved).await?;
    let page = page_of(&member, "integrations-created-title", None);
    let base_url = state.config.public_url.trim_end_matches('/').to_owned();
    Ok(render(&CreatedTemplate {
        environment: page.t(if member.store.environment == "live" {
            "store-live"
        } else {
            "store-playground"
        }),
        env_file: env_file(&cred.username, &cred.password, &base_url),
        name: form.name.trim().to_owned(),
        username: cred.username,
        password: cred.password,
        base_url,
        page,
    }))
}

#[derive(Deserialize)]
pub(crate) struct DownloadForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// The `.env` file of a key just created: the page posts the password back, the server
/// checks it against the stored hash and answers with the file. Nothing is stored.
pub(crate) async fn download(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<DownloadForm>,
) -> Result<Response, WebError> {
    let key = api_keys::verify_secret(
        &state.db,
        &member.actor(),
        &state.config.secret_key,
        &form.username,
        &form.password,
    )
    .await?;
    let base_url = state.config.public_url.trim_end_matches('/');
    let file_name = format!("kassa-{}.env", key.username);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        env_file(&key.username, &form.password, base_url),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct RevokeForm {
    #[serde(default)]
    confirmed: String,
}

/// Revokes after a confirmation: the list's "Revoke" opens the question in place (works
/// without JavaScript); a POST without the confirmation shows the question on its own page.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    member: Member,
    Path(key_id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, WebError> {
    if form.confirmed != "yes" {
        return list_page(&state, &member, None, String::new(), None, Some(key_id)).await;
    }
    let done = api_keys::revoke_key(&state.db, &member.actor(), key_id).await?;
    let what = if done.now { "revoked" } else { "already-revoked" };
    Ok(Redirect::to(&format!("{HERE}?done={what}")).into_response())
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    member: Member,
    Path(key_id): Path<i64>,
) -> Result<Response, WebError> {
    let what = match api_keys::enable_key(&state.db, &member.actor(), key_id).await {
        Ok(true) => "enabled",
        Ok(false) => "not-disabled",
        Err(AppError::Conflict(_)) => "already-revoked",
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("{HERE}?done={what}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_has_the_three_settings() {
        assert_eq!(
            env_file("M100001_ab", "kco_test_api_x", "https://kassa.example"),
            "KASSA_API_USERNAME=M100001_ab\nKASSA_API_PASSWORD=kco_test_api_x\nKASSA_API_BASE_URL=https://kassa.example\n"
        );
    }

    #[test]
    fn every_notice_and_state_has_words() {
        let english = crate::shell::i18n::english_ids();
        for (_, key) in NOTICES {
            assert!(english.contains(*key), "{key}");
        }
        for s in [KeyState::Active, KeyState::Disabled, KeyState::Revoked] {
            assert!(english.contains(state_key(s)));
        }
    }
}
