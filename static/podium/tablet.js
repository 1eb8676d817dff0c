/* Podium tablet: sheets are never lost and never shown as sent before the desk has them.
 *
 * On submit, the sheet (with its device key) is written to localStorage first, then
 * posted. Only a 2xx answer from the server removes it and shows "received"; a network
 * failure keeps it in the outbox, listed on every tablet page, and it is resent when the
 * browser comes back online (and every few seconds). The key makes a resend idempotent:
 * the server stores a sheet once whatever the number of tries. A refusal by the server
 * (e.g. the round closed) is shown, and the sheet is listed apart as not accepted, with a
 * link to fix it. Each kept sheet remembers its judge: only that judge's pages send it.
 * Without JavaScript every form still works as a plain POST.
 *
 * The tablet follows the floor (``follow``): it listens to ws/tablet/, whose first
 * message is the tablet's snapshot (its open rounds and each sheet's state) and which
 * sends a fresh one after every change (a round opened or closed, a sheet sent, the
 * tablet signed out by the desk). While the socket is down it polls /tablet/state.json
 * (the same snapshot) with growing pauses and reconnects with backoff. The home page
 * swaps its list of sheets in place; a sheet page whose round closed says so; a
 * signed-out tablet goes to the sign-in page. When the snapshot names the sheet to
 * fill now (floor.sheet_url), a tablet on its home page, or on a sent or closed sheet,
 * goes there by itself, once per sheet, and never to a sheet the judge has sent. On a sheet page each snapshot re-arms the
 * countdown (countdown.js) from floor.timer and server_time: the scoring window once the
 * dance is marked danced, a fresh performance window for the next heat of the same dance
 * (same sheet), none once the floor has moved on. Nothing typed is ever thrown away: a
 * page with a form the judge touched is neither left nor reloaded, it only shows a notice.
 */
