/* The results desk follows the floor. Each live fragment ([data-live-fragment]) is
 * fetched again over HTTP whenever the desk's websocket (ws/desk/<slug>/) says
 * something changed; while the socket is down (or refused), the fragment is polled
 * every few seconds as before, and the socket reconnects with growing pauses.
 * The socket's address comes from data-live-socket, or from the fragment's
 * /desk/<slug>/ address. */
(function () {
  "use strict";

  function fetchInto(box) {
    var url = box.getAttribute("data-live-fragment");
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null) { box.innerHTML = html; askAgainAfterWindow(box); }
    }).catch(function () {});
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
        if (first) { first = false; fetchInto(box); return; }
        refreshSoon();
      };
      socket.onclose = function (event) {
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
