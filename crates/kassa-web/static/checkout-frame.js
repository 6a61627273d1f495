// Loaded by the merchant's page next to the checkout iframe (see html_snippet): sizes the
// iframe to the height the checkout page reports. Messages count only from the checkout's
// own origin and from that iframe.
const origin = new URL(document.currentScript.src).origin;

window.addEventListener("message", (event) => {
  const frame = document.getElementById("kassa-checkout-iframe");
  if (!frame || event.origin !== origin || event.source !== frame.contentWindow) return;
  const data = event.data;
  if (!data || data.type !== "kassa-checkout:height" || !Number.isFinite(data.height)) return;
  frame.style.height = `${Math.max(200, Math.min(data.height, 10000))}px`;
});
