"""Drive the APIMatic Klarna Python SDK (github.com/context-plugins/klarna-python-sdk)
against Kassa: all 18 Order Management operations of its orders, captures and
refunds controllers. The SDK is not vendored; see ../README.md for how to get it.

Only the base URL is changed: the SDK keeps it in Configuration.environments
(no constructor argument exists), so the playground entry is pointed at Kassa.
Checkout creation and completion are not in this SDK; they use plain requests.

Env: KASSA_URL, KASSA_USERNAME, KASSA_PASSWORD. Exit status 1 on any mismatch.
"""
import json
import os
import sys
import uuid

import requests
from klarna.configuration import Configuration, Environment, Server
from klarna.exceptions.api_exception import ApiException
from klarna.http.auth.basic_auth import BasicAuthCredentials
from klarna.http.http_call_back import HttpCallBack
from klarna.klarna_client import KlarnaClient
from klarna.models.capture_object import CaptureObject
from klarna.models.extend_due_date_request import ExtendDueDateRequest
from klarna.models.order_line import OrderLine
from klarna.models.address import Address
from klarna.models.refund_object import RefundObject
from klarna.models.shipping_info import ShippingInfo
from klarna.models.update_authorization import UpdateAuthorization
from klarna.models.update_consumer import UpdateConsumer
from klarna.models.update_merchant_references import UpdateMerchantReferences
from klarna.models.update_shipping_info import UpdateShippingInfo

BASE = os.environ["KASSA_URL"].rstrip("/")
USER, PASS = os.environ["KASSA_USERNAME"], os.environ["KASSA_PASSWORD"]
Configuration.environments[Environment.ENVIRONMENT2][Server.DEFAULT] = BASE  # the base URL


class Recorder(HttpCallBack):
    """Keep the last exchange so failures can be reported exactly."""

    def on_before_request(self, request):
        self.req = (request.http_method, request.query_url, request.headers, request.parameters)

    def on_after_response(self, response):
        self.res = (response.status_code, dict(response.headers), response.text)


rec = Recorder()
client = KlarnaClient(environment=Environment.ENVIRONMENT2, http_call_back=rec,
                      basic_auth_credentials=BasicAuthCredentials(username=USER, password=PASS))
orders, captures, refunds = client.orders, client.captures, client.refunds
failures = 0


def check(what, cond, detail=None):
    global failures
    if cond:
        print(f"ok   {what}")
        return
    failures += 1
    print(f"FAIL {what}" + ("" if detail is None else f" :: {detail}"))
    if getattr(rec, "req", None):
        m, url, hdrs, body = rec.req
        hdrs = {k: v for k, v in (hdrs or {}).items() if k.lower() != "authorization"}
        print(f"     request:  {m} {url} {hdrs} {body}")
        print(f"     response: {rec.res[0]} {rec.res[2]!r}")


def call(what, fn, expect):
    """Run one SDK call; return its ApiResponse (or None after reporting)."""
    try:
        r = fn()
    except ApiException as e:
        check(f"{what}: HTTP {expect}", False, f"{type(e).__name__} {e.response_code} {e.response.text}")
        return None
    check(f"{what}: HTTP {expect}", r.status_code == expect, r.status_code)
    return r


def order_json(order_id):
    return orders.get_order(order_id).body


def order_raw(order_id):
    # The SDK's models drop integer fields whose value is 0 (`if dictionary.get(k)`),
    # so zero amounts are checked on the raw JSON of the same SDK response.
    return json.loads(orders.get_order(order_id).text)


