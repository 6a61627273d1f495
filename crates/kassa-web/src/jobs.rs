//! Background work that must survive restarts and run once across several processes:
//! push notifications to the merchant, and expiry of authorizations. Every process runs a
//! worker; jobs are leased from the database, so each runs in exactly one process.

use crate::orders::{self, Actor};
use crate::{now_ms, AppState};
use kassa_db::{ApiCall, JobRow};
use std::time::{Duration, Instant};

pub const PUSH: &str = "push";
const MINUTE: i64 = 60 * 1000;
const HOUR: i64 = 60 * MINUTE;
/// Retries after the first push, counted from completion: 5, 15, 30 and 60 minutes, then
/// every 4 hours, for 48 hours (Kustom's schedule).
const PUSH_RETRIES: &[i64] = &[5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE];
const PUSH_EVERY_AFTER: i64 = 4 * HOUR;
const PUSH_FOR: i64 = 48 * HOUR;
/// A job not finished within its lease is taken up again by any process.
const LEASE_MS: i64 = 2 * MINUTE;

/// The next push time after `now` for an order completed at `completed`, if any is left.
pub fn next_push(completed: i64, now: i64) -> Option<i64> {
    let fixed = PUSH_RETRIES.iter().map(|d| completed + d).find(|t| *t > now);
    let next = fixed.unwrap_or_else(|| {
        let last_fixed = completed + PUSH_RETRIES[PUSH_RETRIES.len() - 1];
        let steps = (now - last_fixed) / PUSH_EVERY_AFTER + 1;
        last_fixed + steps * PUSH_EVERY_AFTER
    });
    (next <= completed + PUSH_FOR).then_some(next)
}

/// Runs until the process ends.
pub async fn worker(state: AppState) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("Kassa/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let mut tick = tokio::time::interval(state.config.worker_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = run_due(&state, &client).await {
            tracing::warn!(error = %e, "background jobs failed; retrying next tick");
        }
    }
}

async fn run_due(state: &AppState, client: &reqwest::Client) -> Result<(), kassa_db::DbError> {
    let now = now_ms();
    // Jobs run side by side: one slow merchant endpoint must not hold up the others.
    let mut running = tokio::task::JoinSet::new();
    for job in state.db.claim_jobs(now, LEASE_MS, 20).await? {
        let (state, client) = (state.clone(), client.clone());
        running.spawn(async move {
            match job.kind.as_str() {
                PUSH => push(&state, &client, &job).await,
                other => {
                    tracing::error!(kind = other, "unknown job kind");
                    state.db.finish_job(job.id, now).await
                }
            }
        });
    }
    while let Some(result) = running.join_next().await {
        if let Ok(Err(e)) = result {
            tracing::warn!(error = %e, "a background job failed; it runs again when its lease ends");
        }
    }
    expire_authorizations(state).await;
    Ok(())
}

/// Notifies the merchant that an order is ready (`POST merchant_urls.push`, empty body),
/// until the order is acknowledged or captured, or the schedule runs out.
async fn push(state: &AppState, client: &reqwest::Client, job: &JobRow) -> Result<(), kassa_db::DbError> {
    let (order_id, store_id) = (&job.job_key, &job.payload);
    let Some(order) = state.db.order(store_id, order_id).await? else {
        return state.db.finish_job(job.id, now_ms()).await;
    };
    if order.acknowledged || order.captured_amount > 0 {
        return state.db.finish_job(job.id, now_ms()).await;
    }
    let body: serde_json::Value = serde_json::from_str(&order.body).unwrap_or_default();
    let Some(url) = body.pointer("/merchant_urls/push").and_then(|v| v.as_str()) else {
        return state.db.finish_job(job.id, now_ms()).await;
    };
    let url = orders::substitute_placeholders(url, order_id, &state.config.public_url);
    let started = Instant::now();
    let result = client
        .post(&url)
        .header("content-type", "application/json")
        .body("")
        .send()
        .await;
    let (status, error) = match &result {
        Ok(res) => (
            res.status().as_u16() as i64,
            (!res.status().is_success()).then(|| format!("HTTP {}", res.status())),
        ),
        Err(e) => (0, Some(e.to_string())),
    };
    state
        .recorder
        .send(ApiCall {
            store_id: store_id.clone(),
            api_key: "kassa".into(),
            at: now_ms(),
            direction: "outgoing".into(),
            method: "POST".into(),
            path: url.clone(),
            status,
            duration_us: started.elapsed().as_micros() as i64,
            correlation_id: uuid::Uuid::new_v4().to_string(),
            order_id: Some(order_id.clone()),
            request_body: None,
            response_body: error.clone(),
        })
        .await;
    let completed = order.completed_at.unwrap_or(job.created_at);
    match next_push(completed, now_ms()) {
        Some(at) => state.db.reschedule_job(job.id, at, error.as_deref()).await,
        None => state.db.finish_job(job.id, now_ms()).await,
    }
}

/// Marks authorizations that ran out: AUTHORIZED becomes EXPIRED; a partly captured order
/// keeps its captures and loses the rest of its authorization.
async fn expire_authorizations(state: &AppState) {
    let now = now_ms();
    let due = match state.db.orders_due_to_expire(now, 200).await {
        Ok(due) => due,
        Err(e) => return tracing::warn!(error = %e, "looking for expired authorizations failed"),
    };
    for (store_id, order_id) in due {
        let result = async {
            let mut locked = orders::lock(&state.db, &store_id, &order_id).await?;
            // Another process may have done it, or the order was extended meanwhile.
            if let Some(next) = locked.state()?.expire(now) {
                orders::transition(&mut locked, &Actor::system(), "expired", next).await?;
            }
            locked.tx.commit().await?;
            Ok::<(), crate::api::error::ApiError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(order_id, error = ?e.messages, "expiring an authorization failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_schedule_follows_kustom() {
        let c = 0;
        assert_eq!(next_push(c, c), Some(5 * MINUTE));
        assert_eq!(next_push(c, 5 * MINUTE), Some(15 * MINUTE));
        assert_eq!(next_push(c, 15 * MINUTE), Some(30 * MINUTE));
        assert_eq!(next_push(c, 30 * MINUTE), Some(60 * MINUTE));
        assert_eq!(next_push(c, 60 * MINUTE), Some(5 * HOUR));
        assert_eq!(next_push(c, 5 * HOUR), Some(9 * HOUR));
        assert_eq!(next_push(c, 45 * HOUR), None, "the 49th hour is past 48");
        let mut t = c;
        let mut pushes = 1;
        while let Some(n) = next_push(c, t) {
            t = n;
            pushes += 1;
        }
        assert_eq!(
            pushes,
            1 + 4 + 11,
            "first push, four quick retries, then every 4 h until 48 h"
        );
    }
}
