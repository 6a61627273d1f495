#!/usr/bin/env bash
# Property-based tests of the merchant API against its own OpenAPI document (/openapi.json)
# with Schemathesis: no 5xx, and every response (status, content type, headers, body) as the
# document says. Starts a throwaway `kassa demo`, makes a playground key and real orders, then
# runs its passes: every operation with generated ids, the Order Management operations on a
# real completed, captured and refunded order, the Checkout operations on a real incomplete
# checkout, the test helper on another, and the Settlements operations on the real payout of
# that captured and refunded order (by its payment reference, its order id and its day); then
# it reads every seeded demo order (all statuses) and the payout's settlements and reports,
# and checks each answer against the document. Exits non-zero on any failure (or
# server panic).
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 30 per operation and pass),
# SCHEMATHESIS_SEED (reproduce a run), SCHEMATHESIS_VENV (default target/schemathesis-venv).
set -euo pipefail
cd "$(dirname "$0")/.."

# Schemathesis 3.x, pinned with the Hypothesis it works with: Hypothesis 6.170.6 and later
# dropped an internal (`many.more`) that hypothesis-jsonschema 0.23 still calls.
SCHEMATHESIS_VERSION=3.39.16
HYPOTHESIS_VERSION=6.170.5
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-30}"
VENV="${SCHEMATHESIS_VENV:-target/schemathesis-venv}"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth

log() { printf '\n-- %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

log "schemathesis $SCHEMATHESIS_VERSION"
st="$VENV/bin/schemathesis"
if ! "$st" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION"
fi
"$st" --version

log "build"
cargo build --quiet -p kassa
kassa=target/debug/kassa

data="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

log "start kassa demo on $base"
KASSA_DEMO_PASSWORD="schemathesis demo password" KASSA_DEMO_ORDERS=200 \
  "$kassa" demo --data-dir "$data" --listen "127.0.0.1:$port" >"$data/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/server.log"; echo "kassa exited" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null || { cat "$data/server.log"; echo "kassa is not ready" >&2; exit 1; }

log "playground key and orders"
key_json="$("$kassa" key create --store M100001 --name schemathesis --json --data-dir "$data")"
auth="$(printf '%s' "$key_json" | python3 -c 'import json, sys; k = json.load(sys.stdin); print(k["username"] + ":" + k["password"])')"

# POSTs JSON; prints the response headers and body, fails unless the status is $1.
api() {
  local want=$1 path=$2 body=$3 out
  out="$(curl -sS -i -u "$auth" -H 'Content-Type: application/json' -d "$body" "$base$path")"
  if ! printf '%s' "$out" | head -n1 | grep -q " $want"; then
    printf 'POST %s: expected %s, got:\n%s\n' "$path" "$want" "$out" >&2
    exit 1
  fi
  printf '%s' "$out"
}
header_of() { grep -i "^$1:" | head -n1 | cut -d' ' -f2 | tr -d '\r'; }
order_id_of() { sed -n '/^\r*$/,$p' | python3 -c 'import json, sys; print(json.load(sys.stdin)["order_id"])'; }

order='{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE",
  "order_amount": 50000, "order_tax_amount": 10000,
  "order_lines": [{"type": "physical", "reference": "19-402", "name": "Shoes", "quantity": 2,
    "unit_price": 25000, "tax_rate": 2500, "total_amount": 50000, "total_tax_amount": 10000}],
  "merchant_urls": {"terms": "'"$base"'/terms", "checkout": "'"$base"'/checkout",
    "confirmation": "'"$base"'/thanks", "push": "'"$base"'/push?id={checkout.order.id}"}}'

om_order="$(api 201 /checkout/v3/orders "$order" | order_id_of)"
api 200 "/test-helpers/checkout/v3/orders/$om_order/complete" '{"payment_method": "INVOICE"}' >/dev/null
capture_id="$(api 201 "/ordermanagement/v1/orders/$om_order/captures" '{"captured_amount": 10000}' | header_of capture-id)"
refund_id="$(api 201 "/ordermanagement/v1/orders/$om_order/refunds" '{"refunded_amount": 1000}' | header_of refund-id)"
# Pays out the captured and refunded order (and whatever else is open) for the Settlements passes.
payment_reference="$(api 201 /test-helpers/settlements/v1/payouts '{}' | sed -n '/^\r*$/,$p' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["payment_reference"])')"
today="$(date -u +%Y-%m-%d)"
tomorrow="$(date -u -d tomorrow +%Y-%m-%d)"
checkout_order="$(api 201 /checkout/v3/orders "$order" | order_id_of)"
to_complete="$(api 201 /checkout/v3/orders "$order" | order_id_of)"
echo "order $om_order (capture $capture_id, refund $refund_id, payout $payment_reference); checkouts $checkout_order, $to_complete"

common=(
  "$base/openapi.json" --auth "$auth" --checks "$CHECKS"
  --hypothesis-max-examples "$MAX_EXAMPLES" --hypothesis-database none
  --hypothesis-suppress-health-check too_slow,filter_too_much,data_too_large
  --request-timeout 20000 --no-color
)
[ -n "${SCHEMATHESIS_SEED:-}" ] && common+=(--hypothesis-seed "$SCHEMATHESIS_SEED")

failed=0
run() {
  log "schemathesis: $1"
  shift
  "$st" run "${common[@]}" "$@" || failed=1
}
run "every operation, generated ids"
run "Order Management on a real order" --include-path-regex '^/ordermanagement/' \
  --set-path "order_id=$om_order" --set-path "capture_id=$capture_id" --set-path "refund_id=$refund_id"
