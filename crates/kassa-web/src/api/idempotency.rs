//! `Klarna-Idempotency-Key` for every POST and PATCH. Beyond Kustom, which ignores the body:
//! the same key with a different request is refused with 409 CONFLICT, and so is a duplicate
//! that arrives while the first is still running.

use super::error::ApiError;
use super::keys::Caller;
use crate::{now_ms, AppState};
use axum::body::{Body, Bytes};
use axum::http::{response::Parts, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use kassa_db::{Claim, SavedResponse};
use sha2::{Digest, Sha256};

/// Marks a response whose replay was saved in its own transaction.
#[derive(Clone, Copy)]
pub struct Saved;

/// Headers a replay must carry again.
const REPLAYED_HEADERS: &[&str] = &["content-type", "location", "capture-id", "refund-id"];

/// What a claim decided.
pub enum Claimed {
    /// Run the request; the claim was made at this time (ms), which [`finish`] needs.
    Run(i64),
    /// Answer with this response (a replay) without running the request.
    Answer(Response),
}

/// Claims the key.
pub async fn claim(
    state: &AppState,
    caller: &Caller,
    key: &str,
    method: &Method,
    path: &str,
    body: &Bytes,
) -> Result<Claimed, ApiError> {
    let mut hash = Sha256::new();
    hash.update(method.as_str().as_bytes());
    hash.update(b" ");
    hash.update(path.as_bytes());
    hash.update(b"\n");
    hash.update(body);
    let request_hash = crate::password::hex(&hash.finalize());
    let now = now_ms();
    match state
        .db
        .claim_idempotency_key(&caller.store_id, key, &request_hash, now)
        .await?
    {
        Claim::Fresh => Ok(Claimed::Run(now)),
        Claim::Replay(saved) => Ok(Claimed::Answer(replay(&saved))),
        Claim::Mismatch => Err(ApiError::new(
            StatusCode::CONFLICT,
            "CONFLICT",
            "This Klarna-Idempotency-Key was already used for a different request. Use a new key for a new request.",
        )),
        Claim::InProgress => Err(ApiError::new(
            StatusCode::CONFLICT,
            "CONFLICT",
            "A request with this Klarna-Idempotency-Key is still being processed. Retry in a moment.",
        )),
    }
}

pub fn save(parts: &Parts, body: &Bytes) -> SavedResponse {
    let headers: serde_json::Map<String, serde_json::Value> = REPLAYED_HEADERS
        .iter()
        .filter_map(|name| {
            parts
                .headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(|v| ((*name).to_owned(), v.into()))
        })
        .collect();
    SavedResponse {
        status: parts.status.as_u16() as i64,
        headers: serde_json::Value::Object(headers).to_string(),
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

fn replay(saved: &SavedResponse) -> Response {
    let status = StatusCode::from_u16(saved.status as u16).unwrap_or(StatusCode::OK);
    let mut res = (status, Body::from(saved.body.clone())).into_response();
    if let Ok(serde_json::Value::Object(headers)) = serde_json::from_str(&saved.headers) {
        for (name, value) in headers {
            if let (Ok(n), Some(Ok(v))) = (HeaderName::try_from(name), value.as_str().map(HeaderValue::from_str)) {
                res.headers_mut().insert(n, v);
            }
        }
    }
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

/// After the handler: a response not saved with its effect is saved now (refusals, reads);
/// a server error gives the key up, since it had no effect, so a retry can run.
pub async fn finish(state: &AppState, caller: &Caller, key: &str, claimed_at: i64, res: Response) -> Response {
    if res.extensions().get::<Saved>().is_some() {
        return res;
    }
    if res.status() == StatusCode::SERVICE_UNAVAILABLE {
        // The database is away: the answer must not wait for it a second time (each wait
        // is the pool's acquire timeout), so the key is given up once it is back.
        let (db, store, key) = (state.db.clone(), caller.store_id.clone(), key.to_owned());
        tokio::spawn(release_when_back(db, store, key, claimed_at));
        return res;
    }
    if res.status().is_server_error() {
        if let Err(e) = state
            .db
            .release_idempotency_claim(&caller.store_id, key, claimed_at)
            .await
        {
            tracing::error!(error = %e, "releasing an idempotency key failed");
        }
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::BODY_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Err(e) = state
        .db
        .complete_idempotency_key(&caller.store_id, key, &save(&parts, &bytes))
        .await
    {
        tracing::error!(error = %e, "saving an idempotent response failed");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Retries giving up a claim until the database answers again; after
/// [`kassa_db::ABANDONED_AFTER_MS`] a retry takes the key over anyway.
async fn release_when_back(db: kassa_db::Db, store: String, key: String, claimed_at: i64) {
    let give_up_at = claimed_at + kassa_db::ABANDONED_AFTER_MS;
    while now_ms() < give_up_at {
        match db.release_idempotency_claim(&store, &key, claimed_at).await {
            Ok(()) => return,
            Err(e) if e.outage().is_some() => tokio::time::sleep(std::time::Duration::from_millis(250)).await,
            Err(e) => {
                tracing::error!(error = %e, "releasing an idempotency key failed");
                return;
            }
        }
    }
}
