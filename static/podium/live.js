/* Podium live screens: the projector (/live/<slug>/) and the audience's phones
 * (/results/<slug>/).
 *
 * The page arrives rendered by the server, with the same snapshot as JSON
 * (#live-snapshot). This script connects ws/live/<slug>/ and redraws from what it sends:
 *
 * - a "snapshot" (on every connect) or an "update" (after each change, at most a few a
 *   second) holds the whole live state, so one lost message never leaves the screen
 *   wrong: the next one repairs it. Each carries the public sequence number ("seq");
 *   older ones (several web processes may deliver slightly out of order) are skipped.
 * - a "delta" stands for the next "update" as what changed since the one this socket
 *   received last ("base"): the top-level values set or gone, the floor's order and
 *   its changed cards (leaderboard/deltas.py). It is rebuilt into that update here;
 *   without its base the screen reconnects, and starts again from the snapshot.
 * - the published results ride along only when a round changed; every message says
 *   which results are current ("results_rev"). A screen that missed them (a gap in the
 *   sequence while results changed) fetches the snapshot, after a random pause so a
 *   hall full of phones does not ask at once.
 * - when the socket drops, it reconnects by itself with growing pauses (1 s to 30 s,
 *   jittered) and meanwhile polls the snapshot every few seconds so the screen keeps
 *   moving. A 4404 close (no such competition) stops it.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-root]");
  var initial = document.getElementById("live-snapshot");
  if (!root || !initial) return;

  var view = root.getAttribute("data-live-view");
  var socketPath = root.getAttribute("data-live-socket");
  var snapshotUrl = root.getAttribute("data-live-snapshot");
  // One floor's screen (several floors): its "now", "next" and open rounds only.
  var floorSlug = root.getAttribute("data-live-floor-slug");
  var state = JSON.parse(initial.textContent);
  var staleCount = 0;
  var socket = null;
  var backoff = 1000;
  var pollTimer = null;
  var refetchTimer = null;
  var stopped = false;
  var lastPush = null;  // the last "update" this socket brought, whole

  // --- Drawing ------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function bib(value) { return el("li", "live-bib", value === null ? "–" : value); }
  function bibSpan(value) { return el("span", "live-bib", value === null ? "–" : value); }

  function size(item) {
    var count = 0;
    item.heats.forEach(function (heat) { count += heat.bibs.length; });
    return count <= 8 ? "s" : count <= 16 ? "m" : count <= 32 ? "l" : "xl";
  }

  function rows(item) {
    var count = item.running ? item.running.length : 0;
    return count <= 8 ? "s" : count <= 14 ? "m" : "l";
  }

  function drawRound(item) {
    var running = item.running && item.running.length;
    var box = el("article", "live-round live-round-" + item.status + (running ? " has-running" : ""));
    box.setAttribute("data-round", item.round);
    var head = el("header", "live-round-head");
    head.appendChild(el("h2", "live-event", item.event));
    head.appendChild(el("p", "live-kind",
      item.kind_label + (item.recall ? " · " + item.recall + " to recall" : "")));
    if (item.status === "closed") head.appendChild(el("p", "live-note", "Results are being checked"));
    box.appendChild(head);
    var main = el("div", "live-round-main");
    var heats = el("div", "live-heats bibs-" + size(item));
    item.heats.forEach(function (heat) {
      var h = el("div", "live-heat");
      h.setAttribute("data-heat", heat.number);
      if (item.heats.length > 1) h.appendChild(el("h3", "live-heat-title", "Heat " + heat.number));
      var list = el("ul", "live-bibs");
      heat.bibs.forEach(function (b) { list.appendChild(bib(b)); });
      h.appendChild(list);
      heats.appendChild(h);
    });
    main.appendChild(heats);
    if (item.status === "open") {
      var parts = el("ul", "live-parts live-parts-" + item.method);
      item.parts.forEach(function (part) {
        var li = el("li", "live-part" + (part.in >= item.judges ? " live-part-done" : ""));
        if (item.method === "criteria") {
          li.appendChild(bibSpan(part.bib));
          li.appendChild(el("span", "live-part-name", part.label));
        } else {
          li.appendChild(el("span", "live-part-label", part.label));
        }
        li.appendChild(el("span", "live-part-count", part.in + "/" + item.judges));
        parts.appendChild(li);
      });
      main.appendChild(parts);
      var progress = el("p", "live-progress");
      progress.appendChild(el("span", "live-progress-in", item.sheets_in));
      progress.appendChild(document.createTextNode(" of " + item.sheets_due + " sheets in"));
      main.appendChild(progress);
    }
    box.appendChild(main);
    if (running) {
      var side = el("div", "live-round-side");
      var board = el("ol", "live-running rows-" + rows(item));
      item.running.forEach(function (row) {
        var li = el("li");
        li.appendChild(bibSpan(row.bib));
        li.appendChild(el("span", "live-name", row.name));
        li.appendChild(el("span", "live-total", row.total));
        li.appendChild(el("span", "live-judges-in", row.judges_in + "/" + item.judges));
        board.appendChild(li);
      });
      side.appendChild(board);
      side.appendChild(el("p", "live-note live-provisional", "Running total, provisional until published"));
      box.appendChild(side);
    }
    return box;
  }

  // A component final: the last dance's score on each component, labelled, and its sum.
  function componentScores(block, row) {
    var scores = el("span", "live-scores");
    (row.scores || []).forEach(function (score) {
      var cell = el("span", "live-score");
      cell.appendChild(el("span", "live-score-label", score.component));
      cell.appendChild(el("span", "live-score-value", score.score));
      scores.appendChild(cell);
    });
    if (row.dance_score) {
      var dance = el("span", "live-score live-score-dance");
      dance.appendChild(el("span", "live-score-label", block.dance));
      dance.appendChild(el("span", "live-score-value", row.dance_score));
      scores.appendChild(dance);
    }
    return scores;
  }

  function drawResult(block) {
    var box = el("article", "live-result");
    box.setAttribute("data-round", block.round);
    box.appendChild(el("h2", "live-event", block.event));
    box.appendChild(el("p", "live-kind",
      block.kind_label + " · " + (block.type === "recalls" ? "recalled" : "results")));
    if (block.type === "recalls") {
      var list = el("ul", "live-bibs live-recalled");
      block.recalled.forEach(function (b) { list.appendChild(bib(b)); });
      box.appendChild(list);
    } else {
      var ol = el("ol", "live-placings");
      block.placings.forEach(function (row) {
        var li = el("li");
        li.appendChild(el("span", "live-place", row.place));
        li.appendChild(bibSpan(row.bib));
        var who = el("span", "live-who");
        who.appendChild(el("span", "live-name", row.name));
        if (row.club) {
          who.appendChild(document.createTextNode(" "));
          who.appendChild(el("span", "live-club", row.club));
        }
        li.appendChild(who);
        if (block.components) li.appendChild(componentScores(block, row));
        if (row.total) li.appendChild(el("span", "live-total", row.total));
        ol.appendChild(li);
      });
      if (block.components) {
        ol.classList.add("live-with-components");
        box.appendChild(el("p", "live-components-note",
          "Scores of the " + block.dance + " and the total over the dances"));
      }
      box.appendChild(ol);
    }
    if (block.out && block.out.length) {  // absent or disqualified: no place
      var out = el("ul", "live-out");
      block.out.forEach(function (row) {
        var li = el("li");
        li.appendChild(bibSpan(row.bib));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "live-name", row.name));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "live-why", row.why));
        out.appendChild(li);
      });
      box.appendChild(out);
    }
    return box;
  }

  // --- What is on the floor now, with its countdown -----------------------------------------

  // The server's clock minus this screen's, from the snapshot's "server_time", so the
  // countdowns agree with the judges' tablets whatever this device's clock says.
  var clockSkew = 0;
  function syncClock() {
    var server = Date.parse(state.server_time || "");
    if (!isNaN(server)) clockSkew = server - Date.now();
  }

  function drawNow(now) {
    if (!now || now.phase === "idle") return [];
    var box = el("div", "live-now live-now-" + now.phase);
    var head = el("p", "live-now-label");
    head.appendChild(el("span", "live-now-tag", now.phase === "break" ? "Break" : "On the floor"));
    head.appendChild(document.createTextNode(" " + now.label));
    box.appendChild(head);
    if (now.redance) box.appendChild(el("p", "live-redance", now.redance));  // "Redance — Heat 2, Samba"
    if (now.bibs && now.bibs.length && now.phase !== "break") {
      var list = el("ul", "live-bibs live-now-bibs");
      now.bibs.forEach(function (b) { list.appendChild(bib(b)); });
      box.appendChild(list);
    }
    var deadline = now.phase === "dancing" ? now.performance_ends_at
      : now.phase === "danced" ? now.scoring_ends_at
      : now.phase === "break" ? now.break_ends_at : null;
    if (deadline) {
      var timer = el("p", "live-timer");
      timer.setAttribute("data-deadline", deadline);
      timer.setAttribute("data-timer-label", now.phase === "danced" ? "Judges scoring" : now.phase === "break" ? "Back in" : "Time");
      box.appendChild(timer);
    }
    return [box];
  }

  function markHeatOnFloor() {
    var now = state.now || {};
    root.querySelectorAll(".live-heat-now").forEach(function (n) { n.classList.remove("live-heat-now"); });
    if (!now.round || !now.heat) return;
    var round = root.querySelector('[data-live-floor] [data-round="' + now.round + '"]');
    if (!round) return;
    var heat = round.querySelector('[data-heat="' + now.heat + '"]');
    if (heat) heat.classList.add("live-heat-now");
  }

  function tick() {
    root.querySelectorAll("[data-deadline]").forEach(function (node) {
      var left = Math.round((Date.parse(node.getAttribute("data-deadline")) - (Date.now() + clockSkew)) / 1000);
      var label = node.getAttribute("data-timer-label") || "Time";
      if (left <= 0) {
        node.textContent = label === "Judges scoring" ? "Scoring time is up" : label + ": 0:00";
        node.classList.add("live-timer-over");
      } else {
        var m = Math.floor(left / 60), sec = left % 60;
        node.textContent = label + ": " + m + ":" + (sec < 10 ? "0" : "") + sec;
        node.classList.remove("live-timer-over");
      }
    });
  }

  function replace(selector, nodes) {
    var box = root.querySelector(selector);
    if (!box) return;
    box.textContent = "";
    nodes.forEach(function (node) { box.appendChild(node); });
  }

  // The phone's list of marks sheets: how many of each event's rounds are published.
  function countPublished(results) {
    var published = {};
    results.forEach(function (block) {
      published[block.event_id] = (published[block.event_id] || 0) + 1;
    });
    document.querySelectorAll("[data-event-published]").forEach(function (span) {
      var total = Number(span.getAttribute("data-rounds"));
      var count = published[span.getAttribute("data-event-published")] || 0;
      span.textContent = count + " of " + total + " round" + (total === 1 ? "" : "s") + " published";
    });
  }

  function render() {
    var results = state.results || [];
    var byRound = {};
    results.forEach(function (block) { byRound[block.round] = block; });
    // The projector pages through the latest results (newest first); phones list them all.
    var latest = (state.recent || []).filter(function (id) { return byRound[id]; })
      .map(function (id) { return drawResult(byRound[id]); });
    replace("[data-live-latest]", latest);

    var finished = !!state.competition.finished;
    var floor = state.floor.map(drawRound);
    if (!floor.length && (finished || !(view === "projector" && latest.length))) {
      floor = [el("p", "live-idle" + (finished ? " live-finished" : ""),
        finished ? state.competition.name + ": finished"
          : view === "projector" ? state.competition.name : "Nothing on the floor right now.")];
    }
    replace("[data-live-floor]", floor);

    replace("[data-live-now]", drawNow(state.now));
    markHeatOnFloor();

    var next = state.next.map(function (item) {
      var p = el("p", "live-next-line", item.starts ? item.starts + " " : "Next: ");
      p.appendChild(el("strong", null, item.event));
      p.appendChild(document.createTextNode(" · " + item.kind_label +
        (item.round && item.drawn === false ? " (to be drawn)" : "")));
      return p;
    });
    if (!next.length) {
      next = [el("p", "live-next-line", finished ? "Finished: every result is published"
        : state.floor.length ? "Last on the programme" : "Nothing more on the programme")];
    }
    replace("[data-live-next]", next);

    var all = results.slice().reverse().map(drawResult);
    if (!all.length) all = [el("p", "live-idle", "No results published yet.")];
    replace("[data-live-results]", all);
    if (state.results) countPublished(results);
    layoutPages();
  }

  // --- The projector's pages ------------------------------------------------------------------
  // Its cards (the open rounds, then the latest results) are packed into the columns of
  // the stage, each shrunk a little if need be, or given the whole width; what does not
  // fit goes on the next page. Nothing is cut: the pages turn every data-live-page-seconds
  // (arrow keys turn them at once), and "2 / 3" in the bar says which one is showing.
  var COLUMNS = 2;
  var MIN_FIT = 0.75;       // the smallest a card in a column may shrink to
  var MIN_FIT_WIDE = 0.55;  // and across the whole width, before it is cut
  var pager = { pages: [], index: 0, shownAt: Date.now(), newest: null };

  function fitCard(card, width, height, least) {
    var fit = 1;
    card.style.width = width + "px";
    card.style.setProperty("--fit", "1");
    while (card.offsetHeight > height && fit > least) {
      fit = Math.max(least, fit - 0.05);
      card.style.setProperty("--fit", fit.toFixed(2));
    }
    return card.offsetHeight <= height;
  }

  function packCards(stage, cards) {
    var width = stage.clientWidth, height = stage.clientHeight;
    var gap = parseFloat(getComputedStyle(stage).rowGap) || 0;
    var column = (width - gap * (COLUMNS - 1)) / COLUMNS;
    var pages = [[]], col = 0, y = 0;
    function newPage() { pages.push([]); col = 0; y = 0; }
    cards.forEach(function (card) {
      var page = pages[pages.length - 1];
      var alone = card.classList.contains("live-idle");  // the competition's name, centred
      if (alone || !fitCard(card, column, height, MIN_FIT)) {  // the whole width, a page of its own
        fitCard(card, width, height, MIN_FIT_WIDE);
        if (page.length) newPage();
        card.style.left = "0px";
        card.style.top = "0px";
        pages[pages.length - 1].push(card);
        newPage();
        return;
      }
      var tall = card.offsetHeight;
      if (y && y + gap + tall > height) { col += 1; y = 0; }
      if (col >= COLUMNS) newPage();
      card.style.left = (col * (column + gap)) + "px";
      card.style.top = (y ? y + gap : 0) + "px";
      y = (y ? y + gap : 0) + tall;
      pages[pages.length - 1].push(card);
    });
    return pages.filter(function (page) { return page.length; });
  }

  function layoutPages() {
    var stage = root.querySelector("[data-live-stage]");
    if (!stage || !stage.clientHeight) return;
    stage.classList.add("is-paged");
    var cards = Array.prototype.slice.call(
      stage.querySelectorAll("[data-live-floor] > *, [data-live-latest] > *"));
    cards.forEach(function (card) { card.classList.remove("is-off-page"); });
    pager.pages = packCards(stage, cards);
    // A result just published: show its page now.
    var newest = (state.recent || [])[0] || null;
    if (pager.newest !== null && newest !== pager.newest) {
      var card = stage.querySelector('[data-live-latest] [data-round="' + newest + '"]');
      var found = pager.pages.findIndex(function (page) { return page.indexOf(card) >= 0; });
      if (found >= 0) { pager.index = found; pager.shownAt = Date.now(); }
    }
    pager.newest = newest;
    showPage(Math.min(pager.index, pager.pages.length - 1));
  }

  function showPage(index) {
    var pages = pager.pages;
    pager.index = Math.max(index, 0);
    pages.forEach(function (page, n) {
      page.forEach(function (card) { card.classList.toggle("is-off-page", n !== pager.index); });
    });
    var indicator = root.querySelector("[data-live-pages]");
    if (indicator) {
      indicator.hidden = pages.length < 2;
      indicator.textContent = (pager.index + 1) + " / " + Math.max(pages.length, 1);
    }
  }

  function turnPage(step) {
    var count = pager.pages.length;
    pager.shownAt = Date.now();
    if (count > 1) showPage((pager.index + step + count) % count);
  }

  function pagerTick() {
    var seconds = parseFloat(root.getAttribute("data-live-page-seconds")) || 12;
    if (Date.now() - pager.shownAt >= seconds * 1000) turnPage(1);
  }

  // --- State ----------------------------------------------------------------------------

  // The results this screen should show: the newest "results_rev" it has heard of.
  var wantedRev = state.results_rev;

  function apply(message, fromSnapshot) {
    if (message.type !== "snapshot" && message.type !== "update") return;
    var newer = message.seq > state.seq || (fromSnapshot && message.seq === state.seq);
    if (!newer) {
      // Older than what is shown. Three in a row: the server's counter was reset.
      staleCount += 1;
      newer = staleCount >= 3;
    }
    if (newer) {
      staleCount = 0;
      wantedRev = message.results_rev;
    }
    var resultsChanged = false;
    if (message.results && message.results_rev === wantedRev) {
      resultsChanged = state.results_rev !== message.results_rev || !state.results;
      state.results = message.results;
      state.results_rev = message.results_rev;
    }
    if (newer) {
      ["seq", "competition", "floor", "now", "next", "recent", "server_time"].forEach(function (key) {
        state[key] = message[key];
      });
      if (floorSlug) onFloor(message.floors || []);
    }
    if (newer) syncClock();
    if (newer || resultsChanged) render();
    // Results changed in a push this screen missed (a gap in the sequence, or a push
    // without them): fetch them. Any other gap costs nothing, each push being whole.
    if (state.results_rev !== wantedRev) refetchSoon();
  }

  function onFloor(floors) {
    var mine = floors.filter(function (floor) { return floor.slug === floorSlug; })[0];
    if (!mine) return;
    state.now = mine.now;
    state.next = mine.next;
    state.floor = (state.floor || []).filter(function (item) {
      return mine.rounds.indexOf(item.round) !== -1;
    });
  }

  // The update a delta stands for (leaderboard/deltas.py, ``apply``), or null without
  // its base.
  function rebuilt(delta) {
    if (!lastPush || lastPush.seq !== delta.base) return null;
    var push = {};
    Object.keys(lastPush).forEach(function (key) {
      if (delta.gone.indexOf(key) === -1) push[key] = lastPush[key];
    });
    Object.keys(delta.set).forEach(function (key) { push[key] = delta.set[key]; });
    push.type = "update";
    push.seq = delta.seq;
    if (delta.order) {
      var cards = {};
      (lastPush.floor || []).forEach(function (card) { cards[card.round] = card; });
      delta.cards.forEach(function (card) { cards[card.round] = card; });
      push.floor = delta.order.map(function (round) { return cards[round]; });
    }
    return push;
  }

  function received(message) {
    if (message.type === "delta") {
      message = rebuilt(message);
      // Without its base (a frame lost to a parse error): start over on a new socket,
      // whose first message is the snapshot and whose pushes come whole until then.
      if (!message) { lastPush = null; if (socket) socket.close(); return; }
    }
    if (message.type === "update") lastPush = message;
    apply(message, message.type === "snapshot");
  }

  function fetchSnapshot() {
    return fetch(snapshotUrl, { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (snapshot) { if (snapshot) apply(snapshot, true); })
      .catch(function () { /* the next poll or push will do */ });
  }

  function refetchSoon() {
    if (refetchTimer) return;
    // A random pause, so a hall full of phones does not ask at the same moment; tried
    // again after each answer that still lacks them (a cache may hold an older one).
    refetchTimer = setTimeout(function () {
      fetchSnapshot().then(function () {
        refetchTimer = null;
        if (state.results_rev !== wantedRev) refetchSoon();
      });
    }, 200 + Math.random() * 1800);
  }

  // --- The socket, and polling while it is down -------------------------------------------

  function status(text, live) {
    var node = root.querySelector("[data-live-conn]");
    if (!node) return;
    node.textContent = text;
    node.classList.toggle("is-live", !!live);
    node.classList.toggle("is-down", !live);
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(fetchSnapshot, 2500 + Math.random() * 1000);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect() {
    if (stopped || !("WebSocket" in window)) { startPolling(); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + socketPath);
    socket.onopen = function () {
      backoff = 1000;
      stopPolling();
      status("live", true);
    };
    socket.onmessage = function (event) {
      try {
        received(JSON.parse(event.data));
      } catch (e) { /* ignore a bad frame */ }
    };
    socket.onclose = function (event) {
      socket = null;
      lastPush = null;
      if (event.code === 4404) { stopped = true; status("not found", false); return; }
      status("reconnecting…", false);
      startPolling();
      var wait = Math.min(backoff, 30000) * (0.75 + Math.random() * 0.5);
      backoff = Math.min(backoff * 2, 30000);
      setTimeout(connect, wait);
    };
  }

  // --- Full screen (the projector) -----------------------------------------------------------

  var button = root.querySelector("[data-live-fullscreen]");
  if (button) {
    if (!document.fullscreenEnabled) button.hidden = true;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "f" || event.key === "F") button.click();
    });
    document.addEventListener("fullscreenchange", function () {
      document.documentElement.classList.toggle("is-fullscreen", !!document.fullscreenElement);
    });
  }

  if (view === "projector") {
    document.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight" || event.key === "PageDown") turnPage(1);
      if (event.key === "ArrowLeft" || event.key === "PageUp") turnPage(-1);
    });
    var stage = root.querySelector("[data-live-stage]");
    // A new size (full screen, a "now" panel coming or going, fonts loaded): pack again.
    if (stage && "ResizeObserver" in window) new ResizeObserver(layoutPages).observe(stage);
    if (document.fonts) document.fonts.ready.then(layoutPages);
    setInterval(pagerTick, 250);
  }

  state.results = state.results || [];
  syncClock();
  markHeatOnFloor();
  layoutPages();
  tick();
  setInterval(tick, 250);
  connect();
  window.addEventListener("online", function () { if (!socket) connect(); });
})();
