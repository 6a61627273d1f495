// The support panel (issue 16). Without this script the support button is a link to
// /portal/help, where the same search and assistant work as plain forms. With it, the button
// opens a panel: search, the page's own articles, the assistant and "Chat with us". Whether
// the panel is open, the last search and the last answer live in sessionStorage, so they
// survive moving between pages.

const KEY = "kassa-help";
const fab = document.querySelector("[data-help-fab]");
const panel = document.querySelector("[data-help-panel]");

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || {};
  } catch {
    return {};
  }
}

function save(patch) {
  const state = Object.assign(load(), patch);
  try {
    sessionStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // Storage may be full or off: the panel still works, it only forgets.
  }
  return state;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

if (fab && panel && typeof panel.show === "function") {
  const searchForm = panel.querySelector("[data-help-search]");
  const queryInput = searchForm.querySelector('input[name="q"]');
  const results = panel.querySelector("[data-help-results]");
  const askForm = panel.querySelector("[data-help-ask]");
  const questionInput = askForm.querySelector('textarea[name="question"]');
  const answer = panel.querySelector("[data-help-answer]");
  const closeButton = panel.querySelector("[data-help-close]");

  fab.setAttribute("role", "button");
  fab.setAttribute("aria-expanded", "false");
  fab.setAttribute("aria-haspopup", "dialog");

  // The fragments come from Kassa's own templates, escaped there.
  function showHtml(target, html) {
    target.innerHTML = html || "";
  }

  function open(focus) {
    if (!panel.open) panel.show();
    fab.setAttribute("aria-expanded", "true");
    save({ open: true });
    if (focus) queryInput.focus();
  }

  function close() {
    if (panel.open) panel.close();
    fab.setAttribute("aria-expanded", "false");
    save({ open: false });
    fab.focus();
  }

  fab.addEventListener("click", (event) => {
    event.preventDefault();
    if (panel.open) close();
    else open(true);
  });
  fab.addEventListener("keydown", (event) => {
    // A link answers Enter; as a button it answers Space too.
    if (event.key === " ") {
      event.preventDefault();
      fab.click();
    }
  });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  async function search(query) {
    const url = "/portal/help?" + new URLSearchParams({ q: query });
    const res = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!res.ok) throw new Error(String(res.status));
    return res.json();
  }

  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = queryInput.value.trim();
    if (!query) {
      showHtml(results, "");
      save({ query: "", results: "" });
      return;
    }
    try {
      const data = await search(query);
      showHtml(results, data.html);
      save({ query, results: data.html });
    } catch {
      // Let the help page answer instead.
      window.location.href = "/portal/help?" + new URLSearchParams({ q: query });
    }
  });

  askForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = questionInput.value.trim();
    if (!question) {
      questionInput.focus();
      return;
    }
    const body = new URLSearchParams(new FormData(askForm));
    try {
      const res = await fetch(askForm.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/x-www-form-urlencoded",
          "X-CSRF-Token": csrfToken(),
        },
        body,
      });
      if (!res.ok) throw new Error(String(res.status));
      const data = await res.json();
      showHtml(answer, data.html);
      save({ question, answer: data.html });
    } catch {
      askForm.submit();
    }
  });

  questionInput.addEventListener("input", () => save({ question: questionInput.value }));

  // Back where the user left it.
  const state = load();
  if (state.query) queryInput.value = state.query;
  if (state.results) showHtml(results, state.results);
  if (state.question) questionInput.value = state.question;
  if (state.answer) showHtml(answer, state.answer);
  if (state.open) open(false);
}
