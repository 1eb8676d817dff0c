"""The desk's panels page: who judges each round of each event (replacements noted),
the replacements made today, the chairman's "Replace a judge" form per event and a
"Take back" form beside each replacement not yet judged. Thin over
``adjudication.incidents.judges`` (``judge_replace``, ``judge_replacement_undo``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from adjudication.desk.pages import desk_required
from adjudication.incidents.judges import (
    event_round_panels,
    judge_replace,
    judge_replacement_undo,
    replacements_undoable,
)
from adjudication.services import ScoringError
from competitions.access import staff_can
from competitions.models import (
    Competition,
    Event,
    Incident,
    Judge,
    PanelSeat,
    Round,
    RoundStatus,
)


class JudgeReplaceForm(forms.Form):
    """The chairman's choice. The lists offer what makes sense (the panel's judges, the
    reserve judges, the rounds still to judge); anything else posted is refused by the
    service with its own message."""

    event = forms.IntegerField(widget=forms.HiddenInput)
    judge = forms.ModelChoiceField(Judge.objects.none(), label="Judge leaving the panel")
    replacement = forms.ModelChoiceField(
        Judge.objects.all(),
        label="Replacement (reserve judge)",
        help_text="Add reserve judges, with their letter, in the admin beforehand.",
    )
    from_round = forms.ModelChoiceField(Round.objects.none(), label="From round")
    finish_current = forms.TypedChoiceField(
        label="If that round is open now",
        choices=[
            ("0", "Re-collect it from the replacement (the leaving judge's sheets set aside)"),
            ("1", "The leaving judge finishes it; the replacement starts at the next round"),
        ],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(max_length=300, required=False, label="Reason (kept in the trail)")

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].initial = event.pk
        self.fields["judge"].queryset = Judge.objects.filter(competition_id=event.competition_id)
        self.fields["from_round"].queryset = event.rounds.all()
        on_panel = set(event.panel.values_list("judge_id", flat=True))
        current = event.panel.filter(until_round__isnull=True, shadow=False).select_related("judge")
        self.fields["judge"].widget.choices = [("", "---------")] + [
            (seat.judge_id, str(seat.judge)) for seat in current
        ]
        reserves = Judge.objects.filter(competition_id=event.competition_id).exclude(
            pk__in=on_panel
        )
        self.fields["replacement"].widget.choices = [("", "---------")] + [
            (judge.pk, str(judge)) for judge in reserves
        ]
        self.fields["from_round"].widget.choices = [
            (r.pk, f"{r.get_kind_display()} ({r.get_status_display().lower()})")
            for r in event.rounds.filter(status__in=[RoundStatus.OPEN, RoundStatus.PLANNED])
        ]


def _events(competition: Competition, post, event_id: int | None) -> list[dict]:
    events = []
    for event in competition.events.order_by("position", "id"):
        bound = post if event.pk == event_id else None
        events.append(
            {
                "event": event,
                "rounds": event_round_panels(event),
                "undoable": replacements_undoable(event),
                "form": JudgeReplaceForm(bound, event=event, prefix=f"e{event.pk}"),
            }
        )
    return events


@never_cache
@desk_required
@require_http_methods(["GET", "POST"])
def desk_panels(request, slug: str):
    competition = get_object_or_404(Competition, slug=slug)
    may_replace = staff_can(request.user, "competitions.replace_judge", competition.pk)
    event_id, status = None, 200
    if request.method == "POST" and request.POST.get("action") == "take-back":
        _take_back(request, competition)
        return redirect("adjudication:desk-panels", competition.slug)
    if request.method == "POST":
        event_id = _posted_event(request, competition)
        outcome = _replace(request, competition, event_id)
        if outcome is None:
            return redirect("adjudication:desk-panels", competition.slug)
        status = 400
    context = {
        "competition": competition,
        "may_replace": may_replace,
        "events": _events(competition, request.POST if event_id else None, event_id),
        "trail": Incident.objects.filter(
            competition=competition, kind=Incident.Kind.JUDGE_REPLACED
        ).select_related("judge", "other_judge", "actor", "round__event"),
    }
    return render(request, "adjudication/desk_panels.html", context, status=status)


def _posted_event(request, competition: Competition) -> int:
    event_id = request.POST.get("event", "")
    for key, value in request.POST.items():
        if key.endswith("-event"):
            event_id = value
    event = get_object_or_404(
        Event, pk=int(event_id) if event_id.isdigit() else 0, competition=competition
    )
    return event.pk


def _replace(request, competition: Competition, event_id: int) -> str | None:
    """Replace as posted; None when done (a message says so), else what was wrong."""
    event = Event.objects.get(pk=event_id)
    form = JudgeReplaceForm(request.POST, event=event, prefix=f"e{event.pk}")
    if not form.is_valid():
        messages.error(request, "Choose the judge, the replacement and the round.")
        return "invalid"
    data = form.cleaned_data
    try:
        done = judge_replace(
            event=event,
            judge=data["judge"],
            replacement=data["replacement"],
            from_round=data["from_round"],
            finish_current=data["finish_current"],
            actor=request.user,
            reason=data["reason"],
        )
    except ScoringError as refusal:
        messages.error(request, refusal.message)
        return refusal.code
    signed_out = (
        f" Their tablet was signed out ({done.tablets_revoked})." if done.tablets_revoked else ""
    )
    messages.success(request, f"{done.incident.summary}.{signed_out}")
    return None


def _take_back(request, competition: Competition) -> None:
    """Take back the replacement posted; a message says what happened."""
    seat_id = request.POST.get("seat", "")
    seat = get_object_or_404(
        PanelSeat.objects.select_related("judge", "replaces__judge"),
        pk=int(seat_id) if seat_id.isdigit() else 0,
        event__competition=competition,
    )
    try:
        incident = judge_replacement_undo(
            seat=seat, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ScoringError as refusal:
        messages.error(request, refusal.message)
        return
    messages.success(request, f"{incident.summary}.")
