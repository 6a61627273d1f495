// Exercise every operation klarna-node 0.1.2 offers against Kassa and check the
// answers. Exits 1 on the first mismatch. The SDK itself is unmodified except
// for the base URL (see run.sh). Calls the SDK does not offer (test helper,
// GET of the Order Management order) are made with fetch, only to check state.
'use strict';
const http = require('http');
const https = require('https');
const klarna = require('klarna-node').default;
const { klarnaCheckout, klarnaOrderManagement } = require('klarna-node');

const BASE = process.env.KASSA_URL.replace(/\/$/, '');
const USER = process.env.KASSA_USERNAME;
const PASS = process.env.KASSA_PASSWORD;
const AUTH = 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64');

// klarna-node resolves with the body only; record each HTTP exchange it makes so
// that status codes and headers (Location, Capture-Id) can be checked too.
let last = null;
for (const mod of [http, https]) {
  const orig = mod.request;
  mod.request = function (...args) {
    const req = orig.apply(this, args);
    const rec = { method: req.method, path: req.path, auth: req.getHeader('authorization') };
    req.on('response', (res) => { rec.status = res.statusCode; rec.headers = res.headers; });
    last = rec;
    return req;
  };
}

let failures = 0;
function check(what, cond, detail) {
  if (cond) { console.log(`ok   ${what}`); return; }
  failures += 1;
  console.log(`FAIL ${what}${detail === undefined ? '' : ' :: ' + JSON.stringify(detail)}`);
}
async function step(name, fn) {
  try { return await fn(); } catch (e) {
    failures += 1;
    console.log(`FAIL ${name} threw: ${e.statusCode || ''} ${JSON.stringify(e.error || e.message)}`);
    console.log(`     request: ${last && last.method} ${last && last.path}`);
    finish();
  }
}
function finish() {
  console.log(failures ? `\n${failures} check(s) failed` : '\nall klarna-node checks passed');
  process.exit(failures ? 1 : 0);
}
async function api(method, path, body) {
  const res = await fetch(BASE + path, {
    method,
    headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const line = (qty, unit) => ({
  type: 'physical', reference: 'SKU-1', name: 'Camera Travel Set', quantity: qty,
  quantity_unit: 'pcs', unit_price: unit, tax_rate: 2500, total_amount: qty * unit,
  total_discount_amount: 0, total_tax_amount: (qty * unit) / 5,
});
const order = (qty) => ({
  order_amount: qty * 10000, order_tax_amount: qty * 2000, order_lines: [line(qty, 10000)],
});

(async () => {
  klarna.init({ uid: USER, password: PASS, live: false });
  klarnaCheckout.config({
    purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE',
    terms: 'https://shop.example/terms',
    checkout: 'https://shop.example/checkout?sid={checkout.order.id}',
    confirmation: 'https://shop.example/thanks?sid={checkout.order.id}',
    push: 'https://shop.example/push?sid={checkout.order.id}',
  });

  // Checkout v3: createOrder -> POST /checkout/v3/orders
  const created = await step('createOrder', () => klarnaCheckout.createOrder(order(2)));
  check('createOrder: HTTP 201', last.status === 201, last.status);
  check('createOrder: sent "Basic  <b64>" (two spaces) and was accepted', /^Basic {2}/.test(last.auth));
  const id = created.order_id;
  check('createOrder: order_id returned', typeof id === 'string' && id.length > 0, created);
  check('createOrder: Location header is the order URL',
    last.headers.location === `${BASE}/checkout/v3/orders/${id}`, last.headers.location);
  check('createOrder: status checkout_incomplete', created.status === 'checkout_incomplete', created.status);
  check('createOrder: html_snippet present', typeof created.html_snippet === 'string' && created.html_snippet.length > 0);
  check('createOrder: amounts echoed', created.order_amount === 20000 && created.order_tax_amount === 4000);
  check('createOrder: merchant_urls echoed', created.merchant_urls && created.merchant_urls.push === 'https://shop.example/push?sid={checkout.order.id}', created.merchant_urls);

  // getOrder -> GET /checkout/v3/orders/{id} (the SDK returns the raw string)
  const gotRaw = await step('getOrder', () => klarnaCheckout.getOrder(id));
  check('getOrder: HTTP 200', last.status === 200, last.status);
  const got = JSON.parse(gotRaw);
  check('getOrder: same order, checkout_incomplete', got.order_id === id && got.status === 'checkout_incomplete', got.status);

  // updateOrder -> POST /checkout/v3/orders/{id}
  const upd = Object.assign(order(3), { merchant_reference1: 'SHOP-1001', merchant_reference2: 'cart-77' });
  const updated = await step('updateOrder', () => klarnaCheckout.updateOrder(id, upd));
  check('updateOrder: HTTP 200', last.status === 200, last.status);
  check('updateOrder: new amount and references',
    updated.order_amount === 30000 && updated.order_lines[0].quantity === 3 &&
    updated.merchant_reference1 === 'SHOP-1001' && updated.merchant_reference2 === 'cart-77', updated);
  check('updateOrder: still checkout_incomplete', updated.status === 'checkout_incomplete', updated.status);

  // Complete the purchase headlessly (Kassa test helper, not part of the SDK).
  const done = await api('POST', `/test-helpers/checkout/v3/orders/${id}/complete`, { payment_method: 'INVOICE' });
  check('test helper complete: HTTP 200', done.status === 200, done);

  const afterRaw = await step('getOrder after completion', () => klarnaCheckout.getOrder(id));
  const after = JSON.parse(afterRaw);
  check('getOrder after completion: checkout_complete', after.status === 'checkout_complete', after.status);
  check('getOrder after completion: completed_at set', typeof after.completed_at === 'string', after.completed_at);

  // Updating a completed checkout must be refused (read-only resource).
  let refused = null;
  try { await klarnaCheckout.updateOrder(id, order(1)); } catch (e) { refused = e; }
  check('updateOrder after completion: refused with 403', refused && refused.statusCode === 403,
    refused ? { status: refused.statusCode, body: refused.error } : 'accepted');

  let om = await api('GET', `/ordermanagement/v1/orders/${id}`);
  check('OM GET: AUTHORIZED, 30000 authorized', om.status === 200 && om.body.status === 'AUTHORIZED' &&
    om.body.order_amount === 30000 && om.body.remaining_authorized_amount === 30000, om.body && om.body.status);
  check('OM GET: merchant references carried over', om.body.merchant_reference1 === 'SHOP-1001' &&
    om.body.merchant_reference2 === 'cart-77', [om.body.merchant_reference1, om.body.merchant_reference2]);

  // Order Management v1: acknowledgeOrder -> POST .../acknowledge with body {}
  await step('acknowledgeOrder', () => klarnaOrderManagement.acknowledgeOrder(id));
  check('acknowledgeOrder: HTTP 204', last.status === 204, last.status);

  // captureOrder(data, id) -> POST .../captures
  await step('captureOrder (partial)', () => klarnaOrderManagement.captureOrder(
    { captured_amount: 10000, description: 'first parcel', order_lines: [line(1, 10000)] }, id));
  check('captureOrder: HTTP 201', last.status === 201, last.status);
  const captureId = last.headers['capture-id'];
  check('captureOrder: Capture-Id header', !!captureId, last.headers);
  check('captureOrder: Location header ends with capture id', (last.headers.location || '')
    .endsWith(`/ordermanagement/v1/orders/${id}/captures/${captureId}`), last.headers.location);

  om = await api('GET', `/ordermanagement/v1/orders/${id}`);
  check('OM GET after capture: PART_CAPTURED, captured 10000, remaining 20000',
    om.body.status === 'PART_CAPTURED' && om.body.captured_amount === 10000 &&
    om.body.remaining_authorized_amount === 20000, om.body);
  check('OM GET after capture: capture listed with Capture-Id',
    om.body.captures.length === 1 && om.body.captures[0].capture_id === captureId &&
    om.body.captures[0].captured_amount === 10000, om.body.captures);

  await step('captureOrder (rest)', () => klarnaOrderManagement.captureOrder({ captured_amount: 20000 }, id));
  check('captureOrder rest: HTTP 201', last.status === 201, last.status);
  om = await api('GET', `/ordermanagement/v1/orders/${id}`);
  check('OM GET: CAPTURED, captured 30000, remaining 0', om.body.status === 'CAPTURED' &&
    om.body.captured_amount === 30000 && om.body.remaining_authorized_amount === 0, om.body);

  // Over-capture: the SDK rejects; check Klarna's error body.
  let over = null;
  try { await klarnaOrderManagement.captureOrder({ captured_amount: 1 }, id); } catch (e) { over = e; }
  check('captureOrder beyond the authorization: 403 CAPTURE_NOT_ALLOWED',
    over && over.statusCode === 403 && over.error && over.error.error_code === 'CAPTURE_NOT_ALLOWED' &&
    Array.isArray(over.error.error_messages) && typeof over.error.correlation_id === 'string',
    over ? { status: over.statusCode, body: over.error } : 'accepted');

  finish();
})();
