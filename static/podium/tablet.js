/* Podium tablet: sheets are never lost and never shown as sent before the desk has them.
 *
 * On submit, the sheet (with its device key) is written to localStorage first, then
 * posted. Only a 2xx answer from the server removes it and shows "received"; a network
 * failure keeps it in the outbox, listed on every tablet page, and it is resent when the
 * browser comes back online (and every few seconds). The key makes a resend idempotent:
 * the server stores a sheet once whatever the number of tries. A refusal by the server
 * (e.g. the round closed) is shown and the sheet leaves the outbox with its message.
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

  function render() {
    var box = document.querySelector("[data-outbox]");
    var list = document.querySelector("[data-outbox-list]");
    if (!box || !list) return;
    var items = load();
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label + (item.error ? " — " + item.error : " — waiting to send");
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
    var net = document.querySelector("[data-net-status]");
    if (net) net.textContent = navigator.onLine ? "" : "offline";
  }

  function post(item) {
    return fetch(item.url, {
      method: "POST",
      body: new URLSearchParams(item.fields),
      headers: { "Accept": "application/json", "X-CSRFToken": item.csrf },
      credentials: "same-origin",
    });
  }

  function flush() {
    if (sending) return;
    var items = load().filter(function (i) { return !i.error; });
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
        item.error = "signed out: sign in again, the sheet will be sent then";
        save(rest.concat([Object.assign({}, item, { error: null })]));
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
      if (load().some(function (i) { return !i.error; }) && navigator.onLine) setTimeout(flush, 1500);
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
    var button = form.querySelector("[data-submit]");
    if (button) button.disabled = false;
  }

  function enqueue(form) {
    var data = new FormData(form);
    var fields = [];
    data.forEach(function (value, name) { fields.push([name, value]); });
    var csrf = data.get("csrfmiddlewaretoken");
    var item = {
      key: data.get("client_key"),
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
      if (button) button.disabled = left !== 0;
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
        var button = form.querySelector("[data-submit]");
        if (button) { button.disabled = true; button.textContent = "Sending…"; }  // no double tap
        enqueue(form);
        flush();
      });
    });
    var refresh = document.querySelector("[data-refresh]");
    if (refresh) {
      setInterval(function () { if (navigator.onLine && !load().length) window.location.reload(); },
                  parseInt(refresh.getAttribute("data-refresh"), 10) * 1000);
    }
    window.addEventListener("online", function () { render(); flush(); });
    window.addEventListener("offline", render);
    setInterval(flush, 5000);
    flush();
  });
})();
