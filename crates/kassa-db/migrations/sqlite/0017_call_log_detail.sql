-- Developer Logs show every call in both directions with its headers. `kind` says what the
-- call was: `api` (merchant -> Kassa), `push` (Kassa -> merchant_urls.push) or `webhook`
-- (Kassa -> a webhook endpoint). Headers are JSON objects of name -> value, redacted before
-- they are stored, like the bodies.
ALTER TABLE api_calls ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';
ALTER TABLE api_calls ADD COLUMN request_headers TEXT;
ALTER TABLE api_calls ADD COLUMN response_headers TEXT;
