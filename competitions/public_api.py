"""Public reads of the API: competitions, events, rounds and heats, for anyone.

Only what the public start list shows: competitions that are not drafts, their events,
panels (letters and names), rounds with their status, and the heats once drawn and the
round before published (``selectors.round_draw_public``). No marks and no results here:
published results are read from ``leaderboard.api``.

Every answer carries an ``ETag``; send it back in ``If-None-Match`` to get ``304`` while
nothing changed. Lists are paginated (``?page=``, ``?page_size=`` up to 200).
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny

from competitions.models import (
    Competition,
    CompetitionStatus,
    EntryKind,
    Event,
    ResultsReveal,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
)
from competitions.selectors import (
    PUBLIC_STATUSES,
    competition_get_visible,
    competition_list_public,
    event_list_public,
    heat_list_public,
    round_list_public,
)
from scoring_site.api import MAX_PATH_ID, ConditionalGetMixin, errors, id_parameter

SLUG = OpenApiParameter(
    "slug",
    {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 80},
    OpenApiParameter.PATH,
    description="The competition's short name, as in its addresses (e.g. demo).",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="Send it back in If-None-Match: 304 with no body while nothing changed.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the answer you have.",
)
NOT_MODIFIED = {304: OpenApiResponse(None, description="Not modified since your ETag.")}
PUBLIC_ERRORS = {**NOT_MODIFIED, **errors(400, 404)}
PUBLIC_NOT_FOUND = {**NOT_MODIFIED, **errors(404)}


class PublicApi(ConditionalGetMixin):
    """Anyone may read; tokens and cookies are ignored."""

    permission_classes = [AllowAny]
    authentication_classes: list = []


def competition_or_404(view) -> Competition:
    if not hasattr(view, "_competition_cache"):
        try:
            view._competition_cache = competition_get_visible(slug=view.kwargs["slug"])
        except Competition.DoesNotExist:
            raise NotFound("No such competition.") from None
    return view._competition_cache


# --- Output -----------------------------------------------------------------------------------


class PublicCompetitionListOut(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=CompetitionStatus.choices)
    event_count = serializers.IntegerField()

    class Meta:
        model = Competition
        fields = ["slug", "name", "venue", "starts_on", "ends_on", "timezone", "status"]
        fields += ["event_count"]


class PublicEventSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    style = serializers.ChoiceField(choices=Event.Style.choices)
    scoring_method = serializers.ChoiceField(choices=ScoringMethod.choices)


class PublicCompetitionOut(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=CompetitionStatus.choices)
    events = PublicEventSummaryOut(many=True, source="ordered_events")

    class Meta:
        model = Competition
        fields = ["slug", "name", "venue", "starts_on", "ends_on", "timezone", "status"]
        fields += ["registration_opens_at", "registration_closes_at", "events"]


class PublicDanceOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class PublicCriterionOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=3)
    min_score = serializers.DecimalField(max_digits=7, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=7, decimal_places=2)
    step = serializers.DecimalField(max_digits=6, decimal_places=2)


class PublicPanelJudgeOut(serializers.Serializer):
    letter = serializers.CharField(source="judge.letter")
    name = serializers.CharField(source="judge.name")
    country = serializers.CharField(source="judge.country")


class PublicRoundSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    recall_count = serializers.IntegerField(allow_null=True, help_text="null for a final")


class PublicEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField(help_text="Order in the programme.")
    style = serializers.ChoiceField(choices=Event.Style.choices)
    level = serializers.CharField()
    age_group = serializers.CharField()
    scoring_method = serializers.ChoiceField(choices=ScoringMethod.choices)
    entry_kind = serializers.ChoiceField(choices=EntryKind.choices)
    results_reveal = serializers.ChoiceField(
        choices=ResultsReveal.choices,
        help_text="live_total: the live screens show a running total before publication.",
    )
    entry_count = serializers.IntegerField(
        help_text="Entries taking part: not withdrawn, not on the waiting list."
    )
    dances = PublicDanceOut(many=True, help_text="Skating events; empty for criteria.")
    criteria = PublicCriterionOut(many=True, help_text="Criteria events; empty for skating.")
    panel = PublicPanelJudgeOut(many=True)
    rounds = PublicRoundSummaryOut(many=True)


class PublicHeatEntryOut(serializers.Serializer):
    entry_id = serializers.IntegerField()
    bib = serializers.IntegerField(source="entry.competitor.bib", allow_null=True)
    name = serializers.CharField(source="entry.competitor.display_name")
    club = serializers.CharField(source="entry.competitor.club")
    country = serializers.CharField(source="entry.competitor.country")
    withdrawn = serializers.BooleanField(source="entry.withdrawn")


class PublicHeatOut(serializers.Serializer):
    number = serializers.IntegerField()
    entries = PublicHeatEntryOut(
        many=True,
        source="heat_entries.all",
        help_text="By bib (skating) or in running order (criteria).",
    )


class PublicRoundListOut(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    event = serializers.CharField(source="event.name")
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    recall_count = serializers.IntegerField(allow_null=True, help_text="null for a final")
    heat_count = serializers.IntegerField(
        help_text="0 until the round is drawn and the round before it is published."
    )
    results_published = serializers.SerializerMethodField()

    def get_results_published(self, round_: Round) -> bool:
        return round_.status == RoundStatus.PUBLISHED


class PublicRoundOut(PublicRoundListOut):
    heats = PublicHeatOut(many=True, source="public_heats")


# --- Filters ----------------------------------------------------------------------------------


class CompetitionFilter(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[c for c in CompetitionStatus.choices if c[0] in PUBLIC_STATUSES],
        required=False,
    )
    starts_after = serializers.DateField(required=False, help_text="Starting on or after.")
    starts_before = serializers.DateField(required=False, help_text="Starting on or before.")


class EventFilter(serializers.Serializer):
    scoring_method = serializers.ChoiceField(choices=ScoringMethod.choices, required=False)
    style = serializers.ChoiceField(choices=Event.Style.choices, required=False)


class RoundFilter(serializers.Serializer):
    event = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PATH_ID, help_text="An event's id."
    )
    status = serializers.ChoiceField(choices=RoundStatus.choices, required=False)


def _filters(view, serializer_class) -> dict:
    query = serializer_class(data=view.request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


# --- Views ------------------------------------------------------------------------------------


class CompetitionListApi(PublicApi, ListAPIView):
    serializer_class = PublicCompetitionListOut

    @extend_schema(
        operation_id="competitions_list",
        summary="Competitions (not drafts), newest first",
        tags=["public"],
        parameters=[CompetitionFilter, IF_NONE_MATCH, ETAG],
        responses={200: PublicCompetitionListOut(many=True), **PUBLIC_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = _filters(self, CompetitionFilter)
        competitions = competition_list_public()
        if "status" in query:
            competitions = competitions.filter(status=query["status"])
        if "starts_after" in query:
            competitions = competitions.filter(starts_on__gte=query["starts_after"])
        if "starts_before" in query:
            competitions = competitions.filter(starts_on__lte=query["starts_before"])
        return competitions


class CompetitionDetailApi(PublicApi, RetrieveAPIView):
    serializer_class = PublicCompetitionOut

    @extend_schema(
        operation_id="competition_read",
        summary="One competition and its programme of events",
        tags=["public"],
        parameters=[SLUG, IF_NONE_MATCH, ETAG],
        responses={200: PublicCompetitionOut, **PUBLIC_NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        competition = competition_or_404(self)
        competition.ordered_events = list(competition.events.order_by("position", "id"))
        return competition


class EventListApi(PublicApi, ListAPIView):
    serializer_class = PublicEventOut

    @extend_schema(
        operation_id="events_list",
        summary="A competition's events with dances or criteria, panel and rounds",
        tags=["public"],
        parameters=[SLUG, EventFilter, IF_NONE_MATCH, ETAG],
        responses={200: PublicEventOut(many=True), **PUBLIC_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        competition = competition_or_404(self)
        return event_list_public(competition=competition, **_filters(self, EventFilter))


class EventDetailApi(PublicApi, RetrieveAPIView):
    serializer_class = PublicEventOut
    lookup_url_kwarg = "event_id"

    @extend_schema(
        operation_id="event_read",
        summary="One event",
        tags=["public"],
        parameters=[SLUG, id_parameter("event_id", "The event."), IF_NONE_MATCH, ETAG],
        responses={200: PublicEventOut, **PUBLIC_NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return event_list_public(competition=competition_or_404(self))


class RoundListApi(PublicApi, ListAPIView):
    serializer_class = PublicRoundListOut

    @extend_schema(
        operation_id="rounds_list",
        summary="A competition's rounds in programme order",
        tags=["public"],
        parameters=[SLUG, RoundFilter, IF_NONE_MATCH, ETAG],
        responses={200: PublicRoundListOut(many=True), **PUBLIC_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = _filters(self, RoundFilter)
        return round_list_public(
            competition=competition_or_404(self),
            event_id=query.get("event"),
            status=query.get("status"),
        )


class RoundDetailApi(PublicApi, RetrieveAPIView):
    serializer_class = PublicRoundOut
    lookup_url_kwarg = "round_id"

    @extend_schema(
        operation_id="round_read",
        summary="One round with its heats",
        tags=["public"],
        parameters=[SLUG, id_parameter("round_id", "The round."), IF_NONE_MATCH, ETAG],
        responses={200: PublicRoundOut, **PUBLIC_NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return round_list_public(competition=competition_or_404(self))

    def get_object(self):
        round_ = super().get_object()
        round_.public_heats = list(heat_list_public(round=round_))
        return round_


class HeatListApi(PublicApi, ListAPIView):
    serializer_class = PublicHeatOut
    pagination_class = None

    @extend_schema(
        operation_id="heats_list",
        summary="The heats of one round, with their entries",
        description=(
            "Empty until the round is drawn and the round before it is published (its "
            "recalls checked). Not paginated: a round's heats come whole."
        ),
        tags=["public"],
        parameters=[SLUG, id_parameter("round_id", "The round."), IF_NONE_MATCH, ETAG],
        responses={200: PublicHeatOut(many=True), **PUBLIC_NOT_FOUND},
        examples=[
            OpenApiExample(
                "Two heats",
                value=[
                    {
                        "number": 1,
                        "entries": [
                            {
                                "entry_id": 11,
                                "bib": 101,
                                "name": "Tom Lee & Ava Kim",
                                "club": "Stars",
                                "country": "GB",
                                "withdrawn": False,
                            }
                        ],
                    },
                    {"number": 2, "entries": []},
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        round_ = (
            round_list_public(competition=competition_or_404(self))
            .filter(pk=self.kwargs["round_id"])
            .first()
        )
        if round_ is None:
            raise NotFound("No such round.")
        return heat_list_public(round=round_)
