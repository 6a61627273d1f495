<?php
// Drive Klarna's official (archived) PHP SDK klarna/kco_rest_php v4 against Kassa
// through its dependency-free CURLConnector. The SDK is not vendored: see
// ../README.md. Only the base URL (a constructor argument) differs from Klarna.
// Usage: KASSA_URL=... KASSA_USERNAME=... KASSA_PASSWORD=... php check.php /path/to/kco_rest_php/src
// Optional second argument "guzzle": use GuzzleConnector with Debian's Guzzle instead.
require $argv[1] . '/autoload.php';
if (($argv[2] ?? '') === 'guzzle') {
    require '/usr/share/php/GuzzleHttp/autoload.php';
}

use Klarna\Rest\Checkout\Order as CheckoutOrder;
use Klarna\Rest\OrderManagement\Order;
use Klarna\Rest\Transport\CURLConnector;
use Klarna\Rest\Transport\Exception\ConnectorException;
use Klarna\Rest\Transport\GuzzleConnector;
use Klarna\Rest\Transport\UserAgent;

$base = rtrim(getenv('KASSA_URL'), '/');
$user = getenv('KASSA_USERNAME');
$pass = getenv('KASSA_PASSWORD');
$connector = (($argv[2] ?? '') === 'guzzle')
    ? new GuzzleConnector(new GuzzleHttp\Client(['base_uri' => $base]), $user, $pass, UserAgent::createDefault())
    : CURLConnector::create($user, $pass, $base);

$failures = 0;
function check($what, $cond, $detail = null)
{
    global $failures;
    if ($cond) {
        echo "ok   $what\n";
        return;
    }
    $failures++;
    echo "FAIL $what" . ($detail === null ? '' : ' :: ' . json_encode($detail)) . "\n";
}
function step($what, $fn)
{
    try {
        $r = $fn();
        check($what, true);
        return $r;
    } catch (ConnectorException $e) {
        check($what, false, [get_class($e), $e->getCode(), $e->getMessage(), $e->getCorrelationId()]);
    } catch (\Throwable $e) {
        check($what, false, [get_class($e), $e->getMessage()]);
    }
    return null;
}
function helper_complete($base, $user, $pass, $id)
{
    $ch = curl_init("$base/test-helpers/checkout/v3/orders/$id/complete");
    curl_setopt_array($ch, [CURLOPT_USERPWD => "$user:$pass", CURLOPT_POST => 1, CURLOPT_POSTFIELDS => '{}',
        CURLOPT_HTTPHEADER => ['Content-Type: application/json'], CURLOPT_RETURNTRANSFER => 1]);
    curl_exec($ch);
    return curl_getinfo($ch, CURLINFO_HTTP_CODE);
}
function line($qty, $unit)
{
    return ['type' => 'physical', 'reference' => 'SKU-1', 'name' => 'Camera Travel Set', 'quantity' => $qty,
        'quantity_unit' => 'pcs', 'unit_price' => $unit, 'tax_rate' => 2500, 'total_amount' => $qty * $unit,
        'total_discount_amount' => 0, 'total_tax_amount' => intdiv($qty * $unit, 5)];
}
function checkout_data($qty)
{
    return ['purchase_country' => 'SE', 'purchase_currency' => 'SEK', 'locale' => 'sv-SE',
        'order_amount' => $qty * 10000, 'order_tax_amount' => $qty * 2000, 'order_lines' => [line($qty, 10000)],
        'merchant_urls' => ['terms' => 'https://shop.example/terms', 'checkout' => 'https://shop.example/checkout',
            'confirmation' => 'https://shop.example/thanks', 'push' => 'https://shop.example/push']];
}

// ---- Checkout v3 ------------------------------------------------------------
$checkout = new CheckoutOrder($connector);
step('Checkout\Order::create (expects 201 + Location)', fn () => $checkout->create(checkout_data(3)));
$id = $checkout['order_id'] ?? null;
check('create: checkout_incomplete, Location kept', ($checkout['status'] ?? null) === 'checkout_incomplete'
    && $checkout->getLocation() === "$base/checkout/v3/orders/$id", [$checkout['status'] ?? null, $checkout->getLocation()]);
step('Checkout\Order::fetch', fn () => $checkout->fetch());
check('fetch: same order', ($checkout['order_id'] ?? null) === $id);
step('Checkout\Order::update (expects 200)', fn () => $checkout->update(['merchant_reference1' => 'SHOP-1001']));
check('update: merchant_reference1 set', ($checkout['merchant_reference1'] ?? null) === 'SHOP-1001');
check('test helper complete: 200', helper_complete($base, $user, $pass, $id) === 200);
step('Checkout\Order::fetch after completion', fn () => $checkout->fetch());
check('fetch: checkout_complete', ($checkout['status'] ?? null) === 'checkout_complete', $checkout['status'] ?? null);

