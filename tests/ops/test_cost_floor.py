"""bench/cost_floor.py: the cost bench's floors write the rows the real requests write, so
that a floor and its request are measured doing the same work. PostgreSQL only, as the
floors' statements (the cost bench runs on PostgreSQL)."""

import pytest
from django.db import connection
from django.urls import reverse

from adjudication.models import Mark, MarkChange, Sheet
from adjudication.services.common import ROUND_SHARE_LOCK
from adjudication.services.sheets import tablet_sheet_reads
from competitions.models import Competition, Competitor, Entry, Event, OutboxJob
from scoring_site.api import SheetThrottle
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer, recall_body, sign_in, submit_url
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.scoring_site.test_api_throttles import limit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("bench.cost_floor"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the floors are PostgreSQL statements"
    ),
]

SHEET_SAME = [
    f.attname
    for f in Sheet._meta.concrete_fields
    if f.attname not in ("id", "dance_id", "client_key", "submitted_at")
]
TRAIL_SAME = ("round_id", "judge_id", "kind", "entry_id", "criterion_id", "old_value")
TRAIL_SAME += ("new_value", "sheet_version", "actor_id", "source", "reason")


def post(client, url, body, headers=None):
    return client.post(url, body, content_type="application/json", headers=headers or {})


READS_FLOORS = ["sheet-reads-floor", "sheet-reads-floor-unthrottled", "sheet-reads-floor-unlocked"]
SHEET_FLOORS = pytest.mark.parametrize("floor", ["sheet-floor", *READS_FLOORS])


@SHEET_FLOORS
def test_the_sheet_floor_writes_what_a_judges_sheet_writes(client, floor):
    day = build_day()
    tokens = sign_in(client, day.judges[0])
    picks = day.entries()[: day.first.recall_count]
    floor_url = f"/bench/{floor}/rounds/{day.first.pk}/sheets/"

    real = post(client, submit_url(day.first), recall_body(day, picks), bearer(tokens))
    floor = post(
        client,
        floor_url,
        recall_body(day, picks, dance_id=day.dances[1].pk, client_key="tablet-A-2"),
        bearer(tokens),
    )

    assert (real.status_code, floor.status_code) == (201, 201)
    sheets = [Sheet.objects.get(dance=dance) for dance in day.dances]
    assert [s.client_key for s in sheets] == ["tablet-A-1", "tablet-A-2"]
    assert {f: getattr(sheets[0], f) for f in SHEET_SAME} == {
        f: getattr(sheets[1], f) for f in SHEET_SAME
    }
    marks = [sorted(Mark.objects.filter(sheet=s).values_list("entry", "value")) for s in sheets]
    assert marks[0] == marks[1] == sorted((e.pk, 1) for e in picks)
    trail = [sorted(MarkChange.objects.filter(sheet=s).values_list(*TRAIL_SAME)) for s in sheets]
    assert len(trail[0]) == len(picks)
    assert trail[0] == trail[1]
    assert {c.dance_id for c in MarkChange.objects.filter(sheet=sheets[1])} == {day.dances[1].pk}


@SHEET_FLOORS
def test_the_sheet_floor_refuses_a_judge_of_another_competition(client, floor):
    day, other = build_day(), build_day()
    tokens = sign_in(client, other.judges[0])
    floor_url = f"/bench/{floor}/rounds/{day.first.pk}/sheets/"

    response = post(client, floor_url, recall_body(day, day.entries()[:6]), bearer(tokens))

    assert response.status_code == 403
    assert not Sheet.objects.exists()


def test_the_registration_floor_writes_what_a_registration_writes(client):
    competition, link = open_competition()
    event = skating_event(competition)
    body = {"kind": "couple", "club": "Stars", "country": "GB", "events": [event.pk]}

    real = post(
        client,
        reverse("api:registration-link", args=[link.token]),
        {**body, "name": "Leader A", "partner_name": "Partner A", "email": "a@example.org"},
    )
    floor = post(
        client,
        f"/bench/registration-floor/{link.token}/",
        {**body, "name": "Leader B", "partner_name": "Partner B", "email": "b@example.org"},
    )

    assert (real.status_code, floor.status_code) == (201, 201)
    competitors = list(Competitor.objects.filter(competition=competition).order_by("name"))
    assert [c.name for c in competitors] == ["Leader A", "Leader B"]
    same = ("kind", "members", "club", "country", "birth_year", "partner_birth_year")
    assert [[getattr(c, f) for f in same] for c in competitors] == [
        ["couple", "", "Stars", "GB", None, None]
    ] * 2
    entries = [Entry.objects.get(competitor=c) for c in competitors]
    assert [(e.event_id, e.status, e.withdrawn) for e in entries] == [
        (event.pk, "entered", False)
    ] * 2
    jobs = sorted(OutboxJob.objects.values_list("task_name", "args", "kwargs"))
    assert jobs == [
        (
            "competitions.send_registration_confirmation",
            [c.pk, [e.pk]],
            {"site": jobs[0][2]["site"]},
        )
        for c, e in zip(competitors, entries, strict=True)
    ]
    assert Event.objects.get(pk=event.pk).entries_taken == 2
    assert Competition.objects.get(pk=competition.pk).entries_taken == 2


