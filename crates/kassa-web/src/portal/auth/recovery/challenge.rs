//! The second factor at sign-in: the code step between password (or link) and session.

use super::*;

#[derive(Deserialize, Default)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

async fn challenged_user(state: &AppState, v: &Visitor) -> Result<Option<UserRow>, WebError> {
    let Some(token) = &v.challenge else {
        return Ok(None);
    };
    user_of_token(state, token, TokenPurpose::SignInChallenge).await
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
    if challenged_user(&state, &v).await?.is_none() {
        return Ok(challenge_expired());
    }
    Ok(challenge_page(&state, &v, q.next.as_deref().unwrap_or("/portal"), None))
}

#[derive(Deserialize)]
pub(crate) struct ChallengeForm {
    code: String,
    next: Option<String>,
}

/// Checks the TOTP code or a recovery code. Failures count towards the same lockout as wrong
/// passwords, so the six digits cannot be guessed through.
pub(crate) async fn challenge(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<ChallengeForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref()).to_owned();
    let Some(user) = challenged_user(&state, &v).await? else {
        return Ok(challenge_expired());
    };
    let now = now_ms();
    let db = &state.db;
    let stores = db.usable_memberships(user.id, now).await?;
    let (Some(secret), Some(first)) = (&user.totp_secret, stores.first()) else {
        return Ok(challenge_expired());
    };
    if !may_sign_in(&user, now, false) {
        return Ok(challenge_expired());
    }
    // Reserved before the code is checked, like a password: parallel guesses cannot slip
    // past the limit, and while the account is locked no code is checked at all.
    let Some(attempt) = db.reserve_sign_in_attempt(user.id, now).await? else {
        return Ok(challenge_expired());
    };
    let method = if two_factor::looks_like_totp(&form.code) {
        match two_factor::verify(secret, &form.code, now) {
            Some(step) if db.accept_totp_step(user.id, step).await? => Some("password+totp"),
            _ => None,
        }
    } else {
        let hash = two_factor::recovery_code_hash(&form.code);
        db.use_recovery_code(user.id, &hash, now)
            .await?
            .then_some("password+recovery_code")
    };
    let Some(method) = method else {
        audit_user(&state, &user, "two_factor_failed", &v.ip, None).await?;
        if attempt.locked_the_account() {
            audit_user(&state, &user, "account_locked", &v.ip, None).await?;
            tell_owner_locked(&state, &user, now).await?;
            return Ok(challenge_expired());
        }
        return Ok(challenge_page(&state, &v, &next, Some("two-factor-error-code")));
    };
    let token = v.challenge.as_deref().unwrap_or_default();
    if db
        .consume_token(&token_hash(token), TokenPurpose::SignInChallenge, now)
        .await?
        != Some(user.id)
    {
        return Ok(challenge_expired());
    }
    if method == "password+recovery_code" {
        let left = db.unused_recovery_codes(user.id).await?;
        let after = serde_json::json!({ "recovery_codes_left": left }).to_string();
        audit_user(&state, &user, "recovery_code_used", &v.ip, Some(after)).await?;
    }
    let signed_in = v.signed_in(&user, first, method);
    complete_sign_in(&state, signed_in, &next).await
}
