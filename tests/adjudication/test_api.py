import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from adjudication.models import Mark, MarkChange, Sheet
from adjudication.services import round_close, round_reopen, sheet_unlock
from competitions.models import HeatEntry, Round
from competitions.services import round_transition
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import TabletSessionFactory
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    HeatFactory,
    JudgeFactory,
    PanelSeatFactory,
    SoloCompetitorFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def day():
    return build_day()


def sign_in(client, judge):
    """Give the judge a user with a password, and sign a device in: the token pair."""
    user = UserFactory()
    judge.user = user
    judge.save(update_fields=["user"])
    response = client.post(
        reverse("api:token"),
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access']}"}


def sheets_url():
    return reverse("api:judge-sheets")


def round_url(round_):
    return reverse("api:judge-round", args=[round_.pk])


def submit_url(round_):
    return reverse("api:judge-sheet-submit", args=[round_.pk])


def recall_body(day, picks, **overrides):
    body = {
        "dance_id": day.dances[0].pk,
        "marks": {str(e.pk): 1 for e in picks},
        "client_key": "tablet-A-1",
        "base_version": 0,
        "round_revision": day.first.revision,
    }
    body.update(overrides)
    return body


def post(client, url, body, tokens):
    return client.post(url, body, content_type="application/json", headers=bearer(tokens))


# --- Tokens ---------------------------------------------------------------------------------


def test_token_pair_refreshes_and_the_old_refresh_token_is_spent(client, day):
    tokens = sign_in(client, day.judges[0])

    refreshed = client.post(
        reverse("api:token-refresh"),
        {"refresh": tokens["refresh"]},
        content_type="application/json",
    )
    again = client.post(
        reverse("api:token-refresh"),
        {"refresh": tokens["refresh"]},
        content_type="application/json",
    )

    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access", "refresh"}
    assert client.get(sheets_url(), headers=bearer(refreshed.json())).status_code == 200
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_token_with_a_wrong_password_is_refused_in_the_error_shape(client, day):
    user = UserFactory()

    response = client.post(
        reverse("api:token"),
        {"username": user.username, "password": "wrong"},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": "no_active_account",
        "message": "No active account found with the given credentials",
        "errors": {"__all__": ["No active account found with the given credentials"]},
    }


@pytest.mark.parametrize(
    "method, name",
    [("get", "judge-sheets"), ("get", "judge-round"), ("post", "judge-sheet-submit")],
)
def test_anonymous_is_unauthorized(client, day, method, name):
    args = [] if name == "judge-sheets" else [day.first.pk]

    response = getattr(client, method)(
        reverse(f"api:{name}", args=args), content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not Sheet.objects.exists()


def test_a_garbled_token_is_unauthorized(client, day):
    response = client.get(sheets_url(), headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


# --- Reading --------------------------------------------------------------------------------


def test_list_shows_only_this_judges_open_rounds(client, day):
    elsewhere = build_day()
    sign_in(client, elsewhere.judges[0])  # another judge's user, another competition
    tokens = sign_in(client, day.judges[0])

    response = client.get(sheets_url(), headers=bearer(tokens))

    assert response.status_code == 200
    (item,) = response.json()["rounds"]  # not the planned final, not the other competition
    entries = day.entries()
    assert {k: v for k, v in item.items() if k not in ("heats", "parts")} == {
        "round_id": day.first.pk,
        "competition_id": day.competition.pk,
        "competition_name": day.competition.name,
        "event_id": day.event.pk,
        "event_name": "Adult Latin",
        "scoring_method": "skating",
        "round_kind": "first",
        "round_status": "open",
        "revision": 1,
        "recall_count": 6,
        "marks_per_sheet": 6,
        "judge": {"letter": "A", "name": day.judges[0].name},
        "criteria": [],
    }
    assert item["heats"] == [
        {
            "number": 1,
            "entries": [
                {
                    "entry_id": e.pk,
                    "bib": e.competitor.bib,
                    "name": e.competitor.display_name,
                    "withdrawn": False,
                }
                for e in entries
            ],
        }
    ]
    assert item["parts"] == [
        {
            "dance_id": d.pk,
            "entry_id": None,
            "name": d.name,
            "bib": None,
            "sheet": None,
            "not_dancing": [],
            "marks": item["marks_per_sheet"],
            "components": [],
        }
        for d in day.dances
    ]


def test_list_shows_the_judges_own_sheet_and_never_another_judges(client, day):
    entries = day.entries()
    day.send(day.judges[0], day.dances[0], day.crosses(entries[:6]))
    day.send(day.judges[1], day.dances[1], day.crosses(entries[2:8]))
    tokens = sign_in(client, day.judges[0])

    (item,) = client.get(sheets_url(), headers=bearer(tokens)).json()["rounds"]

    samba, rumba = item["parts"]
    assert samba["sheet"]["version"] == 1
    assert samba["sheet"]["source"] == "tablet"
    assert samba["sheet"]["marks"] == {str(e.pk): "1.00" for e in entries[:6]}
    assert rumba["sheet"] is None


def test_a_user_who_judges_nowhere_is_forbidden_the_list(client, day):
    user = UserFactory()
    tokens = client.post(
        reverse("api:token"),
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    ).json()

    response = client.get(sheets_url(), headers=bearer(tokens))

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_judge"


def test_list_covers_every_competition_the_user_judges(client, day, django_assert_num_queries):
    tokens = sign_in(client, day.judges[0])
    user = day.judges[0].user
    # 12: the couples absent or disqualified, in one; the user and their tablets' latest
    # revocation in one (TabletJWTAuthentication), which TabletNotRevoked reads again no more
    with django_assert_num_queries(12):
        one = client.get(sheets_url(), headers=bearer(tokens))
    others = [build_day(), build_day()]
    for other in others:
        other.judges[1].user = user
        other.judges[1].save(update_fields=["user"])

    with django_assert_num_queries(12):  # the same queries for three rounds as for one
        three = client.get(sheets_url(), headers=bearer(tokens))

    assert [r["round_id"] for r in one.json()["rounds"]] == [day.first.pk]
    assert [(r["round_id"], r["judge"]["letter"]) for r in three.json()["rounds"]] == [
        (day.first.pk, "A"),
        (others[0].first.pk, "B"),
        (others[1].first.pk, "B"),
    ]


def test_final_finalists_are_shuffled_per_judge_and_stable(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    open_final(day)
    tokens = {judge.letter: sign_in(client, judge) for judge in day.judges}

    def order(letter):
        (heat,) = client.get(round_url(day.final), headers=bearer(tokens[letter])).json()["heats"]
        return [e["entry_id"] for e in heat["entries"]]

    orders = {letter: order(letter) for letter in tokens}

    finalists = {e.pk for e in day.entries(day.final)}
    assert all(set(o) == finalists and len(o) == 6 for o in orders.values())
    assert order("A") == orders["A"]
    assert len({tuple(o) for o in orders.values()}) > 1
    listed = client.get(sheets_url(), headers=bearer(tokens["A"])).json()["rounds"]
    assert [r["round_kind"] for r in listed] == ["final"]
    assert [e["entry_id"] for e in listed[0]["heats"][0]["entries"]] == orders["A"]
    assert listed[0]["recall_count"] is None
    assert listed[0]["marks_per_sheet"] == 6


def test_a_closed_round_is_still_readable_by_its_judges(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    tokens = sign_in(client, day.judges[1])

    response = client.get(round_url(day.first), headers=bearer(tokens))

    assert response.status_code == 200
    assert response.json()["round_status"] == "closed"
    assert [p["sheet"]["version"] for p in response.json()["parts"]] == [1, 1]
    assert client.get(sheets_url(), headers=bearer(tokens)).json()["rounds"] == []


def test_an_unlocked_sheet_of_a_closed_round_is_listed_for_its_judge_only(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    sheet = Sheet.objects.get(round=day.first, judge=day.judges[0], dance=day.dances[0])
    sheet_unlock(sheet=sheet, actor=UserFactory(roles=["chairman"]), reason="B for 14")
    tokens_a = sign_in(client, day.judges[0])
    tokens_b = sign_in(client, day.judges[1])

    listed_a = client.get(sheets_url(), headers=bearer(tokens_a)).json()["rounds"]
    listed_b = client.get(sheets_url(), headers=bearer(tokens_b)).json()["rounds"]

    assert [(r["round_id"], r["round_status"]) for r in listed_a] == [(day.first.pk, "closed")]
    assert [p["sheet"]["unlocked"] for p in listed_a[0]["parts"]] == [True, False]
    assert listed_b == []


def test_another_panels_round_is_not_found(client, day):
    elsewhere = build_day()
    tokens = sign_in(client, day.judges[0])

    other = client.get(round_url(elsewhere.first), headers=bearer(tokens))
    missing = client.get(reverse("api:judge-round", args=[999_999]), headers=bearer(tokens))

    assert other.status_code == 404
    assert other.json() == missing.json()
    assert other.json()["code"] == "not_found"


@dataclasses.dataclass
class Pageant:
    judge: object
    round: Round
    criteria: list
    solos: list


@pytest.fixture
def pageant(day):
    """A criteria event in the day's competition: judge C scores three soloists, who
    perform in an order other than their bibs'."""
    event = CriteriaEventFactory(competition=day.competition, name="Miss Town")
    criteria = [
        CriterionFactory(event=event, name="Poise", position=1, weight=Decimal("2")),
        CriterionFactory(event=event, name="Talent", position=2),
    ]
    PanelSeatFactory(event=event, judge=day.judges[2])
    round_ = Round.objects.create(event=event, position=1, kind="final")
    heat = HeatFactory(round=round_, number=1)
    solos = [
        EntryFactory(
            event=event,
            competitor=SoloCompetitorFactory(competition=day.competition, bib=500 + n),
        )
        for n in range(3)
    ]
    for position, entry in zip([3, 1, 2], solos, strict=True):
        HeatEntry.objects.create(heat=heat, entry=entry, position=position)
    round_transition(round=round_, to_status="open", actor=None)
    round_.refresh_from_db()
    return Pageant(day.judges[2], round_, criteria, solos)


def test_criteria_round_lists_entries_in_running_order_with_the_criteria(client, pageant):
    poise, talent = pageant.criteria
    solos = pageant.solos
    tokens = sign_in(client, pageant.judge)

    item = client.get(round_url(pageant.round), headers=bearer(tokens)).json()

    assert [p["entry_id"] for p in item["parts"]] == [solos[1].pk, solos[2].pk, solos[0].pk]
    assert [p["bib"] for p in item["parts"]] == [501, 502, 500]
    assert [e["entry_id"] for e in item["heats"][0]["entries"]] == [
        solos[1].pk,
        solos[2].pk,
        solos[0].pk,
    ]
    assert item["criteria"] == [
        {
            "criterion_id": poise.pk,
            "name": "Poise",
            "min": "0.00",
            "max": "10.00",
            "step": "0.50",
            "weight": "2.000",
            "short_name": "",
        },
        {
            "criterion_id": talent.pk,
            "name": "Talent",
            "min": "0.00",
            "max": "10.00",
            "step": "0.50",
            "weight": "1.000",
            "short_name": "",
        },
    ]
    assert item["marks_per_sheet"] == 2


def test_a_criteria_sheet_is_stored(client, pageant):
    poise, talent = pageant.criteria
    entry = pageant.solos[1]
    tokens = sign_in(client, pageant.judge)

    response = post(
        client,
        submit_url(pageant.round),
        {
            "entry_id": entry.pk,
            "marks": {str(poise.pk): "8.5", str(talent.pk): 9},
            "client_key": "pageant-C-1",
            "base_version": 0,
            "round_revision": 1,
        },
        tokens,
    )

    assert response.status_code == 201
    assert response.json()["entry_id"] == entry.pk
    assert response.json()["marks"] == {str(poise.pk): "8.50", str(talent.pk): "9.00"}
    assert Sheet.objects.get(entry=entry).source == "api"


def test_a_dance_sheet_for_a_criteria_event_is_invalid(client, pageant):
    poise, talent = pageant.criteria
    tokens = sign_in(client, pageant.judge)

    response = post(
        client,
        submit_url(pageant.round),
        {
            "dance_id": 1,
            "marks": {str(poise.pk): "8.5", str(talent.pk): 9},
            "client_key": "pageant-C-1",
            "base_version": 0,
            "round_revision": 1,
        },
        tokens,
    )

    assert response.status_code == 400
    assert response.json()["message"] == "Choose one of the entries of Miss Town."


# --- Sending ----------------------------------------------------------------------------------


def test_a_recall_sheet_is_stored_through_the_service_with_source_api(client, day):
    tokens = sign_in(client, day.judges[0])
    picks = day.entries()[:6]

    response = post(client, submit_url(day.first), recall_body(day, picks), tokens)

    sheet = Sheet.objects.get()
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert response.json() == {
        "round_id": day.first.pk,
        "dance_id": day.dances[0].pk,
        "entry_id": None,
        "judge": "A",
        "client_key": "tablet-A-1",
        "version": 1,
        "round_revision": 1,
        "source": "api",
        "submitted_at": response.json()["submitted_at"],
        "marks": {str(e.pk): "1.00" for e in picks},
    }
    assert (sheet.judge, sheet.source, sheet.submitted_by) == (
        day.judges[0],
        "api",
        day.judges[0].user,
    )
    assert sorted(Mark.objects.values_list("entry_id", flat=True)) == sorted(e.pk for e in picks)
    assert set(MarkChange.objects.values_list("source", flat=True)) == {"api"}


def test_the_same_client_key_again_is_replayed(client, day):
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6])
    first = post(client, submit_url(day.first), body, tokens)

    again = post(client, submit_url(day.first), body, tokens)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Sheet.objects.count() == 1
    assert MarkChange.objects.count() == 6


def test_a_correction_with_a_reason_makes_version_two(client, day):
    tokens = sign_in(client, day.judges[0])
    entries = day.entries()
    post(client, submit_url(day.first), recall_body(day, entries[:6]), tokens)

    response = post(
        client,
        submit_url(day.first),
        recall_body(day, entries[1:7], client_key="tablet-A-2", base_version=1, reason="slip"),
        tokens,
    )

    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert set(MarkChange.objects.filter(kind="corrected").values_list("reason", flat=True)) == {
        "slip"
    }


def test_a_wrong_count_is_invalid_with_the_services_message(client, day):
    tokens = sign_in(client, day.judges[0])

    response = post(client, submit_url(day.first), recall_body(day, day.entries()[:5]), tokens)

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Mark exactly 6 couples: you marked 5 (mark 1 more).",
        "errors": {"__all__": ["Mark exactly 6 couples: you marked 5 (mark 1 more)."]},
    }
    assert not Sheet.objects.exists()


def test_the_services_problems_are_listed_after_its_message(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    open_final(day)
    tokens = sign_in(client, day.judges[0])
    finalists = day.entries(day.final)
    places = {str(e.pk): n for n, e in enumerate(finalists, 1)}
    places[str(finalists[1].pk)] = 1

    response = post(
        client,
        submit_url(day.final),
        {**recall_body(day, []), "marks": places, "round_revision": 1},
        tokens,
    )

    errors = response.json()["errors"]["__all__"]
    assert response.status_code == 400
    assert errors[0] == "Each place is given once."
    assert errors[1].startswith("Place 1 is given to")
    assert response.json()["message"] == " ".join(errors)


def test_a_closed_round_is_a_conflict(client, day):
    Round.objects.filter(pk=day.first.pk).update(status="closed")
    tokens = sign_in(client, day.judges[0])

    response = post(client, submit_url(day.first), recall_body(day, day.entries()[:6]), tokens)

    assert response.status_code == 409
    assert response.json()["code"] == "closed"
    assert not Sheet.objects.exists()


def test_a_sheet_loaded_before_the_round_was_reopened_is_stale(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    round_reopen(round=day.first, actor=UserFactory(roles=["scrutineer"]), reason="paper B")
    tokens = sign_in(client, day.judges[0])

    response = post(
        client,
        submit_url(day.first),
        recall_body(day, day.entries()[1:7], base_version=1, round_revision=1, reason="fix"),
        tokens,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    assert Sheet.objects.get(judge=day.judges[0], dance=day.dances[0]).version == 1


def test_another_panels_round_cannot_be_written(client, day):
    elsewhere = build_day()
    tokens = sign_in(client, day.judges[0])

    response = post(
        client,
        submit_url(elsewhere.first),
        recall_body(elsewhere, elsewhere.entries()[:6]),
        tokens,
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Sheet.objects.exists()


def test_a_judge_of_the_competition_off_this_panel_cannot_write(client, day):
    outsider = JudgeFactory(competition=day.competition, letter="Z")
    tokens = sign_in(client, outsider)

    read = client.get(round_url(day.first), headers=bearer(tokens))
    sent = post(client, submit_url(day.first), recall_body(day, day.entries()[:6]), tokens)

    assert (read.status_code, sent.status_code) == (404, 404)
    assert not Sheet.objects.exists()


def test_a_judge_cannot_send_another_judges_sheet(client, day):
    # Whatever the body says, the sheet is the signed-in judge's own.
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6], judge_id=day.judges[1].pk, judge="B")

    response = post(client, submit_url(day.first), body, tokens)

    assert response.status_code == 201
    assert list(Sheet.objects.values_list("judge__letter", flat=True)) == ["A"]


@pytest.mark.parametrize(
    "body, content_type",
    [
        ('{"marks": null}', "application/json"),  # invalid
        ("{not json", "application/json"),  # unreadable
        ("marks=1", "application/x-www-form-urlencoded"),  # not JSON
    ],
)
def test_a_judge_off_the_panel_is_not_found_whatever_the_body(client, day, body, content_type):
    outsider = JudgeFactory(competition=day.competition, letter="Z")
    tokens = sign_in(client, outsider)

    response = client.post(
        submit_url(day.first), body, content_type=content_type, headers=bearer(tokens)
    )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"marks": None}, "marks"),
        ({"marks": [1, 2, 3]}, "marks"),
        ({"marks": {"seven": 1}}, "marks"),
        ({"marks": {"-3": 1}}, "marks"),
        ({"client_key": ""}, "client_key"),
        ({"client_key": "k" * 65}, "client_key"),
        ({"base_version": "one"}, "base_version"),
        ({"round_revision": None}, "round_revision"),
        ({"entry_id": 5}, "__all__"),
        ({"dance_id": None}, "dance_id"),
        ({"reason": "x" * 301}, "reason"),
    ],
)
def test_a_bad_body_is_refused_with_field_errors(client, day, change, field):
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6]) | change

    response = post(client, submit_url(day.first), body, tokens)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Sheet.objects.exists()


