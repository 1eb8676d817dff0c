/* Countdowns ([data-countdown]) on a judge's tablet: the time left in the performance
 * or scoring window, by the server's clock (data-server-time, when the page or the
 * snapshot was made), whatever this tablet's own clock says. The deadline is stored on
 * the server: a reload shows the same time left. When it is up the sheet can still be
 * sent. The server renders the first countdown (data-deadline, data-timer-label); each
 * snapshot of the floor re-arms it through ``window.podiumCountdown.arm`` (tablet.js):
 * the next window, the next heat, or none (the node is hidden). */
(function () {
  "use strict";
  var armedAt = new WeakMap();  // node -> Date.now() when its server time was read

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (node) {
      var deadline = Date.parse(node.getAttribute("data-deadline") || "");
      if (isNaN(deadline)) return;
      if (!armedAt.has(node)) armedAt.set(node, Date.now());
      var server = Date.parse(node.getAttribute("data-server-time") || "");
      var now = isNaN(server) ? Date.now() : server + (Date.now() - armedAt.get(node));
      var left = Math.round((deadline - now) / 1000);
      var label = node.getAttribute("data-timer-label") || "Time";
      if (left <= 0) {
        node.textContent = label + " is up: send your sheet now";
        node.classList.add("timer-over");
      } else {
        var m = Math.floor(left / 60), s = left % 60;
        node.textContent = label + ": " + m + ":" + (s < 10 ? "0" : "") + s;
        node.classList.remove("timer-over");
      }
    });
  }

  /* Show ``timer`` ({label, deadline}, ISO times) on ``node`` by ``serverTime`` (the
   * server's clock when the snapshot was made), or hide the node when ``timer`` is null. */
  function arm(node, timer, serverTime) {
    if (!node) return;
    if (!timer || !timer.deadline) {
      node.removeAttribute("data-deadline");
      node.removeAttribute("data-timer-label");
      node.classList.remove("timer-over");
      node.textContent = "";
      node.hidden = true;
      return;
    }
    node.setAttribute("data-deadline", timer.deadline);
    node.setAttribute("data-timer-label", timer.label || "Time");
    if (serverTime) node.setAttribute("data-server-time", serverTime);
    else node.removeAttribute("data-server-time");
    armedAt.set(node, Date.now());
    node.hidden = false;
    tick();
  }

  window.podiumCountdown = { arm: arm };
  tick();
  setInterval(tick, 250);
})();
