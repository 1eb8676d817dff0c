"""The desk round page's couples panel: one POST per decision, then back to the round
with a message (``adjudication.desk.couples``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from adjudication.desk.couples import couple_act
from adjudication.desk.pages import desk_required
from adjudication.services import ScoringError
from competitions.models import Dance, Entry, Round


@require_POST
@desk_required
def desk_couple_action(request, round_id: int):
    round_ = get_object_or_404(Round.objects.select_related("event"), pk=round_id)
    entry = Entry.objects.filter(pk=_int(request.POST.get("entry"))).first()
    dance = Dance.objects.filter(
        pk=_int(request.POST.get("from_dance")), event_id=round_.event_id
    ).first()
    if entry is None:
        messages.error(request, "Choose a couple of this round.")
    else:
        try:
            done = couple_act(
                round_=round_,
                entry=entry,
                action=request.POST.get("action", ""),
                actor=request.user,
                reason=request.POST.get("reason", ""),
                from_dance=dance,
            )
            messages.success(request, done)
        except ScoringError as refusal:
            messages.error(request, str(refusal))
    return redirect("adjudication:desk-round", round_.pk)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