(function () {
  "use strict";
  var OUTBOX = "podium.outbox.v1";
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); render(); }

  function pageJudge() { return document.body.getAttribute("data-judge"); }

  function mine(item) { return item.judge === pageJudge(); }

  function fill(list, items, text) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      if (item.error) {
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.label;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" — " + item.error));
      } else {
        li.textContent = item.label + " — " + text;
      }
      list.appendChild(li);
    });
  }

  function render() {
    var items = load().filter(mine);
    var waiting = items.filter(function (i) { return !i.error; });
    var refused = items.filter(function (i) { return i.error; });
    var box = document.querySelector("[data-outbox]");
    if (box) {
      fill(document.querySelector("[data-outbox-list]"), waiting, "waiting to send");
      box.hidden = waiting.length === 0;
    }
    var refusedBox = document.querySelector("[data-refused]");
    if (refusedBox) {
      fill(document.querySelector("[data-refused-list]"), refused, "");
      refusedBox.hidden = refused.length === 0;
    }
    var net = document.querySelector("[data-net-status]");
    if (net) net.textContent = navigator.onLine ? "" : "offline";
  }

  function currentCsrf() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(item) {
    // The CSRF token may have changed since the sheet was queued (a new sign-in).
    var token = currentCsrf() || item.csrf;
    var fields = item.fields.map(function (pair) {
      return pair[0] === "csrfmiddlewaretoken" ? [pair[0], token] : pair;
    });
    return fetch(item.url, {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { "Accept": "application/json", "X-CSRFToken": token },
      credentials: "same-origin",
    });
  }

  function flush() {
    if (sending) return;
    if (!pageJudge()) return;  // signed out: keep everything until a judge signs in
    var items = load().filter(function (i) { return !i.error && mine(i); });
    if (!items.length) return;
    sending = true;
    var item = items[0];
    post(item).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; },
                                   function () { return { status: response.status, body: {} }; });
    }).then(function (answer) {
      var rest = load().filter(function (i) { return i.key !== item.key; });
      if (answer.status >= 200 && answer.status < 300) {
        save(rest);
        var here = document.querySelector('form[data-sheet="' + item.sheet + '"]');
        if (here && answer.body.redirect) { window.location.assign(answer.body.redirect); return; }
      } else if (answer.status === 401) {
        // Signed out: keep the sheet; the reload shows the sign-in page and why.
        window.location.reload();
        return;
      } else if (answer.status >= 400 && answer.status < 500) {
        item.error = answer.body.message || "refused by the desk";
        save(rest.concat([item]));
        showError(item);
      }  // 5xx: keep it and try again later
    }).catch(function () {
      /* no network: keep it */
    }).then(function () {
      sending = false;
      render();
      if (load().some(function (i) { return !i.error && mine(i); }) && navigator.onLine) {
        setTimeout(flush, 1500);
      }
    });
  }

  function showError(item) {
    var form = document.querySelector('form[data-sheet="' + item.sheet + '"]');
    if (!form) return;
    var box = document.createElement("div");
    box.className = "errors";
    box.setAttribute("role", "alert");
    box.textContent = "Not sent: " + item.error;
    form.parentNode.insertBefore(box, form);
    form.removeAttribute("data-queued");
    var button = form.querySelector("[data-submit]");
    if (button) {
      button.disabled = false;
      button.textContent = button.getAttribute("data-label") || "Send";
    }
  }

  function enqueue(form) {
    var data = new FormData(form);
    var fields = [];
    data.forEach(function (value, name) { fields.push([name, value]); });
    var csrf = data.get("csrfmiddlewaretoken");
    var item = {
      key: data.get("client_key"),
      judge: pageJudge(),
      sheet: form.getAttribute("data-sheet"),
      label: form.getAttribute("data-sheet-label"),
      url: form.action || window.location.href,
      fields: fields,
      csrf: csrf,
      queuedAt: new Date().toISOString(),
    };
    // The newest version of a sheet replaces any older one still waiting.
    var items = load().filter(function (i) { return i.sheet !== item.sheet; });
    items.push(item);
    save(items);
  }

  function sendWhen(form, ready, why) {
    // Send only a complete sheet, and say beside the button why it waits.
    var button = form.querySelector("[data-submit]");
    var note = form.querySelector("[data-send-why]");
    if (button && !form.hasAttribute("data-queued")) button.disabled = !ready;
    if (note) { note.textContent = ready ? "" : why; note.hidden = ready; }
  }

  function counter(form) {
    var requested = parseInt(form.getAttribute("data-requested"), 10);
    var out = form.querySelector("[data-counter]");
    function update() {
      var marked = form.querySelectorAll('input[name="cross"]:checked').length;
      var left = requested - marked;
      out.textContent = left > 0 ? left + " still to mark (" + marked + " of " + requested + ")"
        : left === 0 ? "All " + requested + " marked: ready to send"
        : "Too many: remove " + (-left) + " (" + marked + " of " + requested + ")";
      out.classList.toggle("ready", left === 0);
      sendWhen(form, left === 0, left > 0
        ? "Send is possible once " + requested + " couples are marked: " + left + " still to mark."
        : "Send is possible once exactly " + requested + " couples are marked: remove " + (-left) + ".");
    }
    form.addEventListener("change", update);
    update();
  }

  function placesLeft(form) {
    // The final's counter: a place for every couple (placesOnce keeps each place once).
    var rows = form.querySelectorAll("tr[data-couple]");
    var out = form.querySelector("[data-counter]");
    function update() {
      var placed = Array.prototype.filter.call(rows, function (row) {
        return !!row.querySelector('input[type="radio"]:checked');
      }).length;
      var left = rows.length - placed;
      out.textContent = left > 0
        ? left + (left === 1 ? " place" : " places") + " left to give (" + placed + " of " + rows.length + " couples placed)"
        : "All " + rows.length + " couples placed: ready to send";
      out.classList.toggle("ready", left === 0);
      sendWhen(form, left === 0, "Send is possible once every couple has a place: " +
        left + " still without one.");
    }
    form.addEventListener("change", update);
    update();
  }

  function placesOnce(form) {
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "radio") return;
      // A place goes to one couple only: take it from whoever had it.
      form.querySelectorAll('input[type="radio"][value="' + input.value + '"]:checked').forEach(function (other) {
        if (other !== input) other.checked = false;
      });
    });
  }


  // --- Following the floor ------------------------------------------------------------

  var FOLLOWED = "podium.followed.v1";

  function page() { return document.body.getAttribute("data-page") || ""; }

  function typing() {
    return Array.prototype.some.call(document.querySelectorAll("form[data-sheet]"), function (form) {
      return form.hasAttribute("data-dirty") || form.hasAttribute("data-queued");
    });
  }

  function notice(text, link) {
    var box = document.querySelector("[data-live-notice]");
    if (!box) return;
    box.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(document.createTextNode(" "));
      box.appendChild(a);
    }
    box.hidden = !text;
  }

  function followed(url) {
    try { return sessionStorage.getItem(FOLLOWED) === url; } catch (e) { return false; }
  }
  function markFollowed(url) {
    try { sessionStorage.setItem(FOLLOWED, url); } catch (e) { /* private mode */ }
  }

  function sheetState(state, roundId, code) {
    var found = null;
    (state.rounds || []).forEach(function (r) {
      if (String(r.round) !== String(roundId)) return;
      found = { round: r, part: null };
      (r.parts || []).forEach(function (p) { if (p.code === code) found.part = p; });
    });
    return found;
  }

  function stillToFill(state, url) {
    // A sheet this judge has sent is never gone back to: only one still to fill.
    var match = /\/tablet\/round\/(\d+)\/([^/]+)\/$/.exec(url);
    var found = match && sheetState(state, match[1], match[2]);
    return !(found && found.part && found.part.state !== "to_send" &&
             found.part.state !== "returned");  // re-collected for a redance
  }

  function refreshSheets() {
    // The home page's list, rendered by the server as on a first visit.
    var box = document.querySelector("[data-sheets]");
    if (!box) return Promise.resolve();
    return fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected && !/\/tablet\/home\/$/.test(new URL(response.url).pathname)) {
          signedOut();
          return null;
        }
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-sheets]");
        if (fresh) box.innerHTML = fresh.innerHTML;
      }).catch(function () {});
  }

  var signedOutShown = false;
  function signedOut() {
    if (signedOutShown) return;
    signedOutShown = true;
    if (typing()) {
      // Keep the judge's marks on screen; sending them shows the sign-in page and keeps
      // the sheet in the outbox until this judge signs in again.
      notice("The desk signed this tablet out. Your marks stay here: ask the scrutineer for a code, then send.");
      return;
    }
    window.location.reload();  // the server shows the sign-in page and why
  }

  function goTo(url) {
    if (sending) return false;  // a sheet is on its way: stay until it is answered
    markFollowed(url);
    window.location.assign(url);
    return true;
  }

  function countdown(timer, serverTime) {
    var node = document.querySelector("[data-countdown]");
    if (node && window.podiumCountdown) window.podiumCountdown.arm(node, timer || null, serverTime);
  }

  var awaySeen = null;
  function couplesChanged(round) {
    var now = JSON.stringify(round.away || []);
    var changed = awaySeen !== null && now !== awaySeen;
    awaySeen = now;
    return changed;
  }

  var applied = null;
  function apply(state) {
    if (!state || state.type === "signed_out") { signedOut(); return; }
    if (state.type !== "tablet") return;
    var here = document.body;
    var target = state.floor && state.floor.sheet_url;
    var at = target ? new URL(target, window.location.href).pathname : null;
    var kind = page();
    var onForm = kind === "sheet" && here.hasAttribute("data-takes-marks");
    var free = kind === "home" || kind === "sent" || (kind === "sheet" && !onForm);
    if (kind === "sheet" && state.floor) {
      // The countdown of this sheet's window (the next window, the next heat, or none),
      // outside the form: what is typed is never touched.
      countdown(at === window.location.pathname ? state.floor.timer : null, state.server_time);
    }
    if (at && at !== window.location.pathname && !followed(at) && free && !typing() &&
        stillToFill(state, at)) {
      if (goTo(at)) return;
    }
    var rounds = JSON.stringify(state.rounds || []);
    var changed = rounds !== applied;
    applied = rounds;
    if (kind === "home") {
      if (changed) refreshSheets();
      return;
    }
    if (kind !== "sheet") return;
    var mineNow = sheetState(state, here.getAttribute("data-round"), here.getAttribute("data-part"));
    var open = !!mineNow && (mineNow.round.status === "open" ||
                             !!(mineNow.part && mineNow.part.state === "unlocked"));
    if (mineNow && couplesChanged(mineNow.round) && onForm && open) {
      // A couple was marked absent, retired or disqualified (or reinstated): the sheet
      // is drawn again without (or with) it; what is typed stays until it is sent.
      if (!typing()) { window.location.reload(); return; }
      notice("The desk changed the couples of this round: the sheet is shown again once this one is answered.");
    }
    if (onForm && !open) {
      // The round closed under the judge's eyes: say so, keep what is typed.
      if (!typing()) { window.location.reload(); return; }
      notice("The desk closed this round: this sheet can no longer be sent. Ask the chairman if a mark is wrong.");
    } else if (!onForm && open) {
      window.location.reload();  // reopened (or unlocked): nothing typed on this page
    } else if (onForm && at && at !== window.location.pathname) {
      notice("Next on the floor:", { href: at, text: "open the next sheet" });
    }
  }

  function follow() {
    var body = document.body;
    var path = body.getAttribute("data-live-socket");
    var stateUrl = body.getAttribute("data-live-state");
    if (!pageJudge() || !stateUrl) return;
    var backoff = 1000;
    var pollEvery = 2000;
    var pollTimer = null;
    var live = false;

    function poll() {
      pollTimer = null;
      if (live) return;
      fetch(stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401) { signedOut(); return null; }
          return response.ok ? response.json() : null;
        }).then(function (state) {
          if (state) apply(state);
        }).catch(function () { /* offline: try again later */ })
        .then(function () {
          if (!live && !signedOutShown) {
            pollTimer = setTimeout(poll, pollEvery);
            pollEvery = Math.min(pollEvery * 1.5, 15000);
          }
        });
    }
    function startPolling() {
      if (!pollTimer && !live) pollTimer = setTimeout(poll, pollEvery);
    }

    function connect() {
      if (!path || !("WebSocket" in window)) { startPolling(); return; }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket;
      try { socket = new WebSocket(scheme + window.location.host + path); } catch (e) { startPolling(); return; }
      socket.onopen = function () { backoff = 1000; };
      socket.onmessage = function (event) {
        var state;
        try { state = JSON.parse(event.data); } catch (e) { return; }
        if (!live) {
          live = true;
          pollEvery = 2000;
          if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
          body.setAttribute("data-live", "socket");
        }
        apply(state);
      };
      socket.onclose = function (event) {
        live = false;
        body.setAttribute("data-live", "polling");
        if (event.code === 4401) { signedOut(); return; }
        startPolling();
        var wait = Math.min(backoff, 30000) * (0.75 + Math.random() * 0.5);
        backoff = Math.min(backoff * 2, 30000);
        setTimeout(connect, wait);
      };
    }

    connect();
    window.addEventListener("online", function () { if (!live) { pollEvery = 2000; poll(); } });
  }

  // For tests and the console: apply a snapshot as if the socket had sent it.
  window.podiumTablet = { apply: apply };

  document.addEventListener("DOMContentLoaded", function () {
    render();
    document.querySelectorAll("form[data-sheet]").forEach(function (form) {
      if (form.getAttribute("data-kind") === "recall") counter(form);
      if (form.getAttribute("data-kind") === "final") { placesOnce(form); placesLeft(form); }
      form.addEventListener("submit", function (event) {
        if (!window.fetch || !window.localStorage) return;  // plain POST
        event.preventDefault();
        if (form.hasAttribute("data-queued")) return;  // no double tap
        form.setAttribute("data-queued", "");
        var button = form.querySelector("[data-submit]");
        if (button) { button.disabled = true; button.textContent = "Sending…"; }
        enqueue(form);
        flush();
      });
    });
    document.querySelectorAll("form[data-sheet]").forEach(function (form) {
      // Something typed: the page is never left or reloaded by itself from now on.
      function typed() { form.setAttribute("data-dirty", ""); }
      form.addEventListener("input", typed);
      form.addEventListener("change", typed);
    });
    follow();
    window.addEventListener("online", function () { render(); flush(); });
    window.addEventListener("offline", render);
    setInterval(flush, 5000);
    flush();
  });
})();
