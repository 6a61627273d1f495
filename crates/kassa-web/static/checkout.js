// Enhancement for the hosted checkout page. Without it the page still works: every field
// shows and the form posts.

// Card fields only while "Card" is the chosen payment method. Hidden fields are also
// disabled, so nothing typed there is sent for another method.
const form = document.querySelector("form[data-checkout]");
const card = document.querySelector("[data-card-fields]");

const showCardFields = () => {
  if (!form || !card) return;
  const chosen = form.querySelector("input[name=payment_method]:checked");
  const isCard = chosen?.value === "CARD";
  card.hidden = !isCard;
  for (const input of card.querySelectorAll("input")) input.disabled = !isCard;
};

form?.addEventListener("change", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.name === "payment_method") showCardFields();
});
showCardFields();

// Inside the merchant's page (html_snippet's iframe), tell the frame how tall the page is,
// so it grows and shrinks with its content instead of scrolling inside. Only a height is
// sent, so any parent may read it; the frame's own script checks where it came from.
// The content's height, not the document's: the body is at least as tall as the frame, so
// measuring the document would let the frame grow but never shrink.
const content = document.querySelector("main");
if (window.parent !== window && content) {
  let last = 0;
  const report = () => {
    const height = Math.ceil(content.getBoundingClientRect().bottom + window.scrollY);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "kassa-checkout:height", height }, "*");
  };
  new ResizeObserver(report).observe(content);
  report();
}
