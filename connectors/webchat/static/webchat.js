/*
 * MyLA311 web chat widget. Plain DOM, no dependencies, no inline script (the page's CSP forbids it).
 *
 * Safety rule: text from the assistant or the resident never becomes HTML. Every node is built
 * with createElement/textContent; only http: and https: URLs in the assistant's text become links.
 */
(function () {
  "use strict";

  var root = document.getElementById("webchat");
  var stringsNode = document.getElementById("webchat-strings");
  if (!root || !stringsNode) {
    return;
  }

  var STRINGS = JSON.parse(stringsNode.textContent || "{}");
  // The languages are the server's language packs: the keys of STRINGS, the default first to
  // fall back on.
  var DEFAULT_LANG = root.getAttribute("data-default-lang") || Object.keys(STRINGS)[0] || "";
  var MAX_CHARS = Number(root.getAttribute("data-max-chars")) || 2000;
  var COUNTER_FROM = Math.floor(MAX_CHARS * 0.9);
  var KEYS = {
    sender: "myla311.webchat.sender",
    lang: "myla311.webchat.lang",
    draft: "myla311.webchat.draft",
  };
  var SENDER_RE = /^[A-Za-z0-9_-]{8,64}$/;
  var URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]}'"»]$/;
  var RETRY_FIRST_MS = 500;
  var RETRY_MAX_MS = 5000;
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  var els = {
    log: document.getElementById("webchat-log"),
    empty: document.getElementById("webchat-empty"),
    typing: document.getElementById("webchat-typing"),
    status: document.getElementById("webchat-status"),
    form: document.getElementById("webchat-form"),
    input: document.getElementById("webchat-input"),
    counter: document.getElementById("webchat-counter"),
    quick: document.getElementById("webchat-quick"),
    skip: document.querySelector(".skip-link"),
    langButtons: root.querySelectorAll("[data-lang]"),
    locate: document.getElementById("webchat-locate"),
  };

  var state = {
    sender: "",
    lang: STRINGS.hasOwnProperty(document.documentElement.lang)
      ? document.documentElement.lang
      : DEFAULT_LANG,
    busy: false,
    offline: false,
    historyLoaded: false,
    reloadHistory: false,
    sends: 0, // messages sent so far: a history fetched before the latest one is out of date
    retryDelay: RETRY_FIRST_MS,
    retryTimer: 0,
    quickButtons: [],
    status: null,
  };

  // --- storage (may be unavailable, e.g. blocked cookies: the chat still works, unsaved) -----
  function load(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function save(key, value) {
    try {
      if (value) {
        window.localStorage.setItem(key, value);
      } else {
        window.localStorage.removeItem(key);
      }
    } catch (error) {
      /* not persisted */
    }
  }

  function newSender() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i += 1) {
      hex += (bytes[i] + 0x100).toString(16).slice(1);
    }
    return "w" + hex;
  }

  // --- language ------------------------------------------------------------------------------
  function t(key, vars) {
    var table = STRINGS[state.lang] || STRINGS[DEFAULT_LANG] || {};
    var text = table[key] || (STRINGS[DEFAULT_LANG] && STRINGS[DEFAULT_LANG][key]) || "";
    if (vars) {
      Object.keys(vars).forEach(function (name) {
        text = text.split("{" + name + "}").join(String(vars[name]));
      });
    }
    return text;
  }

  function applyLanguage(lang) {
    if (typeof lang !== "string" || !STRINGS.hasOwnProperty(lang)) {
      return;
    }
    state.lang = lang;
    document.documentElement.lang = lang;
    root.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-aria-label]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-i18n-aria-label")));
    });
    els.langButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-lang") === lang));
    });
    renderStatus();
    updateCounter();
    save(KEYS.lang, lang);
  }

  // --- status line (role=status): connection state and problems -------------------------------
  function setStatus(kind, key, vars) {
    state.status = kind ? { kind: kind, key: key, vars: vars || null, messages: null } : null;
    renderStatus();
  }

  function setStatusMessages(kind, messages) {
    state.status = { kind: kind, key: null, vars: null, messages: messages };
    renderStatus();
  }

  function renderStatus() {
    var current = state.status;
    if (!current) {
      els.status.textContent = "";
      els.status.removeAttribute("data-kind");
      return;
    }
    var text = current.messages
      ? current.messages[state.lang] || current.messages[DEFAULT_LANG] || t("error")
      : t(current.key, current.vars);
    els.status.textContent = text;
    els.status.setAttribute("data-kind", current.kind);
  }

  // --- rendering -----------------------------------------------------------------------------
  function safeHref(candidate) {
    try {
      var url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function appendLink(parent, text, href) {
    var link = document.createElement("a");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = text;
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.setAttribute("data-i18n", "new_tab");
    hint.textContent = t("new_tab");
    link.appendChild(document.createTextNode(" "));
    link.appendChild(hint);
    parent.appendChild(link);
  }

  /** Drops punctuation that ends a sentence rather than the URL; keeps a balanced ")". */
  function trimUrl(candidate) {
    var url = candidate;
    while (TRAILING_PUNCTUATION.test(url)) {
      var last = url.charAt(url.length - 1);
      if (last === ")" && url.split("(").length > url.split(")").length - 1) {
        break;
      }
      url = url.slice(0, -1);
    }
    return url;
  }

  /** Appends text, turning http(s) URLs into links when `linkify`; everything else stays text. */
  function appendText(parent, text, linkify) {
    var last = 0;
    var match;
    URL_RE.lastIndex = 0;
    while (linkify && (match = URL_RE.exec(text)) !== null) {
      var candidate = trimUrl(match[0]);
      var href = safeHref(candidate);
      if (!href) {
        continue;
      }
      if (match.index > last) {
        parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      }
      appendLink(parent, candidate, href);
      last = match.index + candidate.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) {
      parent.appendChild(document.createTextNode(text.slice(last)));
    }
  }

  function renderMessage(role, text) {
    var item = document.createElement("div");
    item.className = "msg msg--" + role;
    var who = document.createElement("span");
    who.className = "msg__who";
    who.setAttribute("data-i18n", role === "user" ? "you" : "assistant");
    who.textContent = t(role === "user" ? "you" : "assistant");
    var separator = document.createElement("span");
    separator.className = "visually-hidden";
    separator.textContent = ": ";
    var body = document.createElement("p");
    body.className = "msg__text";
    appendText(body, String(text || ""), role === "bot");
    item.appendChild(who);
    item.appendChild(separator);
    item.appendChild(body);
    item.webchatText = String(text || "");
    els.log.appendChild(item);
    els.empty.hidden = true;
    return item;
  }

  function showQuickReplies(buttons) {
    state.quickButtons = Array.isArray(buttons) ? buttons : [];
    els.quick.replaceChildren();
    state.quickButtons.forEach(function (choice) {
      if (!choice || typeof choice.title !== "string" || typeof choice.payload !== "string") {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--quick";
      button.textContent = choice.title;
      button.addEventListener("click", function () {
        send(choice.payload, choice.title, { quickReply: true });
      });
      els.quick.appendChild(button);
    });
    els.quick.hidden = els.quick.childElementCount === 0;
  }

  function lastButtons(messages) {
    for (var i = messages.length - 1; i >= 0; i -= 1) {
      if (messages[i].role === "user") {
        return [];
      }
      if (messages[i].buttons && messages[i].buttons.length) {
        return messages[i].buttons;
      }
    }
    return [];
  }

  function keepComposerInView() {
    els.form.scrollIntoView({
      block: "nearest",
      behavior: reducedMotion.matches ? "auto" : "smooth",
    });
  }

  function renderBotMessages(messages) {
    var list = Array.isArray(messages) ? messages : [];
    list.forEach(function (message) {
      if (message && message.text) {
        renderMessage("bot", message.text);
      }
    });
    showQuickReplies(lastButtons(list.map(function (m) {
      return { role: "bot", buttons: m && m.buttons };
    })));
    keepComposerInView();
  }

  function isShown(list) {
    var shown = els.log.querySelectorAll(".msg");
    var kept = list.filter(function (entry) {
      return entry && entry.text;
    });
    if (shown.length !== kept.length) {
      return false;
    }
    return kept.every(function (entry, i) {
      var role = entry.role === "user" ? "user" : "bot";
      return shown[i].classList.contains("msg--" + role) && shown[i].webchatText === entry.text;
    });
  }

  function renderHistory(messages) {
    var list = Array.isArray(messages) ? messages : [];
    if (isShown(list)) {
      // Nothing new: leave the log alone so screen readers do not hear it all again.
      showQuickReplies(lastButtons(list));
      return;
    }
    els.log.setAttribute("aria-busy", "true");
    els.log.replaceChildren();
    list.forEach(function (entry) {
      if (entry && entry.text) {
        renderMessage(entry.role === "user" ? "user" : "bot", entry.text);
      }
    });
    els.empty.hidden = els.log.childElementCount > 0;
    showQuickReplies(lastButtons(list));
    els.log.removeAttribute("aria-busy");
  }

  function setTyping(on) {
    els.typing.hidden = !on;
    root.setAttribute("data-busy", String(on));
  }

  // --- composer ------------------------------------------------------------------------------
  function updateCounter() {
    var length = els.input.value.length;
    if (length >= COUNTER_FROM) {
      els.counter.hidden = false;
      els.counter.textContent = t("counter", { n: Math.max(MAX_CHARS - length, 0) });
      els.counter.classList.toggle("is-limit", length >= MAX_CHARS);
    } else {
      els.counter.hidden = true;
      els.counter.textContent = "";
    }
  }

  function restoreDraft(text) {
    var current = els.input.value;
    els.input.value = current ? text + "\n" + current : text;
    save(KEYS.draft, els.input.value);
    updateCounter();
  }

  // --- connection: backoff and health polling ------------------------------------------------
  function startReconnect(kept) {
    if (!state.offline) {
      state.offline = true;
      state.retryDelay = RETRY_FIRST_MS;
      root.setAttribute("data-connection", "offline");
    }
    setStatus("offline", kept ? "reconnecting_kept" : "reconnecting");
    scheduleHealthCheck();
  }

  function scheduleHealthCheck() {
    window.clearTimeout(state.retryTimer);
    var delay = state.retryDelay + Math.floor(Math.random() * 250);
    state.retryDelay = Math.min(state.retryDelay * 2, RETRY_MAX_MS);
    state.retryTimer = window.setTimeout(checkHealth, delay);
  }

  function checkHealth() {
    fetch("/health", { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        return response.ok;
      })
      .catch(function () {
        return false;
      })
      .then(function (up) {
        if (!up) {
          scheduleHealthCheck();
          return;
        }
        state.offline = false;
        root.setAttribute("data-connection", "online");
        setStatus("online", "reconnected");
        if (!state.historyLoaded || state.reloadHistory) {
          loadHistory();
        }
      });
  }

  // --- talking to the server -----------------------------------------------------------------
  function problemOf(body) {
    if (body && typeof body.error === "string" && body.message && body.message[DEFAULT_LANG]) {
      return body.message;
    }
    return null;
  }

  /**
   * Sends a message (typed text or a button payload). `shown` is what the resident sees as
   * their message (a button's title), or null to show nothing (the language switch).
   */
  function send(message, shown, options) {
    var opts = options || {};
    var text = String(message || "").trim();
    if (state.busy) {
      return Promise.resolve(false);
    }
    if (!text) {
      setStatus("error", "empty_message");
      return Promise.resolve(false);
    }
    if (text.length > MAX_CHARS) {
      setStatus("error", "too_long", { n: MAX_CHARS });
      return Promise.resolve(false);
    }
    state.busy = true;
    state.sends += 1;
    var offered = state.quickButtons;
    var bubble = shown === null ? null : renderMessage("user", shown || text);
    if (opts.quickReply) {
      els.input.focus();
    }
    showQuickReplies([]);
    if (!state.offline) {
      setStatus(null);
    }
    setTyping(true);
    if (bubble) {
      keepComposerInView();
    }

    function undo() {
      if (bubble) {
        bubble.remove();
        els.empty.hidden = els.log.childElementCount > 0;
      }
      if (opts.typed) {
        restoreDraft(message);
      }
      showQuickReplies(offered);
    }

    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(
        opts.location
          ? { sender: state.sender, message: text, locale: state.lang, location: opts.location }
          : { sender: state.sender, message: text, locale: state.lang }
      ),
      cache: "no-store",
      credentials: "same-origin",
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return { status: response.status, ok: response.ok, body: body };
          });
      })
      .then(function (reply) {
        if (reply.ok && reply.body) {
          if (state.offline) {
            state.offline = false;
            window.clearTimeout(state.retryTimer);
            root.setAttribute("data-connection", "online");
          }
          setStatus(null);
          if (reply.body.language) {
            applyLanguage(reply.body.language);
          }
          renderBotMessages(reply.body.messages);
          if (!state.historyLoaded) {
            loadHistory(); // the assistant came back before the health check noticed
          }
          return true;
        }
        var problem = problemOf(reply.body);
        if (reply.status >= 400 && reply.status < 500 && problem) {
          undo();
          setStatusMessages("error", problem);
          return false;
        }
        var failure = new Error("assistant unavailable: " + reply.status);
        // 503: the assistant never got the message. Anything else may have been processed.
        failure.certainlyLost = reply.status === 503;
        throw failure;
      })
      .catch(function (error) {
        undo();
        if (!error || !error.certainlyLost) {
          state.reloadHistory = true;
        }
        startReconnect(Boolean(opts.typed));
        return false;
      })
      .then(function (sent) {
        state.busy = false;
        setTyping(false);
        return sent;
      });
  }

  function loadHistory() {
    var url = "/api/history?sender=" + encodeURIComponent(state.sender);
    var sendsBefore = state.sends;
    return fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 400) {
          state.sender = newSender();
          save(KEYS.sender, state.sender);
          return { messages: [], language: null };
        }
        if (!response.ok) {
          throw new Error("history unavailable: " + response.status);
        }
        return response.json();
      })
      .then(function (history) {
        if (state.sends !== sendsBefore) {
          // The resident sent a message while this was on its way: the history may not have
          // it, and drawing it would wipe their message from the screen. send() loads again.
          return;
        }
        state.historyLoaded = true;
        state.reloadHistory = false;
        if (history.language) {
          applyLanguage(history.language);
        }
        renderHistory(history.messages);
      })
      .catch(function () {
        startReconnect(false);
      })
      .then(function () {
        root.setAttribute("data-state", "ready");
      });
  }

  // --- wiring --------------------------------------------------------------------------------
  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = els.input.value;
    if (!value.trim()) {
      setStatus("error", "empty_message");
      els.input.focus();
      return;
    }
    if (state.busy) {
      return;
    }
    els.input.value = "";
    save(KEYS.draft, "");
    updateCounter();
    send(value, value.trim(), { typed: true });
  });

  els.input.addEventListener("keydown", function (event) {
    var plainEnter =
      event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
    if (plainEnter && !event.isComposing) {
      event.preventDefault();
      els.form.requestSubmit();
    }
  });

  els.input.addEventListener("input", function () {
    save(KEYS.draft, els.input.value);
    updateCounter();
    if (state.status && state.status.kind === "error") {
      setStatus(null);
    }
  });

  if (els.skip) {
    els.skip.addEventListener("click", function (event) {
      event.preventDefault();
      els.input.focus();
      keepComposerInView();
    });
  }

  els.langButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      var lang = button.getAttribute("data-lang");
      if (state.busy) {
        return;
      }
      applyLanguage(lang);
      send('/set_language{"language":"' + lang + '"}', null, {});
    });
  });

  // --- "Use my location": the browser asks the resident; a refusal is explained, not hidden ---
  function shareLocation() {
    if (state.busy) {
      return;
    }
    if (!navigator.geolocation || !window.isSecureContext) {
      setStatus("error", "locate_unavailable");
      els.input.focus();
      return;
    }
    setStatus("info", "locating");
    els.locate.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        els.locate.disabled = false;
        var coords = position.coords;
        var location = { lat: coords.latitude, lon: coords.longitude };
        if (typeof coords.accuracy === "number" && isFinite(coords.accuracy)) {
          location.accuracy = Math.min(Math.round(coords.accuracy), 100000);
        }
        setStatus(null);
        send("/share_location", t("my_location"), { location: location });
      },
      function (error) {
        els.locate.disabled = false;
        setStatus("error", error && error.code === 1 ? "locate_denied" : "locate_failed");
        els.input.focus();
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  if (els.locate) {
    els.locate.addEventListener("click", shareLocation);
  }

  window.addEventListener("online", function () {
    if (state.offline) {
      window.clearTimeout(state.retryTimer);
      checkHealth();
    }
  });

  // --- start ---------------------------------------------------------------------------------
  state.sender = load(KEYS.sender) || "";
  if (!SENDER_RE.test(state.sender)) {
    state.sender = newSender();
    save(KEYS.sender, state.sender);
  }
  var storedLang = load(KEYS.lang);
  if (storedLang && STRINGS.hasOwnProperty(storedLang)) {
    applyLanguage(storedLang);
  }
  els.input.value = load(KEYS.draft) || "";
  updateCounter();
  loadHistory();
})();
