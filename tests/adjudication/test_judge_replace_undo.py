"""Taking back a replacement judge who has not judged yet: from the desk's panels page
and the desk API (``judge_replacement_undo``), and its refusals."""

import pytest
from django.test import Client
from django.urls import reverse

from adjudication.incidents.judges import judge_replace
from adjudication.models import TabletSession
from competitions.models import Incident, PanelSeat
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.adjudication.test_tablet_pages import sign_in
from tests.factories.accounts import UserFactory
from tests.factories.competitions import CompetitionFactory, JudgeFactory, PanelSeatFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db

AS_BUILT = [("A", None, None), ("B", None, None), ("C", None, None)]


@pytest.fixture
def day():
    return build_day()


@pytest.fixture
def reserve(day):
    return JudgeFactory(competition=day.competition, letter="R", name="Rita Reserve")


def replace(day, reserve, *, finish_current=True):
    """B is replaced by R: from the final (B finishes the first round), or from the
    first round (re-collected from R)."""
    judge_replace(
        event=day.event,
        judge=day.judges[1],
        replacement=reserve,
        from_round=day.first,
        finish_current=finish_current,
        actor=UserFactory(roles=["chairman"]),
        reason="Judge B was taken ill.",
    )
    return PanelSeat.objects.get(event=day.event, judge=reserve)


def seats(day):
    return list(
        PanelSeat.objects.filter(event=day.event)
        .order_by("judge__letter")
        .values_list("judge__letter", "from_round", "until_round")
    )


def page_url(day):
    return reverse("adjudication:desk-panels", args=[day.competition.slug])


def take_back(client, day, seat, reason="Judge B is well again."):
    data = {"action": "take-back", "seat": seat.pk, "reason": reason}
    return client.post(page_url(day), data, follow=True)


# --- The panels page ----------------------------------------------------------------------


def test_the_chairman_takes_back_a_replacement_not_yet_judged(
    client, day, reserve, django_capture_on_commit_callbacks
):
    seat = replace(day, reserve)
    sign_in_staff(client, UserFactory(username="chair", roles=["chairman"]))
    tablet = sign_in(Client(), day, reserve)  # R's own tablet
    offered = client.get(page_url(day)).content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = take_back(client, day, seat)

    page = response.content.decode()
    assert f'<li data-seat="{seat.pk}">' in offered and "Take back: B judges again" in offered
    assert tablet.status_code == 302
    assert seats(day) == AS_BUILT
    incident = Incident.objects.latest("id")
    assert incident.summary.startswith("Replacement taken back: judge B")
    assert (incident.kind, incident.reason) == ("judge_replaced", "Judge B is well again.")
    assert (incident.judge, incident.other_judge, incident.actor.username) == (
        day.judges[1],
        reserve,
        "chair",
    )
    assert "Replacement taken back" in page and "Take back:" not in page
    assert TabletSession.objects.get(judge=reserve).revoked_at is not None
    assert len(callbacks) >= 1  # the screens are nudged after commit


def test_a_replacement_who_sent_a_sheet_is_not_taken_back(client, day, reserve):
    seat = replace(day, reserve, finish_current=False)  # R judges the open first round
    day.send(reserve, day.dances[0], day.crosses(day.entries()[:6]))
    sign_in_staff(client, UserFactory(username="chair", roles=["chairman"]))
    before = seats(day)

    response = take_back(client, day, seat)

    page = response.content.decode()
    assert "has already sent sheets of Adult Latin" in page
    assert "Take back:" not in page  # no longer offered
    assert seats(day) == before
    assert Incident.objects.count() == 1  # the replacement only


def test_taking_back_needs_a_reason_and_a_replacement(client, day, reserve):
    seat = replace(day, reserve)
    sign_in_staff(client, UserFactory(username="chair", roles=["chairman"]))
    before = seats(day)
    original = PanelSeat.objects.get(event=day.event, judge=day.judges[0])

    silent = take_back(client, day, seat, reason=" ").content.decode()
    no_replacement = take_back(client, day, original).content.decode()

    assert "Say why the replacement is taken back." in silent
    assert "is no replacement on Adult Latin" in no_replacement
    assert seats(day) == before
    assert Incident.objects.count() == 1


def test_a_scrutineer_is_not_offered_and_cannot_take_back(client, day, reserve):
    seat = replace(day, reserve)
    sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))

    offered = client.get(page_url(day)).content.decode()
    page = take_back(client, day, seat).content.decode()

    assert "Take back:" not in offered
    assert "You do not have permission to take back replacements." in page
    assert ("R", 2, None) in seats(day)


def test_replacing_a_replacement_not_yet_judged_says_to_take_it_back(client, day, reserve):
    replace(day, reserve)
    second = JudgeFactory(competition=day.competition, letter="S")
    sign_in_staff(client, UserFactory(username="chair", roles=["chairman"]))
    prefix = f"e{day.event.pk}"
    data = {
        "event": day.event.pk,
        "judge": reserve.pk,
        "replacement": second.pk,
        "from_round": day.final.pk,
        "finish_current": "0",
        "reason": "R is called away.",
    }

    response = client.post(page_url(day), {f"{prefix}-{k}": v for k, v in data.items()})

    page = response.content.decode()
    assert response.status_code == 400
    assert "take that replacement back on the desk&#x27;s panels page" in page
    assert "remove that seat in the admin" not in page


# --- The desk API ---------------------------------------------------------------------------


def api_delete(client, day, tokens, seat_id, body):
    url = reverse("api:desk-judge-replacement", args=[day.competition.slug, seat_id])
    return client.delete(url, body, content_type="application/json", headers=bearer(tokens))


def test_the_api_takes_back_a_replacement(client, day, reserve):
    seat = replace(day, reserve)
    _, tokens = token_for(client, "chairman")

    response = api_delete(client, day, tokens, seat.pk, {"reason": "B is well again"})

    assert response.status_code == 200
    body = response.json()
    assert (body["event_id"], body["judge"], body["taken_back"]) == (day.event.pk, "B", "R")
    assert body["summary"].startswith("Replacement taken back")
    assert seats(day) == AS_BUILT


def test_the_api_refuses_and_changes_nothing(client, day, reserve):
    seat = replace(day, reserve, finish_current=False)
    day.send(reserve, day.dances[0], day.crosses(day.entries()[:6]))
    original = PanelSeat.objects.get(event=day.event, judge=day.judges[0])
    stranger = PanelSeatFactory(event__competition=CompetitionFactory())
    _, chair = token_for(client, "chairman")
    _, desk = token_for(client, "scrutineer")
    before = seats(day)

    judged = api_delete(client, day, chair, seat.pk, {"reason": "x"})
    not_one = api_delete(client, day, chair, original.pk, {"reason": "x"})
    silent = api_delete(client, day, chair, seat.pk, {})
    scrutineer = api_delete(client, day, desk, seat.pk, {"reason": "x"})
    elsewhere = api_delete(client, day, chair, stranger.pk, {"reason": "x"})

    assert (judged.status_code, not_one.status_code, silent.status_code) == (409, 409, 400)
    assert "has already sent sheets" in str(judged.json())
    assert (scrutineer.status_code, elsewhere.status_code) == (403, 404)
    assert seats(day) == before
    assert Incident.objects.count() == 1
