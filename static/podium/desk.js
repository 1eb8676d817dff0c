/* The results desk follows the floor. Each live fragment ([data-live-fragment]) is
 * fetched again over HTTP whenever the desk's websocket (ws/desk/<slug>/) says
 * something changed; while the socket is down (or refused), the fragment is polled
 * every few seconds as before, and the socket reconnects with growing pauses.
 * The socket's address comes from data-live-socket, or from the fragment's
 * /desk/<slug>/ address.
 *
 * A fresh fragment replaces the old one in place, keeping what the desk is doing: a
 * field being typed in (focused, or changed from what the server rendered) keeps its
 * text, caret and focus, and an opened <details> stays open. */
(function () {
  "use strict";

  // Forms carry a fresh CSRF token on every render: it is no change to show.
  function withoutTokens(html) {
    return html.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "");
  }

  /* A field is known by its form (address and hidden values, e.g. the timetable line it
   * edits) and its name, so each line's field keeps its own text. */
  function fieldKey(field) {
    var form = field.form, where = "";
    if (form) {
      where = (form.getAttribute("action") || "") + "?" + Array.prototype.filter.call(
        form.querySelectorAll("input[type=hidden]"),
        function (h) { return h.name !== "csrfmiddlewaretoken"; }
      ).map(function (h) { return h.name + "=" + h.value; }).join("&");
    }
    return where + "|" + (field.id || field.name || "");
  }

  function fieldsOf(root) {
    var found = {};
    root.querySelectorAll("input:not([type=hidden]), textarea, select").forEach(function (f) {
      var key = fieldKey(f);
      if (!(key in found)) found[key] = f;
    });
    return found;
  }

  function edited(field) {
    if (field === document.activeElement) return true;
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) {
        return o.selected !== o.defaultSelected;
      });
    }
    return field.value !== field.defaultValue;
  }

  /* Put ``html`` in ``box`` in place of what it shows, carrying over edited fields and
   * opened <details> (matched by id, or by form and name). */
  function swapInPlace(box, html) {
    var plain = withoutTokens(html);
    if (box.liveShown === undefined) box.liveShown = withoutTokens(box.innerHTML);
    if (box.liveShown === plain) return;
    box.liveShown = plain;
    var fresh = document.createElement("div");
    fresh.innerHTML = html;
    var before = fieldsOf(box);
    var after = fieldsOf(fresh);
    var focusKey = null, selection = null;
    Object.keys(before).forEach(function (key) {
      var old = before[key], now = after[key];
      if (!now || !edited(old)) return;
      if (old.type === "checkbox" || old.type === "radio") now.checked = old.checked;
      else now.value = old.value;
      if (old === document.activeElement) {
        focusKey = key;
        try { selection = [old.selectionStart, old.selectionEnd]; } catch (e) { selection = null; }
      }
    });
    box.querySelectorAll("details[id]").forEach(function (old) {
      var now = fresh.querySelector("details#" + CSS.escape(old.id));
      if (now) now.open = old.open;
    });
    box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
    if (focusKey && after[focusKey]) {
      after[focusKey].focus();
      if (selection && selection[0] !== null) {
        try { after[focusKey].setSelectionRange(selection[0], selection[1]); } catch (e) {}
      }
    }
    box.dispatchEvent(new CustomEvent("podium:swapped", { bubbles: true }));
  }

  /* One fetch at a time per fragment, so an older answer never replaces a newer one;
   * a change heard meanwhile fetches once more after. */
  function fetchInto(box) {
    if (box.liveBusy) { box.liveAgain = true; return; }
    box.liveBusy = true;
    box.liveAgain = false;
    var url = box.getAttribute("data-live-fragment");
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null) { swapInPlace(box, html); askAgainAfterWindow(box); }
    }).catch(function () {}).then(function () {
      box.liveBusy = false;
      if (box.liveAgain) fetchInto(box);
    });
  }

  /* Nothing is pushed when a performance or scoring window runs out, yet a judge may
   * become late then: the fragment says (data-refresh-in, seconds by the server's
   * clock) when its next window ends, and is fetched again just after. */
  var windowTimers = new WeakMap();
  function askAgainAfterWindow(box) {
    clearTimeout(windowTimers.get(box));
    var marked = box.querySelector("[data-refresh-in]");
    var seconds = marked ? parseInt(marked.getAttribute("data-refresh-in"), 10) : NaN;
    if (seconds > 0) {
      windowTimers.set(box, setTimeout(function () { fetchInto(box); }, seconds * 1000));
    }
  }

  function follow(box) {
    var every = parseInt(box.getAttribute("data-interval") || "3", 10) * 1000;
    var path = box.getAttribute("data-live-socket");
    if (!path) {
      var match = /^\/desk\/([^/?#]+)\//.exec(
        new URL(box.getAttribute("data-live-fragment"), window.location.href).pathname);
      path = match ? "/ws/desk/" + match[1] + "/" : null;
    }
    var pollTimer = null;
    var refreshTimer = null;
    var backoff = 1000;

    function startPolling() {
      if (!pollTimer) pollTimer = setInterval(function () { fetchInto(box); }, every);
    }
    function stopPolling() {
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = null;
    }
    function refreshSoon() {
      if (refreshTimer) return;
      refreshTimer = setTimeout(function () { refreshTimer = null; fetchInto(box); }, 150);
    }
    function connect() {
      if (!path || !("WebSocket" in window)) { startPolling(); return; }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + path);
      var first = true;
      socket.onopen = function () { backoff = 1000; stopPolling(); };
      socket.onmessage = function () {
        // The first message is the state at connect: refetch too, something may have
        // changed while the socket was down.
        if (first) {
          first = false;
          box.setAttribute("data-live", "socket");
          fetchInto(box);
          return;
        }
        refreshSoon();
      };
      socket.onclose = function (event) {
        box.setAttribute("data-live", "polling");
        startPolling();
        if (event.code === 4403 || event.code === 4404) return;  // refused: poll only
        var wait = Math.min(backoff, 30000) * (0.75 + Math.random() * 0.5);
        backoff = Math.min(backoff * 2, 30000);
        setTimeout(connect, wait);
      };
    }

    askAgainAfterWindow(box);
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-fragment]").forEach(follow);
  });
})();
