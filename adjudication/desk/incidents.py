"""The day's trail of incidents at the desk: every absence, retirement,
disqualification, reinstatement, redance, seeding, replacement judge and accepted
sheet, with who decided it, when and why; a page and its API twin. Reading it needs
``competitions.view_incident`` (organizers, scrutineers, the chairman)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from adjudication.desk.api import DeskApi
from adjudication.desk.pages import staff_page_required
from adjudication.incidents.trail import incident_list
from competitions.access import staff_can
from competitions.models import Competition, Incident
from competitions.public_api import SLUG
from scoring_site.api import error_response, errors

VIEW_INCIDENTS = "competitions.view_incident"

incidents_required = staff_page_required(
    VIEW_INCIDENTS, "The day's incidents are for organizers, scrutineers and the chairman."
)


def _kind(value: str) -> str:
    return value if value in Incident.Kind.values else ""


@never_cache
@incidents_required
def desk_incidents(request, slug: str):
    competition = get_object_or_404(Competition, slug=slug)
    kind = _kind(request.GET.get("kind", ""))
    context = {
        "competition": competition,
        "incidents": incident_list(competition.pk, kind=kind),
        "kinds": Incident.Kind.choices,
        "kind": kind,
    }
    return render(request, "adjudication/desk_incidents.html", context)


class IncidentOut(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    round = serializers.SerializerMethodField()
    bib = serializers.SerializerMethodField()
    dance = serializers.CharField(source="dance.name", default=None)
    judge = serializers.CharField(source="judge.letter", default=None)
    replacement = serializers.CharField(source="other_judge.letter", default=None)
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = Incident
        fields = (
            "id",
            "at",
            "kind",
            "kind_label",
            "round",
            "bib",
            "dance",
            "heat_number",
            "judge",
            "replacement",
            "summary",
            "reason",
            "actor",
        )

    def get_round(self, incident: Incident) -> int | None:
        return incident.round_id

    def get_bib(self, incident: Incident) -> str | None:
        return incident.entry.bib_label if incident.entry_id else None


class DeskIncidentListApi(DeskApi):
    @extend_schema(
        operation_id="desk_incidents_list",
        summary="The day's trail of incidents, newest first",
        tags=["desk"],
        parameters=[
            SLUG,
            OpenApiParameter(
                "kind", str, enum=Incident.Kind.values, description="Only incidents of this kind."
            ),
        ],
        responses={200: IncidentOut(many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        if not staff_can(request.user, VIEW_INCIDENTS, competition.pk):
            return error_response(
                "forbidden",
                {"__all__": ["You may not read this competition's incidents."]},
                status.HTTP_403_FORBIDDEN,
            )
        incidents = incident_list(competition.pk, kind=_kind(request.GET.get("kind", "")))
        return Response(IncidentOut(incidents, many=True).data)
