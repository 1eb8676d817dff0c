/* Podium tablet: a component sheet (each couple of the dance on each component allocated
 * to the judge). Every score is an <input type="number"> with the component's scale and
 * step, so a keyboard types it and the browser refuses what is off the scale; this adds
 * a − and + stepper on each side (the first tap on an empty score gives the value last
 * used for that component), Enter moving to the next score, and the counter of scores
 * still missing. Send is possible only once every score is given and on the scale; the
 * server checks again. Sending and the offline queue are tablet.js's.
 */
(function () {
  "use strict";
  var LAST = "podium.lastscore.v1";

  function remembered() {
    try { return JSON.parse(localStorage.getItem(LAST) || "{}"); } catch (e) { return {}; }
  }
  function remember(component, value) {
    var last = remembered();
    last[component] = value;
    try { localStorage.setItem(LAST, JSON.stringify(last)); } catch (e) { /* private mode */ }
  }

  function decimals(text) {
    var dot = String(text).indexOf(".");
    return dot < 0 ? 0 : String(text).length - dot - 1;
  }

  function stepped(input, direction) {
    // The score ``direction`` steps away, on the scale; an empty score takes the value
    // last used for its component (or the middle of the scale).
    var min = parseFloat(input.min), max = parseFloat(input.max), step = parseFloat(input.step);
    var places = Math.max(decimals(input.min), decimals(input.step));
    var top = Math.round((max - min) / step);
    var n;
    if (input.value === "" || isNaN(parseFloat(input.value))) {
      var last = remembered()[input.getAttribute("data-component")];
      var start = last !== undefined ? parseFloat(last) : (min + max) / 2;
      n = Math.round((start - min) / step);
    } else {
      n = Math.round((parseFloat(input.value) - min) / step) + direction;
    }
    n = Math.min(Math.max(n, 0), top);
    return String(parseFloat((min + n * step).toFixed(places)));
  }

  function given(input) { return input.value !== "" && input.validity.valid; }

  function sendWhen(form, ready, why) {
    var button = form.querySelector("[data-submit]");
    var note = form.querySelector("[data-send-why]");
    if (button && !form.hasAttribute("data-queued")) button.disabled = !ready;
    if (note) { note.textContent = ready ? "" : why; note.hidden = ready; }
  }

  function wire(form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("[data-score-cell] input"));
    var out = form.querySelector("[data-counter]");

    function update() {
      var missing = 0, off = [];
      inputs.forEach(function (input) {
        var bad = input.value !== "" && !input.validity.valid || input.validity.badInput;
        input.closest("[data-score-cell]").classList.toggle("off-scale", bad);
        input.closest("[data-score-cell]").classList.toggle("given", given(input));
        if (bad) {
          off.push(input.getAttribute("aria-label") + ": " + (input.value || "not a number") +
                   " (" + input.min + "–" + input.max + ", steps of " + input.step + ")");
        }
        else if (input.value === "") missing += 1;
      });
      var done = inputs.length - missing - off.length;
      var ready = missing === 0 && off.length === 0;
      if (out) {
        out.textContent = off.length
          ? off.length + (off.length === 1 ? " score" : " scores") + " off the scale or its steps: " + off.join("; ")
          : missing
            ? missing + (missing === 1 ? " score" : " scores") + " still missing (" + done + " of " + inputs.length + " given)"
            : "All " + inputs.length + " scores given: ready to send";
        out.classList.toggle("ready", ready);
        out.classList.toggle("trouble", off.length > 0);
      }
      sendWhen(form, ready, off.length
        ? "Send is possible once every score is on the scale, in its steps."
        : "Send is possible once every couple has every score: " + missing + " still missing.");
    }

    form.querySelectorAll("[data-score-cell]").forEach(function (cell) {
      var input = cell.querySelector("input");
      cell.querySelectorAll("button[data-step]").forEach(function (button) {
        button.hidden = false;
        button.setAttribute("aria-label", (button.getAttribute("data-step") === "1" ? "higher: " : "lower: ") +
                            input.getAttribute("aria-label"));
        button.addEventListener("click", function () {
          input.value = stepped(input, parseInt(button.getAttribute("data-step"), 10));
          remember(input.getAttribute("data-component"), input.value);
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
      input.addEventListener("change", function () {
        if (given(input)) remember(input.getAttribute("data-component"), input.value);
      });
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        // Enter goes to the next score; on the last one it sends a complete sheet.
        var next = inputs[inputs.indexOf(input) + 1];
        if (next) { event.preventDefault(); next.focus(); next.select(); }
      });
    });
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('form[data-kind="components"]').forEach(wire);
  });
})();
