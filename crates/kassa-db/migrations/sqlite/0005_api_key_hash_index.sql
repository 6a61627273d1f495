-- Kustom also accepts the API key alone (Authorization: Basic <key>): find keys by their hash.
CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys (secret_hash);
