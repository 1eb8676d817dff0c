"""The cost bench's server only: a registration and a judge's sheet with nothing but what
any of them must do.

``POST /bench/sheet-floor/rounds/<id>/sheets/`` takes the judges' API's request (the
tablet's bearer token, the same JSON body) and does what no implementation of a sheet
can leave out in this stack: the tablet's token checked (``JudgeApi``'s authentication
and permissions), the body parsed, the judge found (one statement), the sheet, its marks
and their audit rows written and committed (one statement and ``COMMIT`` in one round
trip, as ``sheet_submit`` writes a new sheet), the screens nudged after commit
(``announce``), a small JSON answer. None of the sheet's checks (the round open, the
judge seated, the revision and version, the entries in the round, the count), no lock,
no throttle, no replay. ``bench_cost.py``'s ``sheet_floor`` phase measures it beside the
real sheet: what Podium's sheet costs above it is what its checks cost.

``POST /bench/sheet-reads-floor/rounds/<id>/sheets/`` is that floor with what the checks
cannot do without in this design: the judges' API's throttle (one Redis round trip) and
the rows they check, read by the very statements a tablet's sheet sends, in one
pipeline inside the transaction (the round held in SHARE mode first). It checks nothing
with them but that the user holds one seat on the round's panel, and builds no model:
what the real sheet costs above it is its checks' Python. ``sheet_reads_floor``
measures it. Two variants take one part away each, to say what that part costs:
``.../sheet-reads-floor-unthrottled/...`` has no throttle, ``.../sheet-reads-floor-unlocked/...``
reads the round without its SHARE lock (phases ``sheet_reads_floor_unthrottled`` and
``sheet_reads_floor_unlocked``).

``POST /bench/registration-floor/<token>/`` likewise takes the registration API's
request (the same JSON body) and only parses it, reads the link's competition with the
event (one statement), writes the competitor, its entry and its confirmation job (one
statement, as ``_write_in_one_statement`` writes them), takes the event's and the
competition's places and commits (one statement and ``COMMIT`` in one round trip, as the
registration's places): no validation of the details, no window, limit or capacity, no
names already registered, no throttle, no ``Idempotency-Key``. ``bench_cost.py``'s
``registration_floor`` phase measures it.

Both are PostgreSQL's statements (the cost bench runs on PostgreSQL only). Mounted by
``bench/cost_settings.py`` before the site's own routes, never among them.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from decimal import Decimal, InvalidOperation

from django.db import DatabaseError, connection, transaction
from django.urls import include, path
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from adjudication.models import Mark, MarkChange, Sheet
from adjudication.selectors import SEAT_JUDGE
from adjudication.services.common import ROUND_SHARE_LOCK
from adjudication.services.sheets import tablet_sheet_reads
from adjudication.tablet.api import JudgeApi
from competitions.models import EntryStatus, Judge
from scoring_site import rows
from scoring_site import urls as site_urls
from scoring_site.api import SheetThrottle
from scoring_site.realtime import announce
from scoring_site.site import site_address

_JUDGE = """
SELECT j.id, e.competition_id
FROM competitions_round r
JOIN competitions_event e ON e.id = r.event_id
JOIN competitions_judge j ON j.competition_id = e.competition_id AND j.user_id = %s
WHERE r.id = %s
"""
_SHEET_FIELDS = tuple(f.attname for f in Sheet._meta.concrete_fields if not f.primary_key)
_MARK_FIELDS = ("sheet", "entry", "criterion", "value")
_CHANGE_FIELDS = (
    "round", "sheet", "judge", "kind", "entry", "criterion", "dance", "old_value", "new_value",
    "sheet_version", "actor", "source", "reason", "at",
)  # fmt: skip


_LINK = """
SELECT l.competition_id, e.id
FROM competitions_registrationlink l
JOIN competitions_event e ON e.competition_id = l.competition_id AND e.id = %s
WHERE l.token = %s AND l.kind = 'competitor'
"""
_WRITE = f"""
WITH competitor AS (
    INSERT INTO competitions_competitor (competition_id, kind, name, partner_name, members,
        club, country, email, birth_year, partner_birth_year, reference, created_at)
    VALUES (%s, %s, %s, %s, '', %s, %s, %s, NULL, NULL, %s, %s)
    RETURNING id
), entry AS (
    INSERT INTO competitions_entry (event_id, competitor_id, status, withdrawn, created_at)
    SELECT %s, competitor.id, '{EntryStatus.ENTERED.value}', false, %s FROM competitor
    RETURNING id
)
INSERT INTO competitions_outboxjob (task_name, args, kwargs, created_at)
SELECT 'competitions.send_registration_confirmation',
    jsonb_build_array(competitor.id, jsonb_build_array(entry.id)), %s, %s
