"""The desk's paper sheet, sent: stored, or (a recall sheet with the wrong number of
crosses) returned to its judge or accepted as it is by the chairman, as the rules give."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages

from adjudication.incidents.miscount import (
    ACCEPT_PERMISSION,
    paper_sheet_return,
    recall_miscount,
)
from adjudication.models import Sheet
from adjudication.services import ScoringError, sheet_submit
from adjudication.sheets import SheetView, sheet_input_from_form
from competitions.access import staff_can


def paper_sheet_allowed(user, competition_id: int) -> bool:
    """The scrutineer types paper sheets; the chairman may too, to accept a miscounted
    recall sheet as it is (a colleague still confirms it)."""
    return staff_can(user, "adjudication.enter_paper_sheet", competition_id) or staff_can(
        user, ACCEPT_PERMISSION, competition_id
    )


def paper_sheet_send(request, view: SheetView) -> tuple[bool, ScoringError | None, dict]:
    """Act on the posted paper sheet: ``(done, refusal, posted marks)``; when done the
    message for the scrutineer is queued."""
    data = sheet_input_from_form(view, request.POST, default_reason="typed from the paper sheet")
    action = request.POST.get("action", "")
    judge = view.judge
    competition_id = view.round.event.competition_id
    try:
        if action != "accept" and not staff_can(
            request.user, "adjudication.enter_paper_sheet", competition_id
        ):
            raise ScoringError(
                "Typing in paper sheets is for scrutineers: the chairman only accepts a "
                "miscounted recall sheet as it is.",
                "forbidden",
            )
        if action == "return":
            messages.info(request, paper_sheet_return(data=data, actor=request.user))
            return True, None, data.marks
        if action == "accept":
            reason = request.POST.get("accept_count_reason", "").strip()
            if not reason:
                raise ScoringError("Say why the chairman accepts the sheet as it is.")
            data = dataclasses.replace(data, accept_count_reason=reason)
        sheet_submit(data=data, actor=request.user, source=Sheet.Source.PAPER)
    except ScoringError as refusal:
        return False, refusal, data.marks
    messages.success(
        request,
        f"Paper sheet of judge {judge.letter} stored"
        + (" as the chairman accepted it" if action == "accept" else "")
        + ": a colleague confirms it before it counts.",
    )
    return True, None, data.marks


def miscount_context(request, view: SheetView, posted: dict | None) -> dict[str, Any]:
    """The rules' choice for a recall sheet with the wrong number of crosses, if it is one."""
    if not posted or view.kind != "recall":
        return {}
    miscount = recall_miscount(view.round, posted)
    if miscount is None:
        return {}
    return {
        "miscount": miscount,
        "can_accept": staff_can(request.user, ACCEPT_PERMISSION, view.round.event.competition_id),
        "accept_count_reason": request.POST.get("accept_count_reason", ""),
    }
