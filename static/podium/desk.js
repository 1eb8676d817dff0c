/* The results desk follows the floor: each live fragment is fetched again every few
 * seconds (the live-updates issue replaces this polling by websocket pushes). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-fragment]").forEach(function (box) {
      var url = box.getAttribute("data-live-fragment");
      var every = parseInt(box.getAttribute("data-interval") || "3", 10) * 1000;
      setInterval(function () {
        fetch(url, { credentials: "same-origin" }).then(function (r) {
          return r.ok ? r.text() : null;
        }).then(function (html) { if (html !== null) box.innerHTML = html; }).catch(function () {});
      }, every);
    });
  });
})();
