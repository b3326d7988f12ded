/* The customers' chat page: speaks Rasa's socket.io channel on the page's own origin.
 *
 *   connect           -> emit session_request {session_id: stored id or null}
 *   session_confirm   <- the session id (kept in localStorage, so a reload continues it)
 *   send              -> emit user_uttered {message, session_id, message_id}
 *                        (sent again, same id, after a reconnect when no answer had come:
 *                        the server handles a message once and sends its answer again)
 *   bot_uttered       <- {text, quick_replies?: [{title, payload, content_type}], attachment?}
 *
 * Bot text is untrusted: it is only ever set with textContent. The transcript is kept in
 * localStorage under the session id and drawn again after a reload.
 */
(function () {
  "use strict";

  var SESSION_KEY = "chat.session_id";
  var TRANSCRIPT_KEY = "chat.transcript";
  var MAX_KEPT_MESSAGES = 200;
  var TYPING_TIMEOUT_MS = 20000;
  var RECONNECTED_SHOWN_MS = 3000;
  var SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

  var messagesEl = document.getElementById("messages");
  var typingEl = document.getElementById("typing");
  var inputEl = document.getElementById("input");
  var sendEl = document.getElementById("send");
  var formEl = document.getElementById("form");
  var bannerEl = document.getElementById("connection");
  var statusEl = document.getElementById("status");

  // ---- storage (localStorage may be unavailable, e.g. in some private modes) ----

  function load(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) {
      /* the chat still works, it just will not survive a reload */
    }
  }

  function storedSessionId() {
    var id = load(SESSION_KEY);
    return id && SESSION_ID_PATTERN.test(id) ? id : null;
  }

  function loadTranscript(id) {
    if (!id) return [];
    try {
      var saved = JSON.parse(load(TRANSCRIPT_KEY) || "null");
      if (saved && saved.session_id === id && Array.isArray(saved.messages)) {
        return saved.messages;
      }
    } catch (e) {
      /* a damaged transcript is dropped */
    }
    return [];
  }

  function saveTranscript() {
    if (!sessionId) return;
    if (transcript.length > MAX_KEPT_MESSAGES) {
      transcript = transcript.slice(transcript.length - MAX_KEPT_MESSAGES);
    }
    store(TRANSCRIPT_KEY, JSON.stringify({ session_id: sessionId, messages: transcript }));
  }

  // ---- state ----

  var sessionId = storedSessionId();
  var transcript = loadTranscript(sessionId); // [{who, text, quick_replies?, used?, chosen?}]
  var connected = false;
  var sessionConfirmed = false;
  var everConnected = false;
  var lostConnection = false;
  var typingTimer = null;
  var bannerTimer = null;

  function canSend() {
    return connected && sessionConfirmed && sessionId !== null;
  }

  function updateSendState() {
    sendEl.disabled = !(canSend() && inputEl.value.trim() !== "");
    sendEl.title = canSend() ? "" : "连接恢复后即可发送";
  }

  // ---- drawing ----

  function scrollToBottom() {
    messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  function avatar(who) {
    var el = document.createElement("div");
    el.className = "avatar " + (who === "bot" ? "avatar-bot" : "avatar-user");
    el.setAttribute("aria-hidden", "true"); // its letter comes from chat.css, not the text
    return el;
  }

  function disableQuickReplies(entry, chosenIndex) {
    entry.used = true;
    if (typeof chosenIndex === "number") entry.chosen = chosenIndex;
    if (!entry.el) return;
    var buttons = entry.el.querySelectorAll(".quick-replies button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
      if (i === entry.chosen) buttons[i].classList.add("chosen");
    }
  }

  function disableAllQuickReplies() {
    for (var i = 0; i < transcript.length; i++) {
      var entry = transcript[i];
      if (entry.quick_replies && entry.quick_replies.length && !entry.used) {
        disableQuickReplies(entry);
      }
    }
  }

  function drawQuickReplies(entry, body) {
    var box = document.createElement("div");
    box.className = "quick-replies";
    entry.quick_replies.forEach(function (reply, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = reply.title;
      button.disabled = !!entry.used;
      if (entry.used && entry.chosen === index) button.classList.add("chosen");
      button.addEventListener("click", function () {
        if (entry.used || !canSend()) return;
        disableQuickReplies(entry, index);
        send(reply.payload, reply.title);
      });
      box.appendChild(button);
    });
    body.appendChild(box);
  }

  function draw(entry) {
    var row = document.createElement("div");
    row.className = "msg " + (entry.who === "bot" ? "bot" : "user");
    row.appendChild(avatar(entry.who));
    var body = document.createElement("div");
    body.className = "body";
    if (entry.text) {
      var bubble = document.createElement("div");
      bubble.className = "bubble";
      bubble.textContent = entry.text;
      body.appendChild(bubble);
    } else if (entry.placeholder) {
      var note = document.createElement("div");
      note.className = "bubble placeholder";
      note.textContent = entry.placeholder;
      body.appendChild(note);
    }
    if (entry.quick_replies && entry.quick_replies.length) drawQuickReplies(entry, body);
    row.appendChild(body);
    messagesEl.insertBefore(row, typingEl);
    Object.defineProperty(entry, "el", { value: row, enumerable: false, writable: true });
    scrollToBottom();
  }

  function addMessage(entry) {
    transcript.push(entry);
    draw(entry);
    saveTranscript();
  }

  function addNotice(text) {
    var line = document.createElement("div");
    line.className = "notice-line";
    line.textContent = text;
    messagesEl.insertBefore(line, typingEl);
    scrollToBottom();
  }

  function showTyping() {
    typingEl.classList.remove("hidden");
    messagesEl.appendChild(typingEl);
    scrollToBottom();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typingTimer = null;
    typingEl.classList.add("hidden");
  }

  function showBanner(kind, text, hideAfterMs) {
    clearTimeout(bannerTimer);
    bannerEl.className = "connection " + kind;
    bannerEl.textContent = text;
    if (hideAfterMs) {
      bannerTimer = setTimeout(function () {
        bannerEl.className = "connection hidden";
        bannerEl.textContent = "";
      }, hideAfterMs);
    }
  }

  function setStatus(kind, text) {
    statusEl.className = "status " + kind;
    statusEl.textContent = text;
  }

  // ---- what the customer does ----

  // A message of exactly six digits is the 服务密码 the assistant asked for: it is sent, but
  // neither shown nor kept in the browser's storage.
  var PASSWORD = /^[0-9０-９]{6}$/;

  function shownAs(message) {
    return PASSWORD.test(message) ? "••••••" : message;
  }

  // The message sent last while no answer to it has come; sent again after a reconnect.
  var unanswered = null; // {message, message_id}
  // Set when `unanswered` was sent again: the texts shown since it was first sent, so that an
  // answer that reaches the page both the first time and as the server's repeat shows once.
  var shownSinceResent = null;

  function newMessageId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      })
      .join("");
  }

  function emitMessage(pending) {
    socket.emit("user_uttered", {
      message: pending.message,
      session_id: sessionId,
      message_id: pending.message_id,
    });
  }

  function send(message, shown) {
    if (!canSend()) return false;
    disableAllQuickReplies();
    addMessage({ who: "user", text: shown || shownAs(message) });
    unanswered = { message: message, message_id: newMessageId() };
    shownSinceResent = null;
    emitMessage(unanswered);
    showTyping();
    return true;
  }

  function sendAgainUnanswered() {
    if (!unanswered) return;
    shownSinceResent = shownSinceResent || {};
    emitMessage(unanswered);
    showTyping();
  }

  formEl.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = inputEl.value.trim();
    if (!text) return;
    // Not connected: the text stays in the box until it can really be sent.
    if (send(text)) {
      inputEl.value = "";
      updateSendState();
    }
    inputEl.focus();
  });

  inputEl.addEventListener("input", updateSendState);

  // ---- what the server sends ----

  function quickRepliesOf(data) {
    var replies = data.quick_replies || data.buttons || [];
    if (!Array.isArray(replies)) return [];
    return replies
      .filter(function (r) {
        return r && (r.title || r.payload);
      })
      .map(function (r) {
        return { title: String(r.title || r.payload), payload: String(r.payload || r.title) };
      });
  }

  function placeholderFor(attachment) {
    var type = attachment && attachment.type;
    if (type === "image") return "[图片]";
    if (type === "video") return "[视频]";
    if (type === "audio") return "[语音]";
    return "[暂不支持显示的消息]";
  }

  function onBotUttered(data) {
    hideTyping();
    if (!data || typeof data !== "object") {
      if (typeof data === "string" && data) addMessage({ who: "bot", text: data });
      return;
    }
    var entry = { who: "bot" };
    if (typeof data.text === "string" && data.text) entry.text = data.text;
    else if (data.attachment) entry.placeholder = placeholderFor(data.attachment);
    var replies = quickRepliesOf(data);
    if (replies.length) entry.quick_replies = replies;
    if (!(entry.text || entry.placeholder || entry.quick_replies)) return;
    unanswered = null;
    if (shownSinceResent) {
      var key = JSON.stringify([entry.text, entry.placeholder, entry.quick_replies]);
      if (shownSinceResent[key]) return; // the same answer again: the server's repeat
      shownSinceResent[key] = true;
    }
    addMessage(entry);
  }

  function onSessionConfirm(data) {
    var id = typeof data === "string" ? data : data && data.session_id;
    if (!id || !SESSION_ID_PATTERN.test(String(id))) return;
    id = String(id);
    if (id !== sessionId) {
      if (sessionId && transcript.length) addNotice("已开始新的会话");
      disableAllQuickReplies();
      sessionId = id;
      unanswered = null; // it belonged to the conversation that is gone
      transcript = [];
      store(SESSION_KEY, id);
      saveTranscript();
    }
    sessionConfirmed = true;
    updateSendState();
    sendAgainUnanswered();
  }

  // ---- the connection ----

  var socket = io({ path: "/socket.io" }); // same origin, socket.io's default transports
  window.chatSocket = socket; // for tests and support staff debugging a page

  socket.on("connect", function () {
    connected = true;
    sessionConfirmed = false;
    setStatus("online", "在线");
    if (lostConnection) {
      lostConnection = false;
      showBanner("up", "已重新连接", RECONNECTED_SHOWN_MS);
    } else {
      showBanner("hidden", "");
    }
    everConnected = true;
    socket.emit("session_request", { session_id: sessionId });
    updateSendState();
  });

  socket.on("disconnect", function (reason) {
    connected = false;
    sessionConfirmed = false;
    lostConnection = true;
    setStatus("offline", "离线");
    showBanner("down", "连接已断开，正在重新连接…");
    updateSendState();
    // The server closed this socket on purpose: socket.io does not retry by itself then.
    if (reason === "io server disconnect") socket.connect();
  });

  socket.on("connect_error", function () {
    if (!everConnected) {
      setStatus("offline", "未连接");
      showBanner("down", "暂时无法连接客服，正在重试…");
    }
  });

  socket.on("session_confirm", onSessionConfirm);
  socket.on("bot_uttered", onBotUttered);

  // ---- start: draw what this session already said ----

  transcript.forEach(function (entry, index) {
    // Only the last message's quick replies can still be answered after a reload.
    if (entry.quick_replies && index !== transcript.length - 1) entry.used = true;
    draw(entry);
  });
  updateSendState();
  if (window.matchMedia && window.matchMedia("(pointer: fine)").matches) inputEl.focus();
})();
