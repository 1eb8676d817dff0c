"""A public push as what changed since the push before it, for a screen that has that one.

Every public push holds the whole live state (leaderboard/snapshots.py), and a change
usually touches one round's card of the many on the floor. A process's hub
(leaderboard/hub.py) keeps the push it delivered last and sends each viewer that
received it only the difference::

    {"type": "delta", "seq": N, "base": M,
     "set": {key: value, ...}, "gone": [key, ...],
     "order": [round id, ...], "cards": [card, ...]}

``base`` is the sequence number of the push it applies to; ``set`` holds the top-level
keys that are new or changed, ``gone`` those no longer there; ``order`` is the new
floor's round ids in order and ``cards`` its new or changed cards, whole. When the
floor's cards cannot be told apart by round, the floor goes in ``set`` as it is.
``apply`` rebuilds the push exactly; static/podium/live.js does the same in the
browser, and a screen that lacks the base reconnects and starts from the snapshot.
"""

from __future__ import annotations

from typing import Any

_OWN = ("type", "seq")


def _by_round(floor: Any) -> dict[Any, dict] | None:
    """The floor's cards by round id, or None when they are not one card per round."""
    if not isinstance(floor, list):
        return None
    cards = {card.get("round"): card for card in floor if isinstance(card, dict)}
    if len(cards) != len(floor) or None in cards:
        return None
    return cards


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
    """``after`` as a delta on ``before``; None unless both are whole pushes."""
    if before.get("type") != "update" or after.get("type") != "update":
        return None
    changed = {
        key: value
        for key, value in after.items()
        if key not in _OWN and key != "floor" and (key not in before or before[key] != value)
    }
    message = {
        "type": "delta",
        "seq": after.get("seq"),
        "base": before.get("seq"),
        "set": changed,
        "gone": [key for key in before if key not in _OWN and key not in after],
    }
    if "floor" in after:
        old = _by_round(before.get("floor", []))
        new = _by_round(after["floor"])
        if old is None or new is None:
            if before.get("floor") != after["floor"] or "floor" not in before:
                changed["floor"] = after["floor"]
        else:
            message["order"] = list(new)
            message["cards"] = [card for key, card in new.items() if old.get(key) != card]
    return message


def apply(before: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """The push ``message`` (a delta made on ``before``) stands for."""
    after = {key: value for key, value in before.items() if key not in message["gone"]}
    after.update(message["set"])
    after["type"] = "update"
    after["seq"] = message["seq"]
    if "order" in message:
        cards = {card["round"]: card for card in before.get("floor") or ()}
        cards.update((card["round"], card) for card in message["cards"])
        after["floor"] = [cards[key] for key in message["order"]]
    return after
