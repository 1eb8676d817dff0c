"""Published results and the live state over the API, for scoreboards, streaming overlays
and federation systems.

The same selectors as the public screens (``leaderboard.snapshots``), so the API can show
nothing the projector would not: results of published rounds only, and before
publication no marks and no totals (except a running total for an event whose organizer
chose ``live_total``).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from competitions.models import RoundKind, RoundStatus
from competitions.public_api import (
    ETAG,
    IF_NONE_MATCH,
    PUBLIC_ERRORS,
    PUBLIC_NOT_FOUND,
    SLUG,
    PublicApi,
    competition_or_404,
)
from leaderboard.components import component_sheets
from leaderboard.snapshots import public_snapshot, published_results, published_rounds
from scoring_site.api import MAX_PATH_ID, id_parameter


class ComponentScoreOut(serializers.Serializer):
    component = serializers.CharField(help_text='The component\'s short name, e.g. "TQ".')
    score = serializers.CharField(help_text='A decimal string with three places: "9.250".')


class PlacingOut(serializers.Serializer):
    place = serializers.CharField(help_text='A decimal string: "1", or "2.5" for a tie.')
    bib = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    club = serializers.CharField()
    total = serializers.CharField(
        allow_null=True,
        help_text="A criteria or component event's total; null for a skating final.",
    )
    scores = ComponentScoreOut(
        many=True,
        required=False,
        help_text="A component final only: the couple's score on each component in the last "
        "dance (the mean of the judges' scores kept).",
    )
    dance_score = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="A component final only: the last dance's score (null: did not dance it).",
    )


class ResultOut(serializers.Serializer):
    round = serializers.IntegerField(help_text="The round's id.")
    event = serializers.CharField()
    event_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    kind_label = serializers.CharField()
    status = serializers.ChoiceField(choices=[RoundStatus.PUBLISHED])
    type = serializers.ChoiceField(
        choices=["recalls", "placings"],
        help_text="recalls: a preliminary round's recalled bibs; placings: a final's places.",
    )
    recalled = serializers.ListField(
        child=serializers.IntegerField(allow_null=True),
        required=False,
        help_text="type recalls only: the recalled couples' bibs.",
    )
    placings = PlacingOut(many=True, required=False, help_text="type placings only.")
    components = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="A component final only: the components' short names, in order.",
    )
    dance = serializers.CharField(
        required=False, help_text="A component final only: the dance the scores are of (the last)."
    )
    sheet = serializers.JSONField(
        required=False,
        help_text="A component round only: its marks sheet as tabulated when it closed: the "
        "components, the panel and who scored which component in each dance, and per couple "
        "and dance every judge's score (counted: false when discarded, outside the "
        "tolerance around the median), the median, the component and dance scores, the "
        "total and the place or recall. The structure is documented in docs/api.md, "
        '"Component results".',
    )


RESULT_EXAMPLE = OpenApiExample(
    "A final",
    value={
        "round": 12,
        "event": "Adult Latin",
        "event_id": 3,
        "kind": "final",
        "kind_label": "Final",
        "status": "published",
        "type": "placings",
        "placings": [
            {"place": "1", "bib": 104, "name": "Tom Lee & Ava Kim", "club": "Stars", "total": None}
        ],
    },
    response_only=True,
)


def with_sheets(rounds) -> list[dict]:
    """The published results of ``rounds``, a component round's with its marks sheet."""
    rounds = list(rounds)
    blocks = published_results(rounds)
    sheets = component_sheets(rounds)
    for block in blocks:
        if block["round"] in sheets:
            block["sheet"] = sheets[block["round"]]
    return blocks


class ResultFilter(serializers.Serializer):
    event = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PATH_ID, help_text="An event's id."
    )


class ResultListApi(PublicApi, GenericAPIView):
    serializer_class = ResultOut

    @extend_schema(
        operation_id="results_list",
        summary="Published results, in programme order",
        description=(
            "One block per published round: recalled bibs for a preliminary round, "
            "placings for a final. A round appears only once the scrutineer publishes it."
        ),
        tags=["public"],
        parameters=[SLUG, ResultFilter, IF_NONE_MATCH, ETAG],
        responses={200: ResultOut(many=True), **PUBLIC_ERRORS},
        examples=[RESULT_EXAMPLE],
    )
    def get(self, request, slug: str):
        competition = competition_or_404(self)
        query = ResultFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        rounds = published_rounds(competition, event_id=query.validated_data.get("event"))
        page = self.paginate_queryset(rounds)
        return self.get_paginated_response(ResultOut(with_sheets(page), many=True).data)


class RoundResultApi(PublicApi, GenericAPIView):
    serializer_class = ResultOut

    @extend_schema(
        operation_id="round_results_read",
        summary="The published result of one round",
        description="404 (not_published) until the scrutineer publishes the round.",
        tags=["public"],
        parameters=[SLUG, id_parameter("round_id", "The round."), IF_NONE_MATCH, ETAG],
        responses={200: ResultOut, **PUBLIC_NOT_FOUND},
        examples=[RESULT_EXAMPLE],
    )
    def get(self, request, slug: str, round_id: int):
        competition = competition_or_404(self)
        blocks = with_sheets(list(published_rounds(competition).filter(pk=round_id)))
        if not blocks:
            error = NotFound("No published result for this round (yet).")
            error.detail.code = "not_published"
            raise error
        return Response(ResultOut(blocks[0]).data)


class LiveApi(PublicApi, GenericAPIView):
    @extend_schema(
        operation_id="live_read",
        summary="What the projector shows now",
        description=(
            "The live screens' snapshot: the rounds on the floor with their heats and how "
            "many judges have sent their sheets, what is on the floor now (absolute start "
            "and end times of its timers), the next lines of the timetable, and the "
            'published results. With several floors, "now" and "next" are the default '
            'floor\'s and "floors" lists each floor (slug, name, label, now, next and the '
            "ids of its rounds); it is empty on a one-floor day. "
            "For streaming overlays: poll it with If-None-Match, or follow the websocket of "
            "/live/<slug>/ (see docs/api.md)."
        ),
        tags=["public"],
        parameters=[SLUG, IF_NONE_MATCH, ETAG],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The public snapshot."),
            **PUBLIC_NOT_FOUND,
        },
    )
    def get(self, request, slug: str):
        snapshot = public_snapshot(competition_or_404(self))
        # The screens' clock reference changes every call and would defeat the ETag; the
        # timers in "now" are absolute times, and the Date header gives the server's clock.
        snapshot.pop("server_time", None)
        return Response(snapshot)
