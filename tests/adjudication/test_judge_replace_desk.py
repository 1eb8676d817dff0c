"""Replacement judges at the desk: the panels page and its form, the desk API."""

import pytest
from django.urls import reverse

from competitions.models import Incident, PanelSeat
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.factories.accounts import UserFactory
from tests.factories.competitions import CompetitionFactory, JudgeFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


@pytest.fixture
def reserve(day):
    return JudgeFactory(competition=day.competition, letter="R", name="Rita Reserve")


@pytest.fixture
def chairman_client(client):
    return sign_in_staff(client, UserFactory(username="chair", roles=["chairman"]))


def seats(day):
    return list(
        PanelSeat.objects.filter(event=day.event)
        .order_by("id")
        .values_list("judge__letter", "from_round", "until_round")
    )


def page_url(day):
    return reverse("adjudication:desk-panels", args=[day.competition.slug])


def form(day, reserve, **overrides):
    prefix = f"e{day.event.pk}"
    data = {
        "event": day.event.pk,
        "judge": day.judges[1].pk,
        "replacement": reserve.pk,
        "from_round": day.first.pk,
        "finish_current": "0",
        "reason": "Judge B was taken ill.",
    }
    data.update(overrides)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_the_panels_page_shows_who_judges_each_round(chairman_client, day, reserve):
    page = chairman_client.get(page_url(day)).content.decode()

    assert "Replace a judge on this panel" in page
    assert ">R – Rita Reserve<" in page  # offered as a reserve
    assert page.count('<span class="judge"') == 6  # A B C in each of two rounds


def test_the_chairman_replaces_a_judge_from_the_desk(chairman_client, day, reserve):
    response = chairman_client.post(
        page_url(day), form(day, reserve, finish_current="1"), follow=True
    )

    page = response.content.decode()
    assert "Judge B (" in page and "replaced by R (Rita Reserve)" in page
    assert "(replacing B)" in page
    assert seats(day) == [("A", None, None), ("B", None, 1), ("C", None, None), ("R", 2, None)]
    assert Incident.objects.get().actor.username == "chair"


def test_a_scrutineer_sees_the_panels_but_not_the_form(client, day, reserve):
    sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))

    page = client.get(page_url(day)).content.decode()
    refused = client.post(page_url(day), form(day, reserve), follow=True)

    assert "Replace a judge on this panel" not in page
    assert "You do not have permission to replace judges." in refused.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"replacement": "judge-c"}, "already sits on the panel"),
        ({"reason": ""}, "Say why the judge is replaced."),
        ({"judge": "reserve-x"}, "is not on the panel of"),
        ({"replacement": "stranger"}, "judges at another competition"),
    ],
)
def test_bad_input_on_the_desk_is_refused_and_changes_nothing(
    chairman_client, day, reserve, overrides, message
):
    named = {
        "judge-c": day.judges[2].pk,
        "reserve-x": JudgeFactory(competition=day.competition, letter="X").pk,
        "stranger": JudgeFactory(competition=CompetitionFactory(), letter="S").pk,
    }
    overrides = {key: named.get(value, value) for key, value in overrides.items()}
    before = seats(day)

    response = chairman_client.post(page_url(day), form(day, reserve, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert seats(day) == before
    assert not Incident.objects.exists()


def test_an_event_of_another_competition_is_not_found(chairman_client, day, reserve):
    other = build_day()

    response = chairman_client.post(page_url(day), {"event": other.event.pk})

    assert response.status_code == 404


# --- The desk API --------------------------------------------------------------------------


def api_body(day, reserve, **overrides):
    body = {
        "event_id": day.event.pk,
        "judge_id": day.judges[1].pk,
        "replacement_id": reserve.pk,
        "from_round_id": day.first.pk,
        "finish_current": False,
        "reason": "Judge B was taken ill.",
    }
    body.update(overrides)
    return body


def api_post(client, day, tokens, body):
    return client.post(
        reverse("api:desk-judge-replacements", args=[day.competition.slug]),
        body,
        content_type="application/json",
        headers=bearer(tokens),
    )


def test_the_api_replaces_a_judge(client, day, reserve):
    _, tokens = token_for(client, "chairman")

    response = api_post(client, day, tokens, api_body(day, reserve))

    assert response.status_code == 201
    body = response.json()
    assert (body["judge"], body["replacement"], body["starts_at_round"]) == ("B", "R", 1)
    assert seats(day)[-1] == ("R", 1, None)


def test_the_api_reads_the_panels_per_round(client, day, reserve):
    _, tokens = token_for(client, "chairman")
    api_post(client, day, tokens, api_body(day, reserve, finish_current=True))

    response = client.get(
        reverse("api:desk-panels", args=[day.competition.slug]), headers=bearer(tokens)
    )

    rounds = response.json()[0]["rounds"]
    assert [r["judges"] for r in rounds] == [
        [{"letter": "A", "replacing": None}, {"letter": "B", "replacing": None}]
        + [{"letter": "C", "replacing": None}],
        [{"letter": "A", "replacing": None}, {"letter": "C", "replacing": None}]
        + [{"letter": "R", "replacing": "B"}],
    ]


def test_the_api_refuses_a_replacement_on_the_panel_with_a_message(client, day, reserve):
    _, tokens = token_for(client, "chairman")
    before = seats(day)

    response = api_post(
        client, day, tokens, api_body(day, reserve, replacement_id=day.judges[0].pk)
    )

    assert response.status_code == 409
    assert "already sits on the panel" in str(response.json())
    assert seats(day) == before


def test_the_api_refuses_no_reason(client, day, reserve):
    _, tokens = token_for(client, "chairman")

    response = api_post(client, day, tokens, api_body(day, reserve, reason=""))

    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_the_api_refuses_a_scrutineer(client, day, reserve):
    _, tokens = token_for(client, "scrutineer")

    response = api_post(client, day, tokens, api_body(day, reserve))

    assert response.status_code == 403
    assert not Incident.objects.exists()


def test_the_api_does_not_find_an_event_of_another_competition(client, day, reserve):
    _, tokens = token_for(client, "chairman")
    other = build_day()

    response = api_post(client, day, tokens, api_body(day, reserve, event_id=other.event.pk))

    assert response.status_code == 404


def test_the_round_page_names_the_round_panel(chairman_client, day, reserve):
    chairman_client.post(page_url(day), form(day, reserve))

    page = chairman_client.get(reverse("adjudication:desk-round", args=[day.first.pk]))

    text = page.content.decode()
    assert "Judged by" in text and ">R</span>" in text and ">B</span>" not in text
    assert f"/paper/{day.judges[1].pk}/" not in text  # no paper sheet for the judge replaced
