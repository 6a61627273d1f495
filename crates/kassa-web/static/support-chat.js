// Live support chat (portal and back office). The page works without this file: its form
// posts and the page reloads. Here the form's messages go over a WebSocket instead, and
// new messages, typing and read state arrive as they happen.
//
// Reconnecting: the socket is opened with the id of the last message the page shows, and
// the server sends everything after it, so nothing is missed after a dropped connection.
// A message typed while offline waits in `outbox` and is sent again on reconnect with the
// same client id: the server stores it once and sends it back once.

const form = document.querySelector("form[data-chat-ws]");
const log = document.getElementById("chat-log");

if (form && log) {
  const conversation = form.dataset.conversation;
  const textarea = form.querySelector("textarea[name=body]");
  const status = document.getElementById("chat-status");
  const typingLine = document.getElementById("chat-typing");
  const words = form.dataset;
  let lastId = Number(log.dataset.lastId || "0");
  let socket = null;
  let attempt = 0;
  let lastTyping = 0;
  let typingTimer = null;
  const outbox = new Map();

  const newClientId = () => {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "j-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  const say = (text) => {
    if (status) status.textContent = text || "";
  };

  const send = (frame) => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  };

  const markRead = () => {
    if (document.visibilityState === "visible" && lastId > 0) send({ t: "read", upto: lastId });
  };

  const messageItem = (m) => {
    const li = document.createElement("li");
    if (m.event) {
      li.className = "chat-event";
      li.dataset.event = m.event;
      const span = document.createElement("span");
      span.innerHTML = m.html; // escaped by the server (kassa-core message_html)
      const time = document.createElement("time");
      time.className = "muted";
      time.textContent = m.at;
      li.append(span, " ", time);
    } else {
      li.className = "chat-message" + (m.mine ? " chat-mine" : "");
      li.dataset.clientId = m.client_id;
      li.dataset.sender = m.sender;
      const meta = document.createElement("p");
      meta.className = "chat-meta";
      const name = document.createElement("span");
      name.className = "chat-name";
      name.textContent = m.name;
      const time = document.createElement("time");
      time.className = "muted";
      time.textContent = m.at;
      meta.append(name, " ", time);
      const body = document.createElement("div");
      body.className = "chat-body";
      body.innerHTML = m.html; // escaped by the server (kassa-core message_html)
      li.append(meta, body);
      if (m.attachment) {
        const file = document.createElement("p");
        file.className = "chat-file";
        const link = document.createElement("a");
        link.href = m.attachment.href;
        link.setAttribute("download", "");
        link.textContent = m.attachment.name;
        const about = document.createElement("span");
        about.className = "muted";
        about.textContent = `${m.attachment.kind}, ${m.attachment.size}`;
        file.append(link, " ", about);
        li.append(file);
      }
    }
    li.dataset.id = String(m.id);
    return li;
  };

  const onMessage = (m) => {
    if (m.id <= lastId || log.querySelector(`li[data-id="${m.id}"]`)) return;
    const pending = m.client_id ? log.querySelector(`li.chat-pending[data-client-id="${CSS.escape(m.client_id)}"]`) : null;
    const item = messageItem(m);
    if (pending) {
      pending.replaceWith(item);
      outbox.delete(m.client_id);
    } else {
      // Confirmed messages go before any still pending.
      const firstPending = log.querySelector("li.chat-pending");
      log.insertBefore(item, firstPending);
    }
    lastId = m.id;
    log.dataset.lastId = String(lastId);
    if (m.event === "closed") {
      textarea.disabled = true;
      form.querySelector("button[type=submit]").disabled = true;
      say(words.ended);
    }
    if (!m.mine) {
      typingLine.hidden = true;
      markRead();
    }
    item.scrollIntoView({ block: "nearest" });
  };

  const onFrame = (frame) => {
    switch (frame.t) {
      case "message":
        onMessage(frame);
        break;
      case "typing":
        typingLine.textContent = (words.typing || "{name}…").replace("{name}", frame.name);
        typingLine.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => (typingLine.hidden = true), 5000);
        break;
      case "read":
        for (const li of log.querySelectorAll("li.chat-mine")) {
          if (Number(li.dataset.id) <= frame.upto) li.classList.add("chat-read");
        }
        say(words.read);
        break;
      case "error": {
        const li = frame.client_id && log.querySelector(`li.chat-pending[data-client-id="${CSS.escape(frame.client_id)}"]`);
        if (frame.client_id) outbox.delete(frame.client_id);
        const text = words["error" + frame.code.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())] || words.errorFailed;
        if (li) {
          li.classList.add("chat-failed");
          const p = document.createElement("p");
          p.className = "chat-error";
          p.textContent = text;
          li.append(p);
          li.classList.remove("chat-pending");
        }
        say(text);
        break;
      }
    }
  };

  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}${form.dataset.chatWs}?conversation=${encodeURIComponent(conversation)}&after=${lastId}`;
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      attempt = 0;
      say("");
      for (const [client_id, body] of outbox) send({ t: "send", client_id, body });
      markRead();
    });
    socket.addEventListener("message", (event) => {
      try {
        onFrame(JSON.parse(event.data));
      } catch (e) {
        console.warn("chat frame", e);
      }
    });
    socket.addEventListener("close", () => {
      socket = null;
      // Backoff: 0.5 s, 1 s, 2 s … up to 30 s, with jitter so a restarted server is not
      // hit by every browser at once.
      const delay = Math.min(30000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
      attempt += 1;
      say(words.reconnecting);
      setTimeout(connect, delay);
    });
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = textarea.value.trim();
    if (!body) return;
    const client_id = newClientId();
    const li = messageItem({ id: 0, client_id, mine: true, name: words.you || "", at: "", html: "", sender: "" });
    li.classList.add("chat-pending");
    delete li.dataset.id;
    li.querySelector(".chat-body").textContent = body;
    log.append(li);
    li.scrollIntoView({ block: "nearest" });
    outbox.set(client_id, body);
    send({ t: "send", client_id, body });
    // A reset, not `value = ""`: it also forgets that the box was typed in, so the empty box
    // is not shown as wrongly filled (:user-invalid) while the next message is awaited.
    form.reset();
    textarea.focus();
  });

  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 3000) {
      lastTyping = now;
      send({ t: "typing" });
    }
  });

  // Enter sends, Shift+Enter starts a new line.
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.addEventListener("visibilitychange", markRead);

  // Canned replies (back office): choosing one fills the message box.
  const canned = document.getElementById("chat-canned");
  if (canned) {
    canned.addEventListener("change", () => {
      const option = canned.selectedOptions[0];
      if (option && option.dataset.body) {
        textarea.value = option.dataset.body;
        textarea.focus();
      }
    });
  }

  // A file: the form is sent in the background; the stored message arrives on the socket.
  // A refusal comes back as the page's address with `error=`, its words on the form.
  const attach = document.getElementById("chat-attach");
  if (attach) {
    const fileWords = {
      "file-too-large": attach.dataset.errorFileTooLarge,
      "file-type": attach.dataset.errorFileType,
      "file-empty": attach.dataset.errorFileEmpty,
    };
    const fileInput = document.getElementById("chat-file");
    const fileError = document.getElementById("chat-file-error");
    const refuse = (text) => {
      fileError.textContent = text || "";
      fileInput.setAttribute("aria-invalid", text ? "true" : "false");
    };
    attach.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = attach.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const res = await fetch(attach.action, { method: "POST", body: new FormData(attach), credentials: "same-origin" });
        const code = new URL(res.url, location.href).searchParams.get("error");
        if (!res.ok || code) {
          refuse(fileWords[code] || words["error" + (code || "failed").replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())] || words.errorFailed);
        } else {
          attach.reset();
          attach.querySelector("input[name=client_id]").value = newClientId();
          refuse("");
        }
      } catch (e) {
        refuse(words.errorFailed);
      } finally {
        button.disabled = false;
      }
    });
  }

  connect();
}

// The agents' queue (back office console): sent again by the server whenever it changes
// and every 30 seconds (the wait times), as HTML the server rendered (and escaped), with a
// digest of it.
const queueBody = document.querySelector("[data-queue-ws]");
if (queueBody) {
  let attempt = 0;
  const connectQueue = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}${queueBody.dataset.queueWs}`);
    socket.addEventListener("open", () => (attempt = 0));
    socket.addEventListener("message", (event) => {
      try {
        const frame = JSON.parse(event.data);
        // Only a changed queue is drawn again (a link the agent is about to click stays).
        if (frame.t === "queue" && frame.key !== queueBody.dataset.queueKey) {
          queueBody.innerHTML = frame.html;
          queueBody.dataset.queueKey = frame.key;
        }
      } catch (e) {
        console.warn("queue frame", e);
      }
    });
    socket.addEventListener("close", () => {
      const delay = Math.min(30000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
      attempt += 1;
      setTimeout(connectQueue, delay);
    });
  };
  connectQueue();
}
