-- Notifications (issue 15 item 4). A person's choices are stored only where they differ from
-- their role's defaults (kassa-core decides those), so a changed default reaches everyone who
-- has not chosen. `store_id` is '' for the account-wide kinds (a new sign-in).
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users (id),
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('home', 'email')),
    enabled BOOLEAN NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, store_id, kind, channel)
);

-- One row per person and event: the event's key (`event_key`) is unique per person, so a job
-- that runs twice, or the daily digest run by several processes, tells each person once.
-- `on_home` says whether it shows on Home and under the bell; `email_wanted` whether it is
-- mailed, `emailed_at` when (claimed before sending, so two runners never both send).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    event_key TEXT NOT NULL,
    subject TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    on_home BOOLEAN NOT NULL,
    email_wanted BOOLEAN NOT NULL,
    emailed_at INTEGER,
    read_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, event_key)
);
CREATE INDEX notifications_unread ON notifications (user_id, read_at, created_at);
CREATE INDEX notifications_event ON notifications (event_key);

-- The devices a person has signed in from: browser family, OS and address.
CREATE TABLE known_devices (
    user_id INTEGER NOT NULL REFERENCES users (id),
    device_key TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_key)
);
