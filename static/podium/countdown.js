/* Countdowns ([data-deadline]) on a judge's tablet: the time left in the performance
 * or scoring window, by the server's clock (data-server-time, when the page was made),
 * whatever this tablet's own clock says. The deadline is stored on the server: a
 * reload shows the same time left. When it is up the sheet can still be sent. */
(function () {
  "use strict";
  var nodes = document.querySelectorAll("[data-deadline]");
  if (!nodes.length) return;
  var loaded = Date.now();
  function tick() {
    nodes.forEach(function (node) {
      var server = Date.parse(node.getAttribute("data-server-time") || "");
      var now = isNaN(server) ? Date.now() : server + (Date.now() - loaded);
      var left = Math.round((Date.parse(node.getAttribute("data-deadline")) - now) / 1000);
      var label = node.getAttribute("data-timer-label") || "Time";
      if (left <= 0) {
        node.textContent = label + " is up: send your sheet now";
        node.classList.add("timer-over");
      } else {
        var m = Math.floor(left / 60), s = left % 60;
        node.textContent = label + ": " + m + ":" + (s < 10 ? "0" : "") + s;
      }
    });
  }
  tick();
  setInterval(tick, 250);
})();
