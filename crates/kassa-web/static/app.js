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

// ---- Order page (issue 9, job "order") ----------------------------------------------------
// Each action's button is a link to the action's own page; here it opens the same form in a
// <dialog> instead. Links marked data-close-dialog close the dialog they are in.
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const opener = target?.closest("a[data-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialog);
    if (dialog instanceof HTMLDialogElement && dialog.showModal) {
      event.preventDefault();
      dialog.showModal();
      dialog.querySelector("input:not([type=hidden]), select, button")?.focus();
    }
    return;
  }
  const closer = target?.closest("[data-close-dialog]");
  const dialog = closer?.closest("dialog");
  if (closer && dialog?.open) {
    event.preventDefault();
    dialog.close();
  }
});

// Capture and refund: the chosen way and the amount are never ambiguous. Typing an amount
// chooses "An amount", a quantity chooses "Chosen lines"; the buttons say what will happen
// ("Capture SEK 10.00"), and on submit the fields of the ways not chosen are emptied, so the
// server (which refuses an amount sent with another way) gets exactly what the button said.
const parseMinor = (text) => {
  const t = text.trim().replace(/[\s\u00a0]/g, "");
  const m = /^(\d*)(?:[.,](\d{0,2}))?$/.exec(t);
  if (!t || !m || (!m[1] && !m[2])) return null;
  const minor = Number(m[1] || "0") * 100 + Number((m[2] || "").padEnd(2, "0"));
  return Number.isSafeInteger(minor) ? minor : null;
};

const formatMinor = (form, minor) => {
  const { moneyPattern, moneyGroup, moneyDecimal } = form.dataset;
  const major = String(Math.floor(minor / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, moneyGroup);
  const cents = String(minor % 100).padStart(2, "0");
  return moneyPattern.replace("{n}", `${major}${moneyDecimal}${cents}`);
};

// What the form takes as it is filled in now, in minor units, or null when it cannot tell.
const amountOf = (form) => {
  const mode = form.querySelector("input[name=mode]:checked")?.value;
  if (mode === "full") return Number(form.dataset.full);
  if (mode === "amount") {
    const minor = parseMinor(form.querySelector("input[name=amount]")?.value ?? "");
    return minor && minor > 0 ? minor : null;
  }
  if (mode === "lines") {
    let sum = 0;
    for (const field of form.querySelectorAll("input[data-unit-price]")) {
      const q = Number(field.value || "0");
      if (!Number.isInteger(q) || q < 0) return null;
      const ordered = Number(field.dataset.quantity);
      const discount = ordered > 0 ? Math.trunc((Number(field.dataset.discount) * q) / ordered) : 0;
      sum += q * Number(field.dataset.unitPrice) - discount;
    }
    return sum > 0 ? sum : null;
  }
  return null;
};

const updateAmountLabels = (form) => {
  const minor = amountOf(form);
  for (const element of form.querySelectorAll("[data-amount-label]")) {
    if (!element.dataset.neutralLabel) element.dataset.neutralLabel = element.textContent;
    element.textContent =
      minor === null
        ? element.dataset.neutralLabel
        : element.dataset.amountLabel.replace("{amount}", formatMinor(form, minor));
  }
};

for (const form of document.querySelectorAll("form[data-amount-form]")) {
  form.addEventListener("input", (event) => {
    const field = event.target;
    const mode = field instanceof HTMLInputElement ? field.dataset.selectsMode : undefined;
    if (mode && field.value.trim() !== "" && field.value.trim() !== "0") {
      const radio = form.querySelector(`input[name=mode][value=${mode}]`);
      if (radio) radio.checked = true;
    }
    updateAmountLabels(form);
  });
  form.addEventListener("change", () => updateAmountLabels(form));
  form.addEventListener("submit", () => {
    const mode = form.querySelector("input[name=mode]:checked")?.value;
    if (mode !== "amount") {
      const amount = form.querySelector("input[name=amount]");
      if (amount) amount.value = "";
    }
    if (mode !== "lines") {
      for (const field of form.querySelectorAll("input[data-unit-price]")) field.value = "0";
    }
  });
  updateAmountLabels(form);
}

// Custom reports: while one is being made, the list (which says how far it is, and has a
// Refresh link without JavaScript) is fetched again every few seconds and swapped in place,
// so the form above keeps what is being typed.
const refreshing = document.querySelector("[data-refresh]");
if (refreshing?.id) {
  const every = Number(refreshing.dataset.refresh) || 3000;
  const refresh = async () => {
    const current = document.getElementById(refreshing.id);
    if (!current?.dataset.refresh) return;
    try {
      const response = await fetch(location.pathname, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(refreshing.id);
      if (fresh) current.replaceWith(document.importNode(fresh, true));
    } finally {
      setTimeout(refresh, every);
    }
  };
  setTimeout(refresh, every);
}

// The browser's timezone, offered to the server in a cookie: at sign-in, an account that
// never chose a timezone takes it (the server checks it is an IANA name).
try {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && /^[A-Za-z0-9_/+-]{1,64}$/.test(zone) && !document.cookie.split("; ").includes(`kassa_tz=${zone}`)) {
    const secure = location.protocol === "https:" ? "; secure" : "";
    document.cookie = `kassa_tz=${zone}; path=/; max-age=31536000; samesite=lax${secure}`;
  }
} catch {
  // No Intl time zones: the account keeps its default until the member chooses.
}
