"""Checks of what a screen shows, run in the page itself: nothing cut off, every text
readable. For the audience's screens (projector, phones, marks sheets) and any test
that walks them.

    assert_nothing_clipped(page)      # no content cut by its box, an ellipsis, or the edge
    assert_contrast(page, minimum=4.5)  # WCAG relative-luminance contrast of every text

Both raise AssertionError listing each offender (a short CSS path and its text), so a
failure says where to look. Elements not rendered (``display: none``, ``hidden``,
``visibility: hidden``, zero-sized) are skipped: a projector's other pages are hidden.
"""

from __future__ import annotations

import os
from pathlib import Path

# Shared by both checks: a readable name for an element, and "is it rendered?".
_HELPERS = """
const describe = (el) => {
  const parts = [];
  for (let node = el; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
    let part = node.tagName.toLowerCase();
    if (node.classList.length) part += "." + [...node.classList].slice(0, 2).join(".");
    parts.unshift(part);
  }
  const text = (el.innerText || el.textContent || "").replace(/\\s+/g, " ").trim();
  return parts.join(" > ") + (text ? ` "${text.slice(0, 60)}"` : "");
};
const rendered = (el) => {
  if (!el.isConnected || el.closest("[hidden]")) return false;
  const style = getComputedStyle(el);
  if (style.visibility !== "visible" || style.display === "none") return false;
  const rect = el.getBoundingClientRect();
  return rect.width > 0 && rect.height > 0;
};
"""

_CLIPPED_JS = (
    "(projector) => {"
    + _HELPERS
    + """
  const found = [];
  const slack = 1;  // sub-pixel rounding
  const root = document.documentElement;
  for (const el of document.querySelectorAll("*")) {
    if (["HEAD", "SCRIPT", "STYLE", "META", "LINK", "TITLE"].includes(el.tagName)) continue;
    if (el !== root && el !== document.body && !rendered(el)) continue;
    const style = getComputedStyle(el);
    const hides = (v) => v === "hidden" || v === "clip";
    if (hides(style.overflowY) && el.scrollHeight > el.clientHeight + slack) {
      found.push(`cut at the bottom (${el.scrollHeight}px in ${el.clientHeight}px): `
        + describe(el));
    }
    if (hides(style.overflowX) && el.scrollWidth > el.clientWidth + slack) {
      found.push(`cut at the side (${el.scrollWidth}px in ${el.clientWidth}px): ${describe(el)}`);
    }
    if (style.textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth + slack) {
      found.push(`cut with an ellipsis: ${describe(el)}`);
    }
  }
  // The page as a whole: nothing beyond the right edge; on a projector, which never
  // scrolls, nothing beyond any edge.
  if (root.scrollWidth > window.innerWidth + slack) {
    found.push(`the page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  if (projector) {
    for (const el of document.body.querySelectorAll("*")) {
      if (!rendered(el) || el.children.length) continue;  // leaves: their parents follow
      const r = el.getBoundingClientRect();
      if (r.top < -slack || r.left < -slack || r.bottom > window.innerHeight + slack
          || r.right > window.innerWidth + slack) {
        found.push(`outside the screen (${Math.round(r.left)},${Math.round(r.top)} to `
          + `${Math.round(r.right)},${Math.round(r.bottom)}): ${describe(el)}`);
      }
    }
  }
  return found;
}"""
)

_CONTRAST_JS = (
    "(minimum) => {"
    + _HELPERS
    + """
  const parse = (value) => {
    const m = value.match(/^rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?\\)$/);
    if (!m) return null;
    return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
  };
  const over = (top, bottom) => {  // top (with alpha) composited over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // The colour under an element: its own and its ancestors' backgrounds, composited
  // from the page's canvas (white unless the root paints one) upward.
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== "none") return { unknown: describe(node) };
      const colour = parse(style.backgroundColor);
      if (colour && colour[3] > 0) layers.push(colour);
      if (colour && colour[3] >= 1) break;
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return { colour: result };
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const el = text.parentElement;
    if (!text.textContent.trim() || seen.has(el) || !rendered(el)) continue;
    if (["SCRIPT", "STYLE", "NOSCRIPT"].includes(el.tagName)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const under = background(el);
    if (under.unknown) {
      found.push(`text over an image (cannot measure): ${under.unknown}`);
      continue;
    }
    let ink = parse(style.color);
    if (!ink) { found.push(`colour ${style.color} not understood: ${describe(el)}`); continue; }
    let opacity = 1;
    for (let node = el; node; node = node.parentElement) opacity *= +getComputedStyle(node).opacity;
    ink = over([ink[0], ink[1], ink[2], ink[3] * opacity], under.colour);
    const [a, b] = [luminance(ink), luminance(under.colour)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < minimum) {
      const back = under.colour.slice(0, 3).map(Math.round);
      found.push(`${ratio.toFixed(2)}:1 (${style.color} on rgb(${back})): ${describe(el)}`);
    }
  }
  return found;
}"""
)


def clipped(page, *, projector: bool | None = None) -> list[str]:
    """What is cut off on ``page``: boxes whose content overflows a hidden overflow,
    ellipsis truncation, a page wider than its window, and, on a projector (a page whose
    root does not scroll; found out unless given), anything outside the screen."""
    if projector is None:
        projector = page.evaluate(
            "() => getComputedStyle(document.documentElement).overflowY === 'hidden'"
        )
    return page.evaluate(_CLIPPED_JS, projector)


def low_contrast(page, *, minimum: float = 4.5) -> list[str]:
    """Each rendered text whose colour against its effective background is below
    ``minimum`` (WCAG 2 contrast ratio: relative luminance, (L1 + 0.05) / (L2 + 0.05))."""
    return page.evaluate(_CONTRAST_JS, minimum)


def assert_nothing_clipped(page, *, projector: bool | None = None) -> None:
    found = clipped(page, projector=projector)
    assert not found, f"{len(found)} clipped on {page.url}:\n  " + "\n  ".join(found[:30])


def assert_contrast(page, minimum: float = 4.5) -> None:
    found = low_contrast(page, minimum=minimum)
    assert not found, f"{len(found)} texts below {minimum}:1 on {page.url}:\n  " + "\n  ".join(
        found[:30]
    )


def capture(page, path: Path, *, full_page: bool = False) -> None:
    """``page.screenshot``, asked once more when Chromium refuses the capture outright
    ("Unable to capture screenshot"), which it does now and then and not again a moment
    later (microsoft/playwright's users report it; robotframework-browser retries it)."""
    from playwright.sync_api import Error  # the browser tests' own dependency

    try:
        page.screenshot(path=str(path), full_page=full_page)
    except Error as refused:
        if "Unable to capture screenshot" not in str(refused):
            raise
        page.wait_for_timeout(250)
        page.screenshot(path=str(path), full_page=full_page)


def screenshot(page, folder: Path, name: str, *, full_page: bool = False) -> Path:
    """Save what the screen shows now, in $PODIUM_SCREENSHOTS if set; ``full_page`` for
    a phone's whole page, the viewport for a projector (which never scrolls)."""
    folder = Path(os.environ.get("PODIUM_SCREENSHOTS") or folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    capture(page, path, full_page=full_page)
    return path


__all__ = [
    "assert_contrast",
    "assert_nothing_clipped",
    "capture",
    "clipped",
    "low_contrast",
    "screenshot",
]
