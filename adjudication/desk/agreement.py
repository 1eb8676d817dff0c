"""How each judge agreed with the panel, at the desk: the page (every event, or one),
its CSV and its API twin, all from ``adjudication.results.agreement``. Reading it needs
``competitions.view_judge_agreement`` (the chairman and the organizer); judges are
named only when the organizer allows it (``Competition.agreement_shows_names``)."""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from adjudication.desk.api import DeskApi
from adjudication.desk.pages import staff_page_required
from adjudication.results.agreement import Agreement, competition_agreement
from competitions.access import staff_can
from competitions.models import Competition, Event
from competitions.public_api import SLUG
from scoring_site.api import error_response, errors
from scoring_site.spreadsheet import csv_dict_writer

VIEW_AGREEMENT = "competitions.view_judge_agreement"

agreement_required = staff_page_required(
    VIEW_AGREEMENT, "How each judge agreed with the panel is for the chairman and the organizer."
)

CSV_COLUMNS = [
    "event",
    "round",
    "measure",
    "judge",
    "shadow",
    "part",
    "crosses",
    "crosses_on_recalled",
    "share_recalled",
    "spearman_rho",
    "mean_place_difference",
    "scores",
    "mean_deviation_steps",
    "scores_two_steps_away",
    "scores_discarded",
    "own_recalls",
    "own_recalls_on_recalled",
]


def _event(competition: Competition, value: str | None) -> Event | None:
    """The event asked for (``?event=`` or the path), or None for every event; 404 for
    a value that is not one of this competition's events."""
    if value in (None, ""):
        return None
    if not str(value).isdigit() or len(str(value)) > 18:
        raise Http404("No such event.")
    return get_object_or_404(Event, competition=competition, pk=int(value))


@never_cache
@agreement_required
def desk_agreement(request, slug: str, event_id: int | None = None):
    competition = get_object_or_404(Competition, slug=slug)
    event = _event(competition, event_id)
    report = competition_agreement(competition, event_id=event.pk if event else None)
    context = {"competition": competition, "event": event, "report": report}
    return render(request, "adjudication/desk_agreement.html", context)


@never_cache
@agreement_required
def desk_agreement_csv(request, slug: str):
    competition = get_object_or_404(Competition, slug=slug)
    event = _event(competition, request.GET.get("event"))
    report = competition_agreement(competition, event_id=event.pk if event else None)
    out = io.StringIO()
    writer = csv_dict_writer(out, CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(agreement_records(report))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"{competition.slug}-agreement" + (f"-{event.pk}" if event else "")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _text(value):
    """A figure as the spreadsheet should read it: a number stays a number (so a
    negative rho is not taken for a formula and quoted), none is an empty cell."""
    return "" if value is None else value


def agreement_records(report: Agreement) -> list[dict]:
    """The report as flat records: one per judge and round (and dance, in finals)."""
    return [
        {
            "event": item.event.name,
            "round": round_.round.get_kind_display(),
            "measure": round_.measure,
            "judge": row.judge,
            "shadow": "yes" if row.shadow else "no",
            "part": row.part,
            "crosses": _text(row.crosses),
            "crosses_on_recalled": _text(row.crosses_recalled),
            "share_recalled": _text(row.share_recalled),
            "spearman_rho": _text(row.rho),
            "mean_place_difference": _text(row.mean_place_difference),
            "scores": _text(row.scores),
            "mean_deviation_steps": _text(row.mean_deviation_steps),
            "scores_two_steps_away": _text(row.scores_two_steps_away),
            "scores_discarded": _text(row.scores_discarded),
            "own_recalls": _text(row.own_recalls),
            "own_recalls_on_recalled": _text(row.own_recalls_recalled),
        }
        for item in report.events
        for round_ in item.rounds
        for row in round_.rows
    ]


class AgreementRowOut(serializers.Serializer):
    judge = serializers.CharField(help_text='"Judge 1…n", or "A – Name" when names are shown.')
    shadow = serializers.BooleanField(help_text="A shadow (trainee) judge: never counted.")
    part = serializers.CharField(help_text='Finals: the dance, or "overall"; otherwise empty.')
    crosses = serializers.IntegerField(allow_null=True)
    crosses_recalled = serializers.IntegerField(allow_null=True)
    share_recalled = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    rho = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    mean_place_difference = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True
    )
    scores = serializers.IntegerField(allow_null=True)
    mean_deviation_steps = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    scores_two_steps_away = serializers.IntegerField(allow_null=True)
    scores_discarded = serializers.IntegerField(
        allow_null=True,
        help_text="Components: the judge's scores the tolerance band discarded (a shadow's: "
        "further than the tolerance from the panel's median).",
    )
    own_recalls = serializers.IntegerField(
        allow_null=True,
        help_text="Component recall rounds: the couples the judge's own weighted scores put "
        "within the number recalled.",
    )
    own_recalls_recalled = serializers.IntegerField(
        allow_null=True, help_text="Of ``own_recalls``, those the round recalled."
    )


class AgreementRoundOut(serializers.Serializer):
    id = serializers.IntegerField(source="round.pk")
    kind = serializers.CharField(source="round.kind")
    status = serializers.CharField(source="round.status")
    measure = serializers.ChoiceField(choices=["recalls", "final", "criteria", "components"])
    rows = AgreementRowOut(many=True)


class AgreementEventOut(serializers.Serializer):
    id = serializers.IntegerField(source="event.pk")
    name = serializers.CharField(source="event.name")
    rounds = AgreementRoundOut(many=True)


class AgreementOut(serializers.Serializer):
    shows_names = serializers.BooleanField()
    events = AgreementEventOut(many=True)


class DeskAgreementApi(DeskApi):
    @extend_schema(
        operation_id="desk_agreement",
        summary="How each judge agreed with the panel, per event and round",
        description=(
            "Closed and published rounds only. Recall rounds: crosses and those on "
            "recalled couples; finals: Spearman's rho and the mean absolute place "
            "difference per dance and overall; criteria: the mean absolute deviation "
            "from the panel's median in steps; components: the same per dance, couple and "
            "component, the scores the tolerance band discarded, and the judge's own order "
            "of the couples against the recalls or the final's places. Judges are "
            "anonymous unless the organizer "
            "allows names. For the chairman and the organizer."
        ),
        tags=["desk"],
        parameters=[
            SLUG,
            OpenApiParameter("event", int, description="Only this event (its id)."),
        ],
        responses={200: AgreementOut, **errors(401, 403, 404)},
    )
    def get(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        if not staff_can(request.user, VIEW_AGREEMENT, competition.pk):
            return error_response(
                "forbidden",
                {"__all__": ["The agreement report is for the chairman and the organizer."]},
                status.HTTP_403_FORBIDDEN,
            )
        event = _event(competition, request.GET.get("event"))
        report = competition_agreement(competition, event_id=event.pk if event else None)
        return Response(AgreementOut(report).data)
