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

  function counter(form) {
    var requested = parseInt(form.getAttribute("data-requested"), 10);
    var out = form.querySelector("[data-counter]");
    var button = form.querySelector("[data-submit]");
    function update() {
      var marked = form.querySelectorAll('input[name="cross"]:checked').length;
      var left = requested - marked;
      out.textContent = left > 0 ? left + " still to mark (" + marked + " of " + requested + ")"
        : left === 0 ? "All " + requested + " marked: ready to send"
        : "Too many: remove " + (-left) + " (" + marked + " of " + requested + ")";
      out.classList.toggle("ready", left === 0);
      if (button && !form.hasAttribute("data-queued")) button.disabled = left !== 0;
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

  document.addEventListener("DOMContentLoaded", function () {
    render();
    document.querySelectorAll("form[data-sheet]").forEach(function (form) {
      if (form.getAttribute("data-kind") === "recall") counter(form);
      if (form.getAttribute("data-kind") === "final") placesOnce(form);
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
    var refresh = document.querySelector("[data-refresh]");
    if (refresh) {
      setInterval(function () {
        var waiting = load().some(function (i) { return !i.error && mine(i); });
        if (navigator.onLine && !waiting) window.location.reload();
      },
                  parseInt(refresh.getAttribute("data-refresh"), 10) * 1000);
    }
    window.addEventListener("online", function () { render(); flush(); });
    window.addEventListener("offline", render);
    setInterval(flush, 5000);
    flush();
  });
})();