@pytest.mark.parametrize(
    "change",
    [
        {"marks": "not a mapping"},
        {"marks": {"x": 1}},
        {"dance_id": None},
    ],
)
@SHEET_FLOORS
def test_the_sheet_floor_refuses_a_body_it_cannot_use_and_writes_nothing(client, change, floor):
    day = build_day()
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6], **change)

    response = post(client, f"/bench/{floor}/rounds/{day.first.pk}/sheets/", body,
                    bearer(tokens))  # fmt: skip

    assert response.status_code == 400
    assert not Sheet.objects.exists() and not MarkChange.objects.exists()


@pytest.mark.parametrize("change", [{"events": []}, {"name": None}, {"events": [999999]}])
def test_the_registration_floor_refuses_a_body_it_cannot_use_and_writes_nothing(client, change):
    competition, link = open_competition()
    event = skating_event(competition)
    body = {"kind": "couple", "name": "Leader A", "partner_name": "Partner A", "club": "Stars",
            "country": "GB", "email": "a@example.org", "events": [event.pk], **change}  # fmt: skip

    response = post(client, f"/bench/registration-floor/{link.token}/", body)

    assert response.status_code in (400, 404)
    assert not Competitor.objects.exists() and not OutboxJob.objects.exists()
    assert Event.objects.get(pk=event.pk).entries_taken == 0


@pytest.mark.django_db(transaction=True)
@SHEET_FLOORS
def test_the_sheet_floor_refused_at_commit_answers_400_and_writes_nothing(client, floor):
    # No such dance: the deferred foreign key refuses the sheet when it commits.
    day = build_day()
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6], dance_id=999999)

    response = post(client, f"/bench/{floor}/rounds/{day.first.pk}/sheets/", body,
                    bearer(tokens))  # fmt: skip

    assert response.status_code == 400
    assert not Sheet.objects.exists() and not MarkChange.objects.exists()


@pytest.mark.parametrize("floor", READS_FLOORS)
def test_the_sheet_reads_floor_sends_the_reads_of_a_tablets_sheet(client, floor):
    day = build_day()
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[: day.first.recall_count])
    reads = tablet_sheet_reads(
        round_id=day.first.pk, dance_id=day.dances[0].pk, user_id=day.judges[0].user_id
    )

    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = post(client, f"/bench/{floor}/rounds/{day.first.pk}/sheets/", body,
                        bearer(tokens))  # fmt: skip

    assert response.status_code == 201
    unlocked = floor.endswith("unlocked")
    expected = [sql.replace(ROUND_SHARE_LOCK, "") if unlocked else sql for sql, _ in reads]
    assert [s for s in sent if s in expected] == expected
    assert "FOR SHARE" in reads[0][0]
    assert any("FOR SHARE" in sql for sql in sent) is not unlocked


@pytest.mark.parametrize(
    ("floor", "second"),
    [("sheet-reads-floor", 429), ("sheet-reads-floor-unlocked", 429),
     ("sheet-reads-floor-unthrottled", 201)],
)  # fmt: skip
def test_the_sheet_reads_floor_is_throttled_as_the_judges_api_is(
    client, monkeypatch, floor, second
):
    limit(monkeypatch, SheetThrottle, "1/minute")
    day = build_day()
    tokens = sign_in(client, day.judges[0])
    url = f"/bench/{floor}/rounds/{day.first.pk}/sheets/"
    picks = day.entries()[: day.first.recall_count]

    sent = post(client, url, recall_body(day, picks), bearer(tokens))
    again = post(client, url, recall_body(day, picks, dance_id=day.dances[1].pk,
                                          client_key="tablet-A-2"), bearer(tokens))  # fmt: skip

    assert sent.status_code == 201
    assert again.status_code == second
    assert Sheet.objects.count() == (1 if second == 429 else 2)
