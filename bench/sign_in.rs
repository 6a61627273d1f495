//! Sign-in latency: the full portal sign-in (form post → argon2id verify → session → 303)
//! against a real server, next to the cost of one argon2id verification measured in the same
//! run, which is the floor a secure sign-in cannot go below.
//!
//!     cargo bench -p kassa-web --bench sign_in
//!
//! `KASSA_BENCH_DATABASE_URL` runs it on another database (default: a fresh SQLite file).

use kassa_core::account::NewPassword;
use kassa_db::{Db, DbConfig};
use kassa_web::{password, AppState, Server, WebConfig};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench password 123";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<34} n={:<4} p50={:>7.2} ms  p95={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        samples.len(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.95)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap())
    );
    percentile(&samples, 0.95)
}

fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).expect("csrf meta") + marker.len();
    html[start..start + 64].to_owned()
}

/// One browser-like sign-in; returns how long the form post took.
async fn sign_in(base: &str, email: &str) -> Duration {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{base}/portal/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page);
    let started = Instant::now();
    let res = http
        .post(format!("{base}/portal/sign-in"))
        .header("origin", base)
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(res.status(), 303, "sign-in failed");
    took
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("KASSA_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("kassa.db").display()));
    let db = Db::connect(&DbConfig::new(url.clone())).await.unwrap();
    db.migrate().await.unwrap();
    let pw = NewPassword::parse(PASSWORD).unwrap();
    kassa_web::demo::seed_if_empty(&db, &pw).await.unwrap();
    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", server.local_addr());
    let config = WebConfig {
        public_url: base.clone(),
        secret_key: b"bench secret key".to_vec(),
        worker_interval: Duration::from_secs(1),
        mail: kassa_web::mail::MailConfig::Outbox {
            dir: dir.path().join("outbox"),
        },
        objects: kassa_web::objects::ObjectsConfig::Local(dir.path().join("objects")),
        webhook_allow_private: false,
    };
    let state = AppState::new(db.clone(), config);
    tokio::spawn(server.serve(state, std::future::pending()));
    println!(
        "sign-in benchmark on {} ({} cores)",
        db.url(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    let hash = password::hash(&pw).await.unwrap();
    let mut verify = Vec::new();
    for _ in 0..40 {
        let t = Instant::now();
        assert!(password::verify(PASSWORD, Some(&hash)).await.unwrap());
        verify.push(t.elapsed());
    }
    let floor = report("argon2id verify alone (baseline)", verify);

    for _ in 0..5 {
        sign_in(&base, "admin@demo.kassa.test").await; // warm-up
    }
    let mut sequential = Vec::new();
    for _ in 0..100 {
        sequential.push(sign_in(&base, "admin@demo.kassa.test").await);
    }
    let p95 = report("sign-in, one at a time", sequential);

    let users: Vec<String> = kassa_web::demo::demo_users().into_iter().map(|(e, _)| e).collect();
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let base = base.clone();
            let email = users[i].clone();
            tokio::spawn(async move {
                let mut v = Vec::new();
                for _ in 0..25 {
                    v.push(sign_in(&base, &email).await);
                }
                v
            })
        })
        .collect();
    let mut concurrent = Vec::new();
    for t in tasks {
        concurrent.extend(t.await.unwrap());
    }
    let p95_concurrent = report("sign-in, 4 clients at once", concurrent);
    println!(
        "ratio p95 / argon2 p95: {:.2} one at a time, {:.2} with 4 clients on {} cores",
        p95.as_secs_f64() / floor.as_secs_f64(),
        p95_concurrent.as_secs_f64() / floor.as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
}