FROM competitor, entry
"""
_PLACES = """
WITH event AS (
    UPDATE competitions_event SET entries_taken = entries_taken + 1 WHERE id = %s
)
UPDATE competitions_competition SET entries_taken = entries_taken + 1 WHERE id = %s
"""


def _unusable() -> Response:
    """What a floor answers to a body it cannot use (it checks nothing else)."""
    return Response({"detail": "The floor cannot use this body."}, status=400)


class RegistrationFloorApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes = []

    def post(self, request, token: str):
        try:
            body = request.data
            (event_id,) = body["events"]
            kind, country = str(body["kind"]), str(body["country"])
            name, partner = body["name"].strip(), body["partner_name"].strip()
            club, email = body["club"].strip(), body["email"].strip()
        except (KeyError, TypeError, ValueError, AttributeError):
            return _unusable()
        with connection.cursor() as cursor:
            cursor.execute(_LINK, [event_id, token])
            found = cursor.fetchone()
            if found is None:
                return Response({"detail": "no such link or event"}, status=404)
            competition_id = found[0]
            now = timezone.now()
            reference = secrets.token_urlsafe(18)
            try:
                with transaction.atomic():
                    cursor.execute(
                        _WRITE,
                        [competition_id, kind, name, partner, club, country, email,
                         reference, now, event_id, now,
                         json.dumps({"site": site_address(request)}), now],
                    )  # fmt: skip
                    with rows.last_statement():  # as the registration's places
                        cursor.execute(_PLACES, [event_id, competition_id])
            except DatabaseError:  # a constraint refused it: nothing is written
                return _unusable()
        return Response({"reference": reference}, status=201)


class SheetFloorApi(JudgeApi):
    parser_classes = [JSONParser]
    throttle_classes = []

    def post(self, request, round_id: int):
        body = request.data
        user = request.user
        with connection.cursor() as cursor:
            cursor.execute(_JUDGE, [user.pk, round_id])
            found = cursor.fetchone()
        if found is None:
            return _not_a_judge()
        judge_id, competition_id = found
        sent = _sheet_sent(body)
        if sent is None:
            return _unusable()
        try:
            with transaction.atomic():
                pk = _sheet_write(round_id, judge_id, competition_id, user.pk, sent)
        except DatabaseError:  # a constraint refused it: nothing is written
            return _unusable()
        return Response({"id": pk, "version": 1}, status=201)


class SheetReadsFloorApi(JudgeApi):
    """The sheet's floor with what its checks cannot do without: the judges' API's
    throttle, and the rows they check, read by the statements a tablet's sheet sends
    (``tablet_sheet_reads``: the round held in SHARE mode, the user's seats in it with
    whether their judge sent a sheet of the dance, the round's entries; one pipeline, in
    the transaction). The judge is the one seat read; nothing else is checked, no model
    is built."""

    parser_classes = [JSONParser]
    throttle_classes = [SheetThrottle]
    round_lock = True

    def post(self, request, round_id: int):
        user = request.user
        sent = _sheet_sent(request.data)
        if sent is None:
            return _unusable()
        reads = tablet_sheet_reads(round_id=round_id, dance_id=sent.dance_id, user_id=user.pk)
        if not self.round_lock:
            (sql, params), *others = reads
            reads = [(sql.replace(ROUND_SHARE_LOCK, ""), params), *others]
        try:
            with transaction.atomic():
                shared, seats, _entries = rows.read_batch(reads)
                if not shared or len(seats) != 1:
                    return _not_a_judge()
                judge = seats[0][SEAT_JUDGE:]
                judge_id, competition_id = judge[_JUDGE_ID], judge[_JUDGE_COMPETITION]
                pk = _sheet_write(round_id, judge_id, competition_id, user.pk, sent)
        except DatabaseError:  # a constraint refused it: nothing is written
            return _unusable()
        return Response({"id": pk, "version": 1}, status=201)


class SheetReadsFloorUnthrottledApi(SheetReadsFloorApi):
    """The reads floor without the judges' API's throttle: what the rate limit costs."""

    throttle_classes = []


class SheetReadsFloorUnlockedApi(SheetReadsFloorApi):
    """The reads floor with the round read unlocked: what its SHARE lock costs."""

    round_lock = False


# Where the judge's key and competition are in the judge's columns of USER_SEATS_IN_ROUND.
_JUDGE_COLUMNS = [f.attname for f in Judge._meta.concrete_fields]
_JUDGE_ID, _JUDGE_COMPETITION = (_JUDGE_COLUMNS.index(n) for n in ("id", "competition_id"))


@dataclasses.dataclass(frozen=True)
class _Sent:
    dance_id: int
    revision: int
    client_key: str
    marks: dict[int, Decimal]


def _sheet_sent(body) -> _Sent | None:
    """The body's values as the floors write them, or None."""
    try:
        return _Sent(
            int(body["dance_id"]),
            int(body["round_revision"]),
            str(body["client_key"]),
            {int(entry): Decimal(str(value)) for entry, value in body["marks"].items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation):
        return None


def _sheet_write(round_id: int, judge_id: int, competition_id: int, user_id: int, sent: _Sent):
    """The sheet, its marks and their audit rows in one statement with ``COMMIT``, as
    ``sheet_submit`` writes a new sheet; the screens nudged after commit. Its key."""
    now = timezone.now()
    sheet = Sheet(
        round_id=round_id,
        judge_id=judge_id,
        dance_id=sent.dance_id,
        version=1,
        round_revision=sent.revision,
        client_key=sent.client_key,
        source=Sheet.Source.API,
        submitted_by_id=user_id,
        submitted_at=now,
    )
    parent = rows.PARENT
    trail = [
        (round_id, parent, judge_id, MarkChange.Kind.SUBMITTED, entry, None, sent.dance_id)
        + (None, value, 1, user_id, Sheet.Source.API, "", now)
        for entry, value in sorted(sent.marks.items())
    ]
    pk = rows.insert_values(
        [
            (Mark, _MARK_FIELDS, [(parent, e, None, v) for e, v in sent.marks.items()]),
            (MarkChange, _CHANGE_FIELDS, trail),
        ],
        parent=(Sheet, _SHEET_FIELDS, [getattr(sheet, f) for f in _SHEET_FIELDS]),
        last=True,
    )
    announce(competition_id, "sheet.submitted", {"round": round_id, "version": 1})
    return pk


def _not_a_judge() -> Response:
    return Response({"detail": "not a judge of this round"}, status=403)


# The site's error handlers, so that its other answers are the site's own. The floors
# come first, under one prefix: resolved after every route of the site they would pay
# for the site's 404 trail (about 0.1 ms); before, every other request pays for one
# prefix that does not match (about a microsecond).
handler404 = site_urls.handler404
handler500 = site_urls.handler500
urlpatterns = [
    path(
        "bench/",
        include(
            [
                path("sheet-floor/rounds/<int:round_id>/sheets/", SheetFloorApi.as_view()),
                path(
                    "sheet-reads-floor/rounds/<int:round_id>/sheets/",
                    SheetReadsFloorApi.as_view(),
                ),
                path(
                    "sheet-reads-floor-unthrottled/rounds/<int:round_id>/sheets/",
                    SheetReadsFloorUnthrottledApi.as_view(),
                ),
                path(
                    "sheet-reads-floor-unlocked/rounds/<int:round_id>/sheets/",
                    SheetReadsFloorUnlockedApi.as_view(),
                ),
                path("registration-floor/<str:token>/", RegistrationFloorApi.as_view()),
            ]
        ),
    ),
    *site_urls.urlpatterns,
]