@pytest.mark.parametrize("missing", ["marks", "client_key", "base_version", "round_revision"])
def test_a_missing_field_is_refused(client, day, missing):
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6])
    del body[missing]

    response = post(client, submit_url(day.first), body, tokens)

    assert response.status_code == 400
    assert response.json()["errors"][missing] == ["This field is required."]


def test_a_bad_mark_value_names_the_entry(client, day):
    tokens = sign_in(client, day.judges[0])
    picks = day.entries()[:6]
    body = recall_body(day, picks)
    body["marks"][str(picks[0].pk)] = "x"

    response = post(client, submit_url(day.first), body, tokens)

    assert response.status_code == 400
    assert response.json()["errors"] == {f"marks.{picks[0].pk}": ["A valid number is required."]}


def test_malformed_json_is_invalid(client, day):
    tokens = sign_in(client, day.judges[0])

    response = client.post(
        submit_url(day.first), "{not json", content_type="application/json", headers=bearer(tokens)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


# --- Revoked tablets --------------------------------------------------------------------------


def test_a_revoked_tablet_makes_earlier_tokens_unusable(client, day):
    judge = day.judges[0]
    tokens = sign_in(client, judge)
    assert client.get(sheets_url(), headers=bearer(tokens)).status_code == 200
    TabletSessionFactory(judge=judge, revoked_at=timezone.now())

    listed = client.get(sheets_url(), headers=bearer(tokens))
    sent = post(client, submit_url(day.first), recall_body(day, day.entries()[:6]), tokens)
    refreshed = client.post(
        reverse("api:token-refresh"),
        {"refresh": tokens["refresh"]},
        content_type="application/json",
    )

    assert (listed.status_code, sent.status_code, refreshed.status_code) == (401, 401, 401)
    assert {listed.json()["code"], sent.json()["code"], refreshed.json()["code"]} == {"revoked"}
    assert not Sheet.objects.exists()


def test_a_token_issued_after_the_revocation_works(client, day):
    judge = day.judges[0]
    TabletSessionFactory(judge=judge, revoked_at=timezone.now() - dt.timedelta(minutes=1))
    tokens = sign_in(client, judge)

    response = client.get(sheets_url(), headers=bearer(tokens))

    assert response.status_code == 200


def test_another_judges_revoked_tablet_does_not_matter(client, day):
    TabletSessionFactory(judge=day.judges[1], revoked_at=timezone.now() + dt.timedelta(minutes=1))
    tokens = sign_in(client, day.judges[0])

    response = client.get(sheets_url(), headers=bearer(tokens))

    assert response.status_code == 200


# --- Schema -----------------------------------------------------------------------------------


def test_openapi_schema_documents_the_judge_endpoints(client):
    response = client.get(reverse("api-schema"), headers={"Accept": "application/json"})

    assert response.status_code == 200
    operations = {
        op["operationId"]
        for path in response.json()["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "judge_sheets_list",
        "judge_round_read",
        "judge_sheet_submit",
        "auth_token_obtain",
        "auth_token_refresh",
    } <= operations