def line(qty, unit):
    return {"type": "physical", "reference": "SKU-1", "name": "Camera Travel Set", "quantity": qty,
            "unit_price": unit, "tax_rate": 2500, "total_amount": qty * unit,
            "total_discount_amount": 0, "total_tax_amount": qty * unit // 5}


def new_authorized_order(qty, method):
    auth = (USER, PASS)
    body = {"purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE",
            "order_amount": qty * 10000, "order_tax_amount": qty * 2000, "order_lines": [line(qty, 10000)],
            "merchant_urls": {u: f"https://shop.example/{u}" for u in ("terms", "checkout", "confirmation", "push")}}
    r = requests.post(f"{BASE}/checkout/v3/orders", json=body, auth=auth)
    check("checkout create (plain HTTP): 201 checkout_incomplete",
          r.status_code == 201 and r.json()["status"] == "checkout_incomplete", r.text[:300])
    oid = r.json()["order_id"]
    r = requests.post(f"{BASE}/test-helpers/checkout/v3/orders/{oid}/complete", json={"payment_method": method}, auth=auth)
    check("test helper complete: 200 checkout_complete", r.status_code == 200 and r.json()["status"] == "checkout_complete", r.text[:300])
    return oid


def ol(qty, unit):
    d = line(qty, unit)
    return OrderLine(name=d["name"], quantity=qty, total_amount=d["total_amount"], unit_price=unit,
                     reference=d["reference"], tax_rate=2500, total_discount_amount=0,
                     total_tax_amount=d["total_tax_amount"], mtype="physical")


ship = ShippingInfo(shipping_company="PostNord", shipping_method="Home", tracking_number="RR123456785SE",
                    tracking_uri="https://tracking.example/RR123456785SE")

# ---- order A: 3 x 10000 -----------------------------------------------------
oid = new_authorized_order(3, "INVOICE")
r = call("orders.get_order", lambda: orders.get_order(oid, klarna_integrator="kassa-sdk-compat"), 200)
o = r.body if r else None
check("get_order: deserialised MerchantOrderDto, AUTHORIZED 30000",
      o is not None and o.order_id == oid and o.status == "AUTHORIZED" and o.order_amount == 30000
      and o.remaining_authorized_amount == 30000, o and o.status)
expires_before = o.expires_at if o else None

call("orders.acknowledge_order", lambda: orders.acknowledge_order(oid), 204)
call("orders.update_merchant_references", lambda: orders.update_merchant_references(
    oid, UpdateMerchantReferences(merchant_reference_1="SHOP-1001", merchant_reference_2="cart-77")), 204)
call("orders.update_consumer_details", lambda: orders.update_consumer_details(oid, UpdateConsumer(
    shipping_address=Address(given_name="Test", family_name="Person", street_address="Drottninggatan 1",
                             postal_code="111 51", city="Stockholm", country="SE", email="t@example.com"))), 204)
call("orders.update_authorization (30000 -> 28000)", lambda: orders.update_authorization(
    oid, UpdateAuthorization(order_amount=28000, description="one item cheaper", order_lines=[ol(2, 14000)])), 204)
call("orders.append_order_shipping_info", lambda: orders.append_order_shipping_info(
    oid, UpdateShippingInfo(shipping_info=[ship])), 204)
call("orders.extend_authorization_time", lambda: orders.extend_authorization_time(oid), 204)
o = order_json(oid)
check("after updates: refs, address, amount 28000, shipping_info, expires_at later",
      o.merchant_reference_1 == "SHOP-1001" and o.merchant_reference_2 == "cart-77"
      and o.shipping_address.street_address == "Drottninggatan 1" and o.order_amount == 28000
      and o.remaining_authorized_amount == 28000 and len(o.shipping_info or []) == 1
      and o.expires_at.datetime > expires_before.datetime,
      (o.merchant_reference_1, o.order_amount, o.expires_at.value, expires_before.value))

r = call("captures.capture_order 14000", lambda: captures.capture_order(oid, CaptureObject(
    captured_amount=14000, description="first parcel", reference="parcel-1", order_lines=[ol(1, 14000)],
    shipping_info=[ship])), 201)
cap_id = r and {k.lower(): v for k, v in r.headers.items()}.get("capture-id")
loc = r and {k.lower(): v for k, v in r.headers.items()}.get("location")
check("capture_order: Capture-Id and Location headers", bool(cap_id) and (loc or "").endswith(f"/captures/{cap_id}"), (cap_id, loc))

r = call("captures.get_captures", lambda: captures.get_captures(oid), 200)
check("get_captures: one capture with that id", r is not None and isinstance(r.body, list) and len(r.body) == 1
      and r.body[0].capture_id == cap_id and r.body[0].captured_amount == 14000, r and r.text[:300])
r = call("captures.get_capture", lambda: captures.get_capture(oid, cap_id), 200)
check("get_capture: amount, reference, klarna_reference", r is not None and r.body.captured_amount == 14000
      and r.body.reference == "parcel-1" and bool(r.body.klarna_reference), r and r.text[:300])
call("captures.append_shipping_info", lambda: captures.append_shipping_info(
    oid, cap_id, UpdateShippingInfo(shipping_info=[ship])), 204)
r = call("captures.get_options_for_extend_due_date", lambda: captures.get_options_for_extend_due_date(oid, cap_id), 200)
days = r.body.options[0].number_of_days if r and r.body and r.body.options else 7
call(f"captures.extend_due_date ({days} days)", lambda: captures.extend_due_date(
    oid, cap_id, ExtendDueDateRequest(number_of_days=days)), 204)
call("captures.trigger_send_out", lambda: captures.trigger_send_out(oid, cap_id), 204)

# Idempotency: the same key twice gives one capture and the same Capture-Id.
key = str(uuid.uuid4())
r1 = call("capture_order 1000 with Klarna-Idempotency-Key", lambda: captures.capture_order(
    oid, CaptureObject(captured_amount=1000), klarna_idempotency_key=key), 201)
r2 = call("same request, same key (replay)", lambda: captures.capture_order(
    oid, CaptureObject(captured_amount=1000), klarna_idempotency_key=key), 201)
h = lambda r: r and {k.lower(): v for k, v in r.headers.items()}.get("capture-id")
o = order_json(oid)
check("idempotent replay: same Capture-Id, captured 15000 once", h(r1) and h(r1) == h(r2)
      and o.captured_amount == 15000 and len(o.captures) == 2, (h(r1), h(r2), o.captured_amount))

r = call("refunds.refund_order 4000", lambda: refunds.refund_order(oid, RefundObject(
    refunded_amount=4000, description="damaged", reference="ret-1")), 201)
hdr = {k.lower(): v for k, v in (r.headers if r else {}).items()}
ref_id = hdr.get("refund-id")
check("refund_order: Refund-Id and Location headers", bool(ref_id) and hdr.get("location", "").endswith(f"/refunds/{ref_id}"), hdr)
r = call("refunds.get", lambda: refunds.get(oid, ref_id), 200)
check("refunds.get: amount and reference", r is not None and r.body.refunded_amount == 4000 and r.body.reference == "ret-1", r and r.text[:300])

call("orders.release_remaining_authorization", lambda: orders.release_remaining_authorization(oid), 204)
o = order_raw(oid)
check("after release: CAPTURED, captured 15000, refunded 4000, remaining 0", o["status"] == "CAPTURED"
      and o["captured_amount"] == 15000 and o["refunded_amount"] == 4000 and o["remaining_authorized_amount"] == 0,
      {k: o.get(k) for k in ("status", "captured_amount", "refunded_amount", "remaining_authorized_amount")})

# ---- order B: cancel ---------------------------------------------------------
oid2 = new_authorized_order(1, "CARD")
call("orders.cancel_order (order B)", lambda: orders.cancel_order(oid2), 204)
check("order B: CANCELLED", order_json(oid2).status == "CANCELLED")

# ---- errors map onto the SDK's typed exceptions -------------------------------
def expect_error(what, fn, exc_name, status, code):
    try:
        fn()
        check(what, False, "succeeded")
    except ApiException as e:
        check(what, type(e).__name__ == exc_name and e.response_code == status and getattr(e, "error_code", None) == code
              and getattr(e, "correlation_id", None), f"{type(e).__name__} {e.response_code} {e.response.text}")


expect_error("capture on cancelled order -> CaptureNotAllowedErrorMessageException 403 CAPTURE_NOT_ALLOWED",
             lambda: captures.capture_order(oid2, CaptureObject(captured_amount=100)),
             "CaptureNotAllowedErrorMessageException", 403, "CAPTURE_NOT_ALLOWED")
expect_error("cancel with captures -> CancelNotAllowedErrorMessageException 403 CANCEL_NOT_ALLOWED",
             lambda: orders.cancel_order(oid), "CancelNotAllowedErrorMessageException", 403, "CANCEL_NOT_ALLOWED")
expect_error("over-refund -> RefundNotAllowedErrorMessageException 403 REFUND_NOT_ALLOWED",
             lambda: refunds.refund_order(oid, RefundObject(refunded_amount=999999)),
             "RefundNotAllowedErrorMessageException", 403, "REFUND_NOT_ALLOWED")
expect_error("unknown order -> NoSuchOrderErrorMessageException 404 NO_SUCH_ORDER",
             lambda: orders.get_order(str(uuid.uuid4())), "NoSuchOrderErrorMessageException", 404, "NO_SUCH_ORDER")

# ---- order C: paid by CARD; due dates are an invoice feature ------------------
oid3 = new_authorized_order(1, "CARD")
r = call("captures.capture_order (order C, card)", lambda: captures.capture_order(
    oid3, CaptureObject(captured_amount=10000)), 201)
cap3 = r and {k.lower(): v for k, v in r.headers.items()}.get("capture-id")
r = call("captures.get_options_for_extend_due_date (card order)",
         lambda: captures.get_options_for_extend_due_date(oid3, cap3), 200)
check("extend-due-date options for a card order: empty list", r is not None and r.body is not None
      and not (r.body.options or []) and json.loads(r.text).get("options") == [], r and r.text[:300])
try:
    captures.extend_due_date(oid3, cap3, ExtendDueDateRequest(number_of_days=7))
    check("captures.extend_due_date (card order) -> 403 NOT_ALLOWED", False, "succeeded")
except ApiException as e:
    check("captures.extend_due_date (card order) -> 403 NOT_ALLOWED", e.response_code == 403
          and json.loads(e.response.text).get("error_code") == "NOT_ALLOWED",
          f"{type(e).__name__} {e.response_code} {e.response.text}")

print(f"\n{failures} check(s) failed" if failures else "\nall klarna-python-sdk checks passed")
sys.exit(1 if failures else 0)
