"""A judge's tablet's live snapshot: the rounds to judge, each sheet's state (never the
marks) and the sheet on the floor. The tablet's socket (adjudication/tablet/socket.py)
sends it, and ``/tablet/state.json`` answers it while the socket is down; a plain dict
of JSON types."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from adjudication.day.floor import floor_now
from adjudication.selectors import judge_round_list, round_head
from adjudication.tablet.sessions import tablet_session_active


def tablet_snapshot(
    *, session_key: str | None, tablet_id: int | None, user_id: int | None
) -> dict[str, Any] | None:
    """The tablet's judge, the rounds to judge and each sheet's state (``to_send``,
    ``sent``, ``unlocked``, or ``returned`` for a redance; with its version); ``None``
    when the tablet session is not live (signed out, revoked, expired) or not the
    signed-in user's. Marks are never included."""
    tablet = tablet_session_active(session_key=session_key, tablet_id=tablet_id)
    if tablet is None or tablet.judge.user_id is None or tablet.judge.user_id != user_id:
        return None
    judge = tablet.judge
    rounds = []
    for judged in judge_round_list(user=judge.user, judges=[judge]):
        parts = []
        for part in judged.parts:
            code = f"d{part.dance_id}" if part.dance_id is not None else f"e{part.entry_id}"
            sheet = part.sheet
            if sheet is None:
                state = "to_send"
            elif sheet.unlocked:
                state = "unlocked"
            elif sheet.returned:
                state = "returned"
            else:
                state = "sent"
            parts.append(
                {
                    "code": code,
                    "label": part.name,
                    "bib": part.bib,
                    "state": state,
                    "version": sheet.version if sheet else 0,
                }
            )
        rounds.append(
            {
                **round_head(judged.round),
                "revision": judged.round.revision,
                "parts": parts,
                "away": list(judged.away),
            }
        )
    return {
        "tablet": tablet.pk,
        "judge": {"letter": judge.letter, "name": judge.name},
        "competition": {"id": judge.competition_id, "slug": judge.competition.slug},
        "rounds": rounds,
        "floor": _tablet_floor(judge, rounds),
        "server_time": timezone.now().isoformat(),
    }


def _tablet_floor(judge, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """What is on the floor, for this judge: when it is a part of a round the judge is
    on, ``sheet_state`` is its state and, while the judge has not sent it, ``sheet_url``
    is the sheet to fill now (the tablet opens it by itself) and ``timer`` the countdown
    its page shows (``label`` and ``deadline``, read against the snapshot's
    ``server_time``; ``None`` when no window runs), as the sheet page renders it on a
    first visit. A sheet already sent is never offered again. Nothing about other judges."""
    # The floor of the judge's rounds, when one holds one of them (a tablet follows it).
    now = floor_now(judge.competition, with_late=False, for_rounds=[r["round"] for r in rounds])
    on_floor = now.as_dict()
    on_floor["sheet_url"] = None
    on_floor["timer"] = None
    judged = next((r for r in rounds if r["round"] == on_floor["round"]), None)
    if judged is not None:
        code = f"d{on_floor['dance']}" if on_floor["dance"] is not None else f"e{on_floor['entry']}"
        part = next((p for p in judged["parts"] if p["code"] == code), None)
        if part is not None:
            on_floor["sheet_state"] = part["state"]
        if part is not None and part["state"] in ("to_send", "returned"):
            on_floor["sheet_url"] = reverse(
                "adjudication:tablet-sheet", args=[on_floor["round"], code]
            )
            on_floor["timer"] = now.timer()  # the same as the sheet page's first paint
    return on_floor
