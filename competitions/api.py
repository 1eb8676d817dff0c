"""Registration over the API: the same services as the pages, with JSON in and out.

Errors have one shape: ``{"code": "...", "message": "...", "errors": {field: [..]}}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.fields import SkipField
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from competitions.models import EntryKind, RegistrationLink
from competitions.registration import (
    CompetitorDetails,
    IdempotencyConflict,
    LinkRefused,
    RegistrationInvalid,
    RegistrationRefused,
    idempotent_call,
    judge_apply,
    link_get_valid,
    registration_errors,
    registration_get,
    registration_link_get,
    registration_submit,
    request_fingerprint,
)
from competitions.selectors import events_open_for_registration
from scoring_site.api import (
    RETRY_AFTER,
    ErrorOut,
    RegistrationThrottle,
    error_response,
    errors,
    flatten_errors,
    plain_text,
)
from scoring_site.site import site_address

__all__ = ["ErrorOut", "error_response"]  # imported from here by older code


def refusal_response(refusal: RegistrationRefused) -> Response:
    if isinstance(refusal, LinkRefused):
        http_status = 410 if refusal.code == LinkRefused.GONE else 404
    elif refusal.code == RegistrationRefused.UNAVAILABLE:
        http_status = status.HTTP_409_CONFLICT
    else:
        http_status = status.HTTP_400_BAD_REQUEST
    return error_response(refusal.code, refusal.errors, http_status)


def invalid_response(serializer: serializers.Serializer) -> Response:
    return error_response("invalid", flatten_errors(serializer.errors), status.HTTP_400_BAD_REQUEST)


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    style = serializers.CharField()
    level = serializers.CharField()
    age_group = serializers.CharField()
    entry_kind = serializers.CharField()
    min_age = serializers.IntegerField(allow_null=True)
    max_age = serializers.IntegerField(allow_null=True)
    places_left = serializers.IntegerField(allow_null=True, help_text="null: no limit")
    waiting_list = serializers.BooleanField()


class CompetitionOut(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    venue = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    registration_opens_at = serializers.DateTimeField(allow_null=True)
    registration_closes_at = serializers.DateTimeField(allow_null=True)


class EntryOut(serializers.Serializer):
    event = serializers.CharField(source="event.name")
    event_id = serializers.IntegerField()
    status = serializers.CharField()
    withdrawn = serializers.BooleanField()


class RegistrationOut(serializers.Serializer):
    reference = serializers.CharField()
    competition = serializers.CharField(source="competition.slug")
    kind = serializers.CharField()
    name = serializers.CharField()
    partner_name = serializers.CharField()
    club = serializers.CharField()
    country = serializers.CharField()
    bib = serializers.IntegerField(allow_null=True)
    entries = EntryOut(many=True, source="entries.all")


class RegistrationIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EntryKind.choices, default=EntryKind.COUPLE)
    name = serializers.CharField(max_length=100)
    partner_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    members = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    club = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    email = serializers.EmailField()
    birth_year = serializers.IntegerField(required=False, allow_null=True, default=None)
    partner_birth_year = serializers.IntegerField(required=False, allow_null=True, default=None)
    events = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)

    def details(self) -> CompetitorDetails:
        return self.details_of(self.validated_data)

    @classmethod
    def plain(cls, data: Any) -> dict[str, Any] | None:
        """What ``is_valid`` makes of a plainly well-formed body (strings, integers, lists
        of them; what forms and clients send), without building the serializer's fields
        (costly, on every registration); None for anything else, which the serializer
        then decides and words. The same data or None, never another answer
        (tests/competitions/test_registration_body.py holds the two side by side)."""
        if type(data) is not dict:
            return None
        kind = data.get("kind", EntryKind.COUPLE.value)
        events = data.get("events")
        members = data.get("members", [])
        if (
            type(kind) is not str
            or kind not in EntryKind.values
            or type(events) is not list
            or not events
            or not all(type(e) is int and abs(e) < _PLAIN_INT for e in events)
            or type(members) is not list
        ):
            return None
        found: dict[str, Any] = {"kind": kind}
        for name, max_length, required in _PLAIN_TEXTS:
            text = plain_text(data.get(name, ""), max_length, required=required)
            if text is None:
                return None
            found[name] = text
        found["members"] = [plain_text(m, 100, required=True) for m in members]
        if None in found["members"] or not _plain_email(found["email"]):
            return None
        for name in ("birth_year", "partner_birth_year"):
            year = data.get(name)
            if year is not None and (type(year) is not int or abs(year) >= _PLAIN_INT):
                return None
            found[name] = year
        found["events"] = events
        return found

    @staticmethod
    def details_of(data: dict) -> CompetitorDetails:
        """Details from the fields given (a field missing or refused counts as empty)."""
        return CompetitorDetails(
            kind=data.get("kind", ""),
            name=data.get("name", ""),
            partner_name=data.get("partner_name", ""),
            members=tuple(data.get("members", ())),
            club=data.get("club", ""),
            country=data.get("country", "").strip().upper(),
            email=data.get("email", ""),
            birth_year=data.get("birth_year"),
            partner_birth_year=data.get("partner_birth_year"),
        )


# The text fields ``RegistrationIn.plain`` takes as the serializer does: (name,
# max_length, required); email is required and then checked as an address.
_PLAIN_TEXTS = (
    ("name", 100, True),
    ("partner_name", 100, False),
    ("club", 200, False),
    ("country", 3, False),
    ("email", None, True),
)
_PLAIN_INT = 2**63
_EMAIL = EmailValidator()


def _plain_email(text: str) -> bool:
    try:
        _EMAIL(text)
    except DjangoValidationError:
        return False
    return True


RECEIVED = (
    "Thank you: your registration is received. An email with the link to your registration "
    "(your reference) is on its way to the address you gave."
)


class RegistrationReceivedOut(serializers.Serializer):
    """The answer to a registration: what was asked, never what is stored. A couple
    registered already gets the same answer as a new one; the link goes by email."""

    competition = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    partner_name = serializers.CharField()
    club = serializers.CharField()
    country = serializers.CharField()
    events = serializers.ListField(child=serializers.IntegerField())
    message = serializers.CharField()


def registration_received(*, link: RegistrationLink, details: CompetitorDetails, event_ids):
    """The 201's body (``RegistrationReceivedOut``), built as plain data: every field is
    a string or a list of ints already, so a serializer would only copy it."""
    return {
        "competition": link.competition.slug,
        "kind": details.kind,
        "name": details.name.strip(),
        "partner_name": details.partner_name.strip(),
        "club": details.club.strip(),
        "country": details.country,
        "events": sorted(event_ids),
        "message": RECEIVED,
    }


class JudgeApplicationIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    letter_preference = serializers.CharField(
        max_length=3, required=False, allow_blank=True, default=""
    )
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class JudgeApplicationOut(serializers.Serializer):
    name = serializers.CharField()
    letter_preference = serializers.CharField()
    status = serializers.CharField()


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID). The same key again returns the first answer and "
        "creates nothing; the same key with a different body is refused with 422. Keys "
        "are kept for 24 hours."
    ),
)


class RegistrationLinkApi(APIView):
    """A competitor link: the events open for registration, and registering."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [RegistrationThrottle]

    class InfoOut(serializers.Serializer):
        competition = CompetitionOut()
        events = EventOut(many=True)

    @extend_schema(
        operation_id="registration_events",
        summary="Events open for registration through this link",
        parameters=[RETRY_AFTER],
        responses={200: InfoOut, **errors(404, 410, 429)},
    )
    def get(self, request, token: str):
        try:
            link = link_get_valid(token=token, kind=RegistrationLink.Kind.COMPETITOR)
        except LinkRefused as refusal:
            return refusal_response(refusal)
        events = events_open_for_registration(competition=link.competition)
        return Response(self.InfoOut({"competition": link.competition, "events": events}).data)

    @extend_schema(
        operation_id="registration_create",
        summary="Register a couple, solo or group for one or more events",
        parameters=[IDEMPOTENCY_KEY, RETRY_AFTER],
        request=RegistrationIn,
        responses={201: RegistrationReceivedOut, **errors(400, 404, 409, 410, 415, 422, 429)},
        examples=[
            OpenApiExample(
                "A couple",
                value={
                    "kind": "couple",
                    "name": "Tom Lee",
                    "partner_name": "Ava Kim",
                    "club": "Stars",
                    "country": "GB",
                    "email": "tom@example.org",
                    "events": [1],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, token: str):
        # The body is checked first (no query) so the link and the chosen events are read
        # in one statement; the link's refusal is still the answer to a bad link.
        serializer = taken = unreadable = None
        try:
            taken = RegistrationIn.plain(request.data)
            if taken is None:
                serializer = RegistrationIn(data=request.data)
                taken = serializer.validated_data if serializer.is_valid() else None
        except APIException as error:  # a body that is not JSON, or not sent as JSON
            unreadable = error
        valid = taken is not None
        chosen = taken["events"] if valid else ()
        try:
            link, events = registration_link_get(token=token, event_ids=chosen)
        except LinkRefused as refusal:
            return refusal_response(refusal)
        if unreadable is not None:
            raise unreadable
        if not valid:
            problems = _every_problem(serializer, link.competition)
            return error_response("invalid", problems, status.HTTP_400_BAD_REQUEST)

        def submit():
            # A well-formed request is checked once, by the service. Its refusal of the
            # details (RegistrationInvalid) leaves this function, so that, like the
            # serializer's, it is answered field by field and no Idempotency-Key keeps it.
            details = RegistrationIn.details_of(taken)
            event_ids = taken["events"]
            try:
                registration_submit(
                    link=link,
                    details=details,
                    event_ids=event_ids,
                    events=events,
                    site=site_address(request),
                )
            except RegistrationInvalid:
                raise
            except RegistrationRefused as refusal:
                response = refusal_response(refusal)
                return response.status_code, response.data
            return 201, registration_received(link=link, details=details, event_ids=event_ids)

        key = request.headers.get("Idempotency-Key")
        try:
            if not key:
                http_status, body = submit()
                return Response(body, status=http_status)
            answer = idempotent_call(
                scope=f"register-api:{link.pk}",
                key=key,
                fingerprint=request_fingerprint(request.data),
                call=submit,
            )
        except RegistrationInvalid as refusal:
            return error_response("invalid", refusal.errors, status.HTTP_400_BAD_REQUEST)
        except IdempotencyConflict as conflict:
            return error_response("idempotency_conflict", {"__all__": [str(conflict)]}, 422)
        response = Response(answer.body, status=answer.status)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _every_problem(serializer: RegistrationIn, competition) -> dict[str, list[str]]:
    """A refused request's every problem in one answer: the serializer's, and the
    service's checks of the fields it took (a field the serializer refused is not told
    twice)."""
    problems = flatten_errors(serializer.errors)
    taken = {}
    for name, field in serializer.fields.items():
        if name in problems or not isinstance(serializer.initial_data, dict):
            continue
        try:
            taken[name] = field.run_validation(field.get_value(serializer.initial_data))
        except (serializers.ValidationError, SkipField):
            continue
    details = RegistrationIn.details_of(taken)
    found, _ = registration_errors(
        competition=competition, details=details, event_ids=taken.get("events", [])
    )
    for field, messages in found.items():
        if field not in problems:
            problems[field] = messages
    return problems


class JudgeLinkApi(APIView):
    """A judge link: sign up as a judge, to be confirmed onto panels by the organizer."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [RegistrationThrottle]

    @extend_schema(
        operation_id="judge_application_create",
        summary="Sign up as a judge",
        request=JudgeApplicationIn,
        parameters=[RETRY_AFTER],
        responses={201: JudgeApplicationOut, **errors(400, 404, 409, 410, 415, 429)},
    )
    def post(self, request, token: str):
        try:
            link = link_get_valid(token=token, kind=RegistrationLink.Kind.JUDGE)
        except LinkRefused as refusal:
            return refusal_response(refusal)
        serializer = JudgeApplicationIn(data=request.data)
        if not serializer.is_valid():
            return invalid_response(serializer)
        try:
            application = judge_apply(link=link, **serializer.validated_data)
        except RegistrationRefused as refusal:
            return refusal_response(refusal)
        return Response(JudgeApplicationOut(application).data, status=201)


class RegistrationDetailApi(APIView):
    """One's own registration, by the secret reference given when registering."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="registration_read",
        summary="See one's registration",
        responses={200: RegistrationOut, **errors(404)},
    )
    def get(self, request, reference: str):
        try:
            competitor = registration_get(reference=reference)
        except RegistrationRefused as refusal:
            return error_response("not_found", refusal.errors, 404)
        return Response(RegistrationOut(competitor).data)
