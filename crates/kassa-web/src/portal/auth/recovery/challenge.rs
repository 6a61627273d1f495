//! The second factor at sign-in: the code step between password (or link) and session.

use super::*;
use kassa_app::auth::ChallengeOutcome;

#[derive(Deserialize, Default)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

fn challenge_expired() -> Response {
    Redirect::to("/portal/sign-in?notice=challenge_expired").into_response()
}

fn challenge_page(state: &AppState, v: &Visitor, next: &str, error: Option<&str>) -> Response {
    let page = v.page("two-factor-challenge-title", "/portal/sign-in");
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    v.show(
        state,
        &ChallengeTemplate {
            next: safe_next(Some(next)).to_owned(),
            error: error.map(|k| page.t(k)),
            page,
        },
        status,
    )
}

pub(crate) async fn challenge_form(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if !accounts::challenge_pending(&state.db, v.challenge.as_deref()).await? {
        return Ok(challenge_expired());
    }
    Ok(challenge_page(&state, &v, q.next.as_deref().unwrap_or("/portal"), None))
}

#[derive(Deserialize)]
pub(crate) struct ChallengeForm {
    code: String,
    next: Option<String>,
}

/// Checks the TOTP code or a recovery code (see `kassa_app::auth::second_factor`).
pub(crate) async fn challenge(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<ChallengeForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref()).to_owned();
    let outcome = accounts::second_factor(&state.db, v.challenge.as_deref(), &form.code, &v.for_sign_in()).await?;
    match outcome {
        ChallengeOutcome::Expired => Ok(challenge_expired()),
        ChallengeOutcome::Locked(locked) => {
            state.metrics.sign_in_failed(crate::metrics::Surface::Portal);
            state.metrics.locked_out(crate::metrics::Surface::Portal);
            tell_owner_locked(&state, &locked).await?;
            Ok(challenge_expired())
        }
        ChallengeOutcome::WrongCode => {
            state.metrics.sign_in_failed(crate::metrics::Surface::Portal);
            Ok(challenge_page(&state, &v, &next, Some("two-factor-error-code")))
        }
        ChallengeOutcome::SignedIn(session) => Ok(signed_in(&state, &session, &next)),
    }
}
