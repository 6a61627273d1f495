//! Live delivery of support chat events to the WebSockets of one process, and between
//! processes.
//!
//! In one process each conversation has a Tokio broadcast channel; every WebSocket of the
//! conversation subscribes to it. Events carry ids only: a socket that hears "new message
//! in conversation 7" loads everything after the last message it sent to its client from
//! the database, so no event can make it skip or repeat a message.
//!
//! The agents' queue has a channel of its own: a `Queue` event (a conversation started,
//! was claimed, handed on or closed) makes every queue socket send the queue again.
//!
//! On PostgreSQL several Kassa processes may serve one database: an event is published
//! with `NOTIFY` and every process (the sender's included) delivers what its listener
//! hears. When the listener's connection drops, events may be lost, so every socket is told
//! to catch up from the database. On SQLite one process serves, and events go straight to
//! its channels.

use kassa_db::{Backend, Db};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Something that happened in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum HubEvent {
    /// Conversation `c` has new messages, up to message `m` (or a state change, recorded
    /// as a system message).
    Message { c: i64, m: i64 },
    /// Someone in conversation `c` is typing: `by` is `user` or `agent`.
    Typing { c: i64, by: String, name: String },
    /// Side `by` has read conversation `c` up to message `upto`.
    Read { c: i64, by: String, upto: i64 },
    /// The agents' queue changed: a conversation started, was claimed, handed on or closed.
    Queue,
    /// Events may have been lost: every subscriber reloads from the database.
    Resync,
}

impl HubEvent {
    fn conversation(&self) -> Option<i64> {
        match self {
            HubEvent::Message { c, .. } | HubEvent::Typing { c, .. } | HubEvent::Read { c, .. } => Some(*c),
            HubEvent::Queue | HubEvent::Resync => None,
        }
    }
}

/// The per-process hub; cheap to clone.
#[derive(Clone)]
pub struct ChatHub {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    topics: Mutex<HashMap<i64, broadcast::Sender<HubEvent>>>,
    /// The agents' queue sockets: `Queue` and `Resync` events.
    queue: broadcast::Sender<HubEvent>,
    /// Whether events from other processes arrive (always on SQLite).
    ready: watch::Sender<bool>,
}

const CHANNEL_CAPACITY: usize = 256;

impl ChatHub {
    pub fn new(db: Db) -> ChatHub {
        let sqlite = db.backend() == Backend::Sqlite;
        let (ready, _) = watch::channel(sqlite);
        ChatHub {
            inner: Arc::new(Inner {
                db,
                topics: Mutex::new(HashMap::new()),
                queue: broadcast::channel(CHANNEL_CAPACITY).0,
                ready,
            }),
        }
    }

    /// The events of conversation `c` from now on.
    pub fn subscribe(&self, c: i64) -> broadcast::Receiver<HubEvent> {
        let mut topics = self.inner.topics.lock().expect("hub lock");
        topics.retain(|_, tx| tx.receiver_count() > 0);
        topics
            .entry(c)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// The queue's events (`Queue`, `Resync`) from now on.
    pub fn subscribe_queue(&self) -> broadcast::Receiver<HubEvent> {
        self.inner.queue.subscribe()
    }

    /// Waits (at most `limit`) until events of other processes are heard.
    pub async fn ready(&self, limit: Duration) -> bool {
        let mut rx = self.inner.ready.subscribe();
        let heard = tokio::time::timeout(limit, rx.wait_for(|r| *r)).await;
        heard.is_ok_and(|r| r.is_ok())
    }

    /// Publishes `event` to every subscriber of every process.
    pub async fn publish(&self, event: HubEvent) {
        if self.inner.db.backend() == Backend::Postgres {
            let payload = serde_json::to_string(&event).expect("events serialize");
            match self.inner.db.support_notify(&payload).await {
                Ok(()) => return,
                // This process's own sockets still hear it.
                Err(e) => tracing::warn!(error = %e, "NOTIFY of a chat event failed"),
            }
        }
        self.deliver(event);
    }

    fn deliver(&self, event: HubEvent) {
        if matches!(event, HubEvent::Queue | HubEvent::Resync) {
            let _ = self.inner.queue.send(event.clone());
        }
        let topics = self.inner.topics.lock().expect("hub lock");
        match event.conversation() {
            Some(c) => {
                if let Some(tx) = topics.get(&c) {
                    let _ = tx.send(event);
                }
            }
            None if event == HubEvent::Resync => {
                for tx in topics.values() {
                    let _ = tx.send(event.clone());
                }
            }
            None => {}
        }
    }

    /// Hears the events of every process (PostgreSQL) until the task is aborted; returns at
    /// once on SQLite.
    pub async fn run(self) {
        if self.inner.db.backend() != Backend::Postgres {
            return;
        }
        loop {
            let mut listener = match self.inner.db.support_listener().await {
                Ok(Some(l)) => l,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "listening for chat events failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            self.inner.ready.send_replace(true);
            // Whatever was published while nobody listened is in the database.
            self.deliver(HubEvent::Resync);
            loop {
                match listener.recv().await {
                    Ok(payload) => match serde_json::from_str::<HubEvent>(&payload) {
                        Ok(event) => self.deliver(event),
                        Err(e) => tracing::warn!(error = %e, "an unreadable chat event"),
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "the chat event listener lost its connection");
                        self.deliver(HubEvent::Resync);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                }
            }
        }
    }
}