run "Checkout on a real checkout" --include-path-regex '^/checkout/' --set-path "order_id=$checkout_order"
run "test helper on a real checkout" --include-path-regex '^/test-helpers/' --set-path "order_id=$to_complete"
run "Settlements on a real payout" \
  --include-path-regex '^/settlements/v1/(payouts/\{payment_reference\}|reports/payout(-with-transactions)?)$' \
  --set-path "payment_reference=$payment_reference" --set-query "payment_reference=$payment_reference"
run "Settlements: the real payout's transactions" --include-path-regex '^/settlements/v1/transactions$' \
  --set-query "payment_reference=$payment_reference"
run "Settlements: the real order's transactions" --include-path-regex '^/settlements/v1/transactions$' \
  --set-query "order_id=$om_order"
run "Settlements over the real payout's day" \
  --include-path-regex '^/settlements/v1/(payouts|payouts/summary|reports/payouts-summary(-with-transactions)?)$' \
  --set-query "start_date=$today" --set-query "end_date=$tomorrow"

log "reads of the 200 seeded demo orders (every status) against the document"
# The seeded order ids, from whichever database the server runs on (KASSA_DATABASE_URL).
if [[ "${KASSA_DATABASE_URL:-}" == postgres* ]]; then
  psql "$KASSA_DATABASE_URL" -At -F $'\t' -c "SELECT order_id, COALESCE(status, '') FROM orders WHERE store_id = 'M100001'" >"$data/orders.tsv"
else
  "$VENV/bin/python" -c "import sqlite3, sys
for i, s in sqlite3.connect(sys.argv[1]).execute(\"SELECT order_id, COALESCE(status, '') FROM orders WHERE store_id = 'M100001'\"):
    print(f'{i}\\t{s}')" "$data/kassa.db" >"$data/orders.tsv"
fi
"$VENV/bin/python" - "$base" "$auth" "$data/orders.tsv" "$payment_reference" "$om_order" "$today" "$tomorrow" <<'PY' || failed=1
import sys
import requests, schemathesis

base, auth, db = sys.argv[1], tuple(sys.argv[2].split(":", 1)), sys.argv[3]
reference, settled_order, today, tomorrow = sys.argv[4:8]
schema = schemathesis.from_uri(f"{base}/openapi.json")
om = "/ordermanagement/v1/orders/{order_id}"
checked, failures = 0, []

def read(template, query=None, **ids):
    global checked
    path = template.format(**ids)
    res = requests.get(base + path, params=query, auth=auth, timeout=20)
    checked += 1
    try:
        if res.status_code != 200:
            raise AssertionError(f"status {res.status_code}")
        schema[template]["GET"].validate_response(res)
    except Exception as e:  # CheckFailed or AssertionError
        failures.append(f"GET {path}: {e}\n{res.text[:2000]}")
    return res

rows = [(i, s or None) for i, s in (line.rstrip("\n").split("\t") for line in open(db) if line.strip())]
for order_id, status in rows:
    read("/checkout/v3/orders/{order_id}", order_id=order_id)
    if status is None:
        continue
    order = read(om, order_id=order_id).json()
    read(om + "/captures", order_id=order_id)
    for c in order.get("captures", []):
        read(om + "/captures/{capture_id}", order_id=order_id, capture_id=c["capture_id"])
        read(om + "/captures/{capture_id}/extend-due-date-options", order_id=order_id, capture_id=c["capture_id"])
    for r in order.get("refunds", []):
        read(om + "/refunds/{refund_id}", order_id=order_id, refund_id=r["refund_id"])
# The real payout through every Settlements read, each answer against the document.
st = "/settlements/v1"
day = {"start_date": today, "end_date": tomorrow}
payout = read(st + "/payouts/{payment_reference}", payment_reference=reference).json()
if payout.get("payment_reference") != reference:
    failures.append(f"payout {reference}: {payout}")
listed = read(st + "/payouts", day).json()
if reference not in [p["payment_reference"] for p in listed.get("payouts", [])]:
    failures.append(f"payout {reference} not listed: {listed}")
summary = read(st + "/payouts/summary", day).json()
if not any(s["summary_settlement_currency"] == payout["currency_code"] for s in summary):
    failures.append(f"no summary in {payout['currency_code']}: {summary}")
for query in ({"payment_reference": reference}, {"order_id": settled_order}, {"payment_reference": reference, "size": 1}):
    txs = read(st + "/transactions", query).json()
    if not txs.get("transactions"):
        failures.append(f"no transactions for {query}: {txs}")
csv = read(st + "/reports/payout-with-transactions", {"payment_reference": reference})
if reference not in csv.text:
    failures.append(f"the CSV lacks {reference}")
read(st + "/reports/payouts-summary-with-transactions", day)
for template, query in ((st + "/reports/payout", {"payment_reference": reference}), (st + "/reports/payouts-summary", day)):
    if not read(template, query).content.startswith(b"%PDF-"):
        failures.append(f"{template}: not a PDF")
print(f"{len(rows)} orders, {checked} reads, {len(failures)} failures")
for f in failures[:10]:
    print(f)
sys.exit(1 if failures else 0)
PY

if grep -q "panicked" "$data/server.log"; then
  log "the server panicked"
  grep -A3 "panicked" "$data/server.log" >&2
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  log "schemathesis found failures (server log: last 50 lines)"
  tail -n 50 "$data/server.log" >&2
  exit 1
fi
log "schemathesis: no failures"
