// Progressive enhancement for the portal. Every page works without this file: forms post,
// links navigate and <details> menus open and close on their own.

// A select marked data-autosubmit submits its form on change, so its submit button can go.
for (const button of document.querySelectorAll("[data-autosubmit-button]")) {
  button.hidden = true;
}

document.addEventListener("change", (event) => {
  const field = event.target;
  if (!(field instanceof Element) || !field.matches("[data-autosubmit]") || !field.form) return;
  if (field.form.requestSubmit) field.form.requestSubmit();
  else field.form.submit();
});

// Dropdown menus: one open at a time; a click outside, leaving by keyboard or Escape closes them.
const menus = [...document.querySelectorAll("details.menu")];

const closeMenu = (menu, returnFocus) => {
  menu.open = false;
  if (returnFocus) menu.querySelector(":scope > summary")?.focus();
};

for (const menu of menus) {
  menu.addEventListener("toggle", () => {
    if (!menu.open) return;
    for (const other of menus) {
      if (other !== menu && other.open) closeMenu(other, false);
    }
  });
  menu.addEventListener("focusout", (event) => {
    if (menu.open && event.relatedTarget instanceof Node && !menu.contains(event.relatedTarget)) {
      closeMenu(menu, false);
    }
  });
}

// pointerdown rather than click: iOS Safari sends no click for taps on plain content.
document.addEventListener("pointerdown", (event) => {
  for (const menu of menus) {
    if (menu.open && !menu.contains(event.target)) closeMenu(menu, false);
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of menus) {
    if (menu.open) {
      closeMenu(menu, true);
      event.preventDefault();
    }
  }
});

// Copy buttons: <button type="button" data-copy="text" data-copied-label="Copied">.
// The label (translated by the server) is shown for a moment and announced to screen readers.
let announcer;

const announce = (message) => {
  if (!announcer) {
    announcer = document.createElement("div");
    announcer.className = "visually-hidden";
    announcer.setAttribute("role", "status");
    document.body.append(announcer);
  }
  announcer.textContent = "";
  // A fresh text node after a tick makes screen readers repeat the same message.
  setTimeout(() => {
    announcer.textContent = message;
  }, 50);
};

const copyText = async (text) => {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-HTTP fallback (local demo): copy from a temporary, off-screen text area.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("copy refused");
};

// The original label and reset timer of each button showing a copy result.
const copyStates = new WeakMap();

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (!button) return;
  event.preventDefault();
  let result = "copied";
  try {
    await copyText(button.dataset.copy);
  } catch {
    result = "failed";
  }
  const previous = copyStates.get(button);
  clearTimeout(previous?.timer);
  const label = previous?.label ?? button.textContent;
  const message = result === "copied" ? button.dataset.copiedLabel : button.dataset.failedLabel;
  // Only a text-only button has its text swapped; one with an icon keeps its content.
  const swapText = Boolean(message) && button.childElementCount === 0;
  button.dataset.state = result;
  if (swapText) button.textContent = message;
  if (message) announce(message);
  const timer = setTimeout(() => {
    if (swapText) button.textContent = label;
    delete button.dataset.state;
    copyStates.delete(button);
  }, 2000);
  copyStates.set(button, { label, timer });
});

// Charts: an svg with preserveAspectRatio="none" stretches to its box (full width, fixed
// height), which would stretch its text too. Each label is scaled back horizontally around its
// anchor point, so it reads at its natural proportions at any width. Without this file the
// labels are merely stretched.
const unstretchLabels = (svg) => {
  const box = svg.viewBox.baseVal;
  const width = svg.clientWidth;
  const height = svg.clientHeight;
  if (!box || !box.width || !box.height || !width || !height) return;
  const factor = (height / box.height) / (width / box.width);
  for (const label of svg.querySelectorAll("text")) {
    const first = (list) => (list.numberOfItems ? list.getItem(0).value : 0);
    const x = first(label.x.baseVal);
    const y = first(label.y.baseVal);
    label.setAttribute("transform", `translate(${x} ${y}) scale(${factor} 1) translate(${-x} ${-y})`);
  }
};

const stretchedCharts = document.querySelectorAll('svg.chart[preserveAspectRatio="none"]');
if (stretchedCharts.length && "ResizeObserver" in window) {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) unstretchLabels(entry.target);
  });
  for (const svg of stretchedCharts) observer.observe(svg);
}

// ---- issue 9, job "ux" ----
// "Select all" for a list's checkboxes: <input type="checkbox" data-select-all="NAME" hidden>
// ticks every box named NAME in its form. Hidden without this script, where it could do nothing.
for (const all of document.querySelectorAll("input[data-select-all]")) {
  const boxes = () => [...(all.form?.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`) ?? [])];
  if (boxes().length === 0) continue;
  all.hidden = false;
  const sync = () => {
    const ticked = boxes().filter((b) => b.checked).length;
    all.checked = ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  };
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  all.form?.addEventListener("change", (event) => {
    if (event.target !== all) sync();
  });
}