// ---- Order Management v1 ----------------------------------------------------
$order = new Order($connector, $id);
step('OrderManagement\Order::fetch', fn () => $order->fetch());
check('fetch: AUTHORIZED 30000', ($order['status'] ?? null) === 'AUTHORIZED' && ($order['order_amount'] ?? null) === 30000);
$expires = $order['expires_at'] ?? '';
step('acknowledge (expects 204)', fn () => $order->acknowledge());
step('updateMerchantReferences', fn () => $order->updateMerchantReferences(['merchant_reference2' => 'cart-77']));
step('updateCustomerDetails', fn () => $order->updateCustomerDetails(['shipping_address' => [
    'given_name' => 'Test', 'family_name' => 'Person', 'street_address' => 'Drottninggatan 1',
    'postal_code' => '111 51', 'city' => 'Stockholm', 'country' => 'SE', 'email' => 't@example.com']]));
step('updateAuthorization 30000 -> 28000', fn () => $order->updateAuthorization(
    ['order_amount' => 28000, 'order_lines' => [line(2, 14000)]]));
step('extendAuthorizationTime', fn () => $order->extendAuthorizationTime());
$cap = step('createCapture 14000 (expects 201 + Location)', fn () => $order->createCapture(
    ['captured_amount' => 14000, 'reference' => 'parcel-1', 'order_lines' => [line(1, 14000)]]));
step('Capture::fetch (via Location)', fn () => $cap ? $cap->fetch() : null);
check('capture: amount 14000', $cap && ($cap['captured_amount'] ?? null) === 14000);
step('Capture::addShippingInfo', fn () => $cap->addShippingInfo(['shipping_info' => [
    ['shipping_company' => 'PostNord', 'tracking_number' => 'RR123456785SE']]]));
step('Capture::triggerSendout', fn () => $cap->triggerSendout());
$capId = $cap['capture_id'] ?? null;
step('fetchCapture(id)', fn () => $order->fetchCapture($capId));
step('fetchCaptures', fn () => $order->fetchCaptures());
$ref = step('refund 4000 (expects 201 + Location)', fn () => $order->refund(['refunded_amount' => 4000, 'reference' => 'ret-1']));
step('Refund::fetch (via Location)', fn () => $ref ? $ref->fetch() : null);
check('refund: amount 4000', $ref && ($ref['refunded_amount'] ?? null) === 4000);
step('releaseRemainingAuthorization', fn () => $order->releaseRemainingAuthorization());
step('OrderManagement\Order::fetch', fn () => $order->fetch());
check('final: CAPTURED 14000, refunded 4000, remaining 0, references, later expiry',
    ($order['status'] ?? null) === 'CAPTURED' && ($order['captured_amount'] ?? null) === 14000
    && ($order['refunded_amount'] ?? null) === 4000 && ($order['remaining_authorized_amount'] ?? null) === 0
    && ($order['merchant_reference1'] ?? null) === 'SHOP-1001' && ($order['merchant_reference2'] ?? null) === 'cart-77'
    && ($order['expires_at'] ?? '') > $expires,
    [$order['status'] ?? null, $order['captured_amount'] ?? null, $order['refunded_amount'] ?? null,
     $order['remaining_authorized_amount'] ?? null, $order['merchant_reference1'] ?? null,
     $order['merchant_reference2'] ?? null, $order['expires_at'] ?? null, $expires]);

// ---- cancel on a second order, and an error the SDK turns into ConnectorException
$checkout2 = new CheckoutOrder($connector);
step('Checkout\Order::create (order B)', fn () => $checkout2->create(checkout_data(1)));
$id2 = $checkout2['order_id'] ?? null;
check('test helper complete (order B): 200', helper_complete($base, $user, $pass, $id2) === 200);
$order2 = new Order($connector, $id2);
step('cancel (order B)', fn () => $order2->cancel());
step('fetch (order B)', fn () => $order2->fetch());
check('order B: CANCELLED', ($order2['status'] ?? null) === 'CANCELLED', $order2['status'] ?? null);
try {
    $order2->createCapture(['captured_amount' => 100]);
    check('capture on cancelled order raises ConnectorException', false, 'succeeded');
} catch (ConnectorException $e) {
    check('capture on cancelled order: ConnectorException 403 CAPTURE_NOT_ALLOWED with correlation id',
        $e->getCode() === 403 && str_starts_with($e->getMessage(), 'CAPTURE_NOT_ALLOWED') && $e->getCorrelationId(),
        [$e->getCode(), $e->getMessage()]);
}

echo $failures ? "\n$failures check(s) failed\n" : "\nall kco_rest_php checks passed\n";
exit($failures ? 1 : 0);
