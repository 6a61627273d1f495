-- API keys unused for 60 days are disabled (refused like a revoked key) until someone
-- enables them again; `enabled_at` restarts the 60 days from the re-enabling.
ALTER TABLE api_keys ADD COLUMN disabled_at INTEGER;
ALTER TABLE api_keys ADD COLUMN enabled_at INTEGER;

-- Which platform (recognised from the User-Agent) calls with which key: one counter row per
-- key and platform, added to by the API-call writer once per batch, off the request path.
CREATE TABLE api_key_platforms (
    username TEXT NOT NULL,
    platform TEXT NOT NULL,
    calls INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    -- The newest User-Agent seen for this key and platform (cut to 300 characters).
    last_agent TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (username, platform)
);
