//! The one task that writes recorded API calls to the database, in batches and in the order
//! they were answered.
//!
//! A batch that fails to insert is not lost: it is retried with a growing pause (50 ms
//! doubling up to 5 s) while the task keeps taking new calls off the channel, so the API is
//! never held up by a database that is briefly away. If the database answers but keeps
//! refusing one batch, that batch is written call by call and only the calls refused on
//! their own are dropped (logged), so one bad call cannot hold up all later ones. Memory is
//! bounded: past [`MAX_HELD`] waiting calls, new ones are dropped and counted in the log.

use kassa_db::{ApiCall, Db, KeyUsage};
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Calls per insert.
const BATCH: usize = 500;
/// Calls held while the database is away, beyond which new ones are dropped.
const MAX_HELD: usize = 100_000;
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const LONGEST_PAUSE: Duration = Duration::from_secs(5);
/// Failed attempts after which a batch the database refuses (while it is reachable) is
/// written call by call.
const ATTEMPTS_BEFORE_SPLIT: u32 = 4;

pub(super) enum Msg {
    Call(Box<ApiCall>),
    /// Answered once every call sent before it is written (or given up).
    Flush(oneshot::Sender<()>),
}

/// Where recorded calls go: the database, or in tests a store that fails on purpose.
pub(super) trait CallSink: Send + Sync + 'static {
    fn insert(&self, calls: &[ApiCall]) -> impl Future<Output = Result<(), String>> + Send;
    /// Whether the store answers at all.
    fn reachable(&self) -> impl Future<Output = bool> + Send;
}

impl CallSink for Db {
    async fn insert(&self, calls: &[ApiCall]) -> Result<(), String> {
        // The calls and Integrations' counters per key and platform (one upsert per key and
        // platform of the batch) in one write unit. The counters are statistics: should
        // that unit fail, the calls are written alone, so counting never holds up the log.
        let Err(e) = self.record_api_calls(calls, &usage_of(calls)).await else {
            return Ok(());
        };
        if e.outage().is_some() {
            return Err(e.to_string());
        }
        self.insert_api_calls(calls).await.map_err(|e| e.to_string())?;
        tracing::warn!(error = %e, "counting API calls per key and platform failed");
        Ok(())
    }

    async fn reachable(&self) -> bool {
        self.ping().await.is_ok()
    }
}

/// The batch's calls per API key and calling platform (recognised from the User-Agent).
fn usage_of(calls: &[ApiCall]) -> Vec<KeyUsage> {
    let mut usage: Vec<KeyUsage> = Vec::new();
    for c in calls {
        if c.api_key.is_empty() || c.direction != "incoming" || !(c.kind.is_empty() || c.kind == "api") {
            continue;
        }
        let agent = c.user_agent.as_deref().unwrap_or("");
        let platform = kassa_core::platform::recognise(agent).code();
        match usage
            .iter_mut()
            .find(|u| u.username == c.api_key && u.platform == platform)
        {
            Some(u) => {
                u.calls += 1;
                u.first_seen = u.first_seen.min(c.at);
                if c.at >= u.last_seen {
                    u.last_seen = c.at;
                    u.last_agent = agent.to_owned();
                }
            }
            None => usage.push(KeyUsage {
                username: c.api_key.clone(),
                platform: platform.to_owned(),
                calls: 1,
                first_seen: c.at,
                last_seen: c.at,
                last_agent: agent.to_owned(),
            }),
        }
    }
    usage
}

/// Calls taken off the channel and not yet written, each with its arrival number, and the
/// flushes waiting for them.
struct Held {
    calls: VecDeque<ApiCall>,
    seqs: VecDeque<u64>,
    next_seq: u64,
    /// Flush waiters with the arrival number they wait for.
    waiters: Vec<(u64, oneshot::Sender<()>)>,
    dropped: u64,
}

impl Held {
    fn take(&mut self, msg: Msg) {
        match msg {
            Msg::Call(_) if self.calls.len() >= MAX_HELD => {
                self.dropped += 1;
                if self.dropped.is_power_of_two() {
                    tracing::error!(
                        dropped = self.dropped,
                        "the database has been away too long: API calls are no longer recorded"
                    );
                }
            }
            Msg::Call(call) => {
                self.calls.push_back(*call);
                self.seqs.push_back(self.next_seq);
                self.next_seq += 1;
            }
            Msg::Flush(w) => self.waiters.push((self.next_seq, w)),
        }
    }

    /// Answers the flushes whose calls are all written.
    fn notify(&mut self) {
        let oldest = self.seqs.front().copied().unwrap_or(u64::MAX);
        let (ready, waiting): (Vec<_>, Vec<_>) = self.waiters.drain(..).partition(|(seq, _)| *seq <= oldest);
        self.waiters = waiting;
        for (_, w) in ready {
            let _ = w.send(());
        }
    }

    fn finish_front(&mut self, n: usize) {
        self.calls.drain(..n);
        self.seqs.drain(..n);
        self.notify();
    }
}

pub(super) async fn writer<S: CallSink>(sink: S, mut rx: mpsc::Receiver<Msg>) {
    let mut held = Held {
        calls: VecDeque::new(),
        seqs: VecDeque::new(),
        next_seq: 0,
        waiters: Vec::new(),
        dropped: 0,
    };
    let mut open = true;
    loop {
        if held.calls.is_empty() {
            held.notify();
            if !open {
                return;
            }
            match rx.recv().await {
                Some(msg) => held.take(msg),
                None => return,
            }
        }
        // Gather what else is already queued.
        while let Ok(msg) = rx.try_recv() {
            held.take(msg);
        }
        held.notify();
        if held.calls.is_empty() {
            continue;
        }
        let n = held.calls.len().min(BATCH);
        let mut attempt = 0;
        loop {
            let batch = &held.calls.make_contiguous()[..n];
            match sink.insert(batch).await {
                Ok(()) => break,
                Err(e) => {
                    attempt += 1;
                    tracing::warn!(error = %e, calls = n, attempt, "recording API calls failed; retrying");
                    if attempt >= ATTEMPTS_BEFORE_SPLIT && sink.reachable().await {
                        write_one_by_one(&sink, batch).await;
                        break;
                    }
                    let pause = FIRST_PAUSE
                        .saturating_mul(1 << (attempt - 1).min(16))
                        .min(LONGEST_PAUSE);
                    open = receive_for(pause, &mut rx, &mut held, open).await;
                }
            }
        }
        held.finish_front(n);
        if open && rx.is_empty() {
            // A short pause lets the next calls pile up into one insert.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Waits `pause`, taking calls off the channel meanwhile so senders never wait on a retry.
/// Returns whether the channel is still open.
async fn receive_for(pause: Duration, rx: &mut mpsc::Receiver<Msg>, held: &mut Held, open: bool) -> bool {
    let sleep = tokio::time::sleep(pause);
    tokio::pin!(sleep);
    if !open {
        sleep.await;
        return false;
    }
    loop {
        tokio::select! {
            _ = &mut sleep => return true,
            msg = rx.recv() => match msg {
                Some(msg) => held.take(msg),
                None => {
                    sleep.await;
                    return false;
                }
            },
        }
    }
}

/// The database is up but refuses the batch: something in it is bad. Each call is tried
/// on its own; the ones refused alone are dropped, with the reason in the log.
async fn write_one_by_one<S: CallSink>(sink: &S, batch: &[ApiCall]) {
    for call in batch {
        if let Err(e) = sink.insert(std::slice::from_ref(call)).await {
            tracing::error!(error = %e, correlation_id = %call.correlation_id, "an API call could not be recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    /// A store that is away for its first `fail_first` inserts, and refuses any batch that
    /// holds a call whose path is `/poison` while it is up.
    #[derive(Clone, Default)]
    struct FlakyStore {
        fail_first: Arc<AtomicUsize>,
        attempts: Arc<AtomicUsize>,
        up: Arc<AtomicBool>,
        written: Arc<Mutex<Vec<String>>>,
    }

    impl CallSink for FlakyStore {
        async fn insert(&self, calls: &[ApiCall]) -> Result<(), String> {
            let attempt = self.attempts.fetch_add(1, Ordering::SeqCst);
            if attempt < self.fail_first.load(Ordering::SeqCst) {
                return Err("connection refused".into());
            }
            self.up.store(true, Ordering::SeqCst);
            if calls.iter().any(|c| c.path == "/poison") {
                return Err("value too long".into());
            }
            let mut written = self.written.lock().unwrap();
            written.extend(calls.iter().map(|c| c.correlation_id.clone()));
            Ok(())
        }

        async fn reachable(&self) -> bool {
            self.up.load(Ordering::SeqCst)
        }
    }

    fn call(n: usize, path: &str) -> ApiCall {
        ApiCall {
            store_id: "M1".into(),
            api_key: "k".into(),
            at: n as i64,
            direction: "incoming".into(),
            method: "GET".into(),
            path: path.into(),
            status: 200,
            duration_us: 1,
            correlation_id: n.to_string(),
            order_id: None,
            request_body: None,
            response_body: None,
            kind: "api".into(),
            ..Default::default()
        }
    }

    #[test]
    fn calls_are_counted_per_key_and_platform() {
        let with = |n: usize, key: &str, agent: Option<&str>| ApiCall {
            api_key: key.into(),
            user_agent: agent.map(str::to_owned),
            ..call(n, "/x")
        };
        let woo = "WordPress/6.4; https://s.example - WooCommerce: 8.5.1 - KCO:2.12 - PHP Version: 8.1 - Krokedil";
        let mut push = call(9, "/push");
        push.direction = "outgoing".into();
        push.kind = "push".into();
        let batch = [
            with(1, "a", Some(woo)),
            with(
                2,
                "a",
                Some("Magento2_OM/7.0;PHP/8.1 (Magento Community 2.4.6 production mode)"),
            ),
            with(3, "a", Some(woo)),
            with(4, "b", None),
            push,
        ];
        let mut usage = usage_of(&batch);
        usage.sort_by(|x, y| (&x.username, &x.platform).cmp(&(&y.username, &y.platform)));
        let summary: Vec<_> = usage
            .iter()
            .map(|u| {
                (
                    u.username.as_str(),
                    u.platform.as_str(),
                    u.calls,
                    u.first_seen,
                    u.last_seen,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("a", "magento", 1, 2, 2),
                ("a", "woocommerce", 2, 1, 3),
                ("b", "other", 1, 4, 4)
            ]
        );
        assert_eq!(usage[1].last_agent, woo);
    }

    async fn send_all(tx: &mpsc::Sender<Msg>, calls: impl Iterator<Item = ApiCall>) {
        for c in calls {
            tx.send(Msg::Call(Box::new(c))).await.unwrap();
        }
    }

    async fn flush(tx: &mpsc::Sender<Msg>) {
        let (done, wait) = oneshot::channel();
        tx.send(Msg::Flush(done)).await.unwrap();
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .expect("flush answered")
            .unwrap();
    }

    #[tokio::test]
    async fn calls_of_a_failed_insert_are_retried_in_order() {
        for fail_first in [1, 3, 6] {
            let store = FlakyStore::default();
            store.fail_first.store(fail_first, Ordering::SeqCst);
            let (tx, rx) = mpsc::channel(100);
            tokio::spawn(writer(store.clone(), rx));
            send_all(&tx, (0..1_200).map(|n| call(n, "/x"))).await;
            flush(&tx).await;
            let written = store.written.lock().unwrap().clone();
            let expected: Vec<String> = (0..1_200).map(|n| n.to_string()).collect();
            assert_eq!(written, expected, "after {fail_first} failed inserts");
        }
    }

    #[tokio::test]
    async fn senders_are_not_held_up_while_the_database_is_away() {
        let store = FlakyStore::default();
        // About 1.5 s of failures with the growing pause.
        store.fail_first.store(6, Ordering::SeqCst);
        let (tx, rx) = mpsc::channel(1_000);
        tokio::spawn(writer(store.clone(), rx));
        let started = Instant::now();
        send_all(&tx, (0..20_000).map(|n| call(n, "/x"))).await;
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "sending took {:?} while the database was away",
            started.elapsed()
        );
        flush(&tx).await;
        assert_eq!(store.written.lock().unwrap().len(), 20_000);
    }

    #[tokio::test]
    async fn a_call_the_database_refuses_does_not_hold_up_the_others() {
        let store = FlakyStore::default();
        let (tx, rx) = mpsc::channel(100);
        tokio::spawn(writer(store.clone(), rx));
        send_all(&tx, (0..50).map(|n| call(n, if n == 20 { "/poison" } else { "/x" }))).await;
        flush(&tx).await;
        let written = store.written.lock().unwrap().clone();
        let expected: Vec<String> = (0..50).filter(|n| *n != 20).map(|n| n.to_string()).collect();
        assert_eq!(written, expected);
    }
}
