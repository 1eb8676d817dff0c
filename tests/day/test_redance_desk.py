"""A redance from the desk's pages (the day's page and the round's page) and the desk's
API: the same service, its refusals shown with their message and nothing written."""

import pytest
from django.urls import reverse

from adjudication.day.floor import floor_move
from adjudication.incidents.redance import heat_redance
from adjudication.models import Sheet
from competitions.models import Floor, FloorMove, Incident, Redance
from leaderboard.snapshots import public_snapshot
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.day.redance_helpers import danced_first_round
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def login(client, role):
    return sign_in_staff(client, UserFactory(roles=[role]))


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def code(d, dance, heat):
    return f"r{d.round.pk}-d{dance.pk}-h{heat}"


def redance_url(d):
    return reverse("adjudication:desk-redance", args=[d.p.competition.slug])


def test_the_day_page_offers_the_heats_danced_and_the_chairman_orders_a_redance(client):
    d = danced_first_round()
    login(client, "chairman")
    day = reverse("adjudication:desk-day", args=[d.p.competition.slug])

    page = client.get(day).content.decode()
    assert "Redance" in page
    assert f'value="{code(d, d.samba, 2)}"' in page
    assert f'value="{code(d, d.rumba, 1)}"' not in page  # never on the floor
    response = client.post(
        redance_url(d),
        {"slot": code(d, d.samba, 2), "reason": "music failure", "recollect": "1", "back": "day"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == day
    page = response.content.decode()
    assert "Redance of heat 2 of Samba ordered" in page
    round_page = client.get(reverse("adjudication:desk-round", args=[d.round.pk]))
    assert text(round_page).count("returned for a redance: waiting for it again") == 3
    assert "heat 2 of Samba — music failure (sheets re-collected" in page
    floor = Floor.objects.get()
    assert (floor.dance, floor.heat_number, floor.phase) == (d.samba, 2, "dancing")
    assert Sheet.objects.filter(returned_at__isnull=False).count() == 3


def test_the_round_page_orders_a_redance_keeping_the_sheets(client):
    d = danced_first_round()
    login(client, "scrutineer")
    round_page = reverse("adjudication:desk-round", args=[d.round.pk])

    page = client.get(round_page).content.decode()
    assert 'name="recollect" value="1" disabled' in page  # the chairman's choice
    response = client.post(
        redance_url(d),
        {"slot": code(d, d.samba, 1), "reason": "a couple fell", "back": "round"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == round_page
    assert "the judges' sheets stay as they are" in text(response)
    assert Redance.objects.get().recollect is False
    assert not Sheet.objects.filter(returned_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"slot": "r0-d0-h1", "reason": "x"}, "Choose a heat that was on the floor"),
        ({"slot": "nonsense", "reason": "x"}, "Choose a heat that was on the floor"),
        ({"slot": "HEAT9", "reason": "x"}, "has no heat 9"),
        ({"slot": "SAMBA1", "reason": " "}, "Say why the heat is danced again"),
        ({"slot": "RUMBA1", "reason": "x"}, "has not been on the floor yet"),
        ({"slot": "SAMBA1", "reason": "x", "recollect": "1"}, "re-collect the judges"),
    ],
)
def test_bad_redances_from_the_page_say_why_and_change_nothing(client, post, message):
    d = danced_first_round()
    login(client, "scrutineer")
    moves = FloorMove.objects.count()
    post = dict(post)
    post["slot"] = {
        "HEAT9": code(d, d.samba, 9),
        "SAMBA1": code(d, d.samba, 1),
        "RUMBA1": code(d, d.rumba, 1),
    }.get(post["slot"], post["slot"])

    response = client.post(redance_url(d), post, follow=True)

    assert message in text(response)
    assert not Redance.objects.exists() and not Incident.objects.exists()
    assert FloorMove.objects.count() == moves
    assert not Sheet.objects.filter(returned_at__isnull=False).exists()


def test_a_judge_cannot_order_a_redance(client):
    d = danced_first_round()
    login(client, "judge")

    response = client.post(redance_url(d), {"slot": code(d, d.samba, 1), "reason": "x"})

    assert response.status_code == 403
    assert not Redance.objects.exists()


def api_url(d):
    return reverse("api:desk-round-redances", args=[d.round.pk])


def test_the_api_orders_and_lists_redances(client):
    d = danced_first_round()
    _, tokens = token_for(client, "chairman")

    response = client.post(
        api_url(d),
        {"dance": d.samba.pk, "heat": 1, "reason": "music stopped", "recollect": True},
        content_type="application/json",
        headers=bearer(tokens),
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["dance_name"], body["heat"], body["recollect"]) == ("Samba", 1, True)
    listed = client.get(api_url(d), headers=bearer(tokens)).json()
    assert [(r["heat"], r["reason"]) for r in listed] == [(1, "music stopped")]
    assert Sheet.objects.filter(returned_at__isnull=False).count() == 3


@pytest.mark.parametrize(
    ("role", "body", "status", "message"),
    [
        ("chairman", {"dance": "SAMBA", "heat": 9, "reason": "x"}, 409, "has no heat 9"),
        ("chairman", {"dance": "SAMBA", "heat": 1, "reason": ""}, 400, "may not be blank"),
        ("chairman", {"dance": "RUMBA", "heat": 1, "reason": "x"}, 409, "not been on the floor"),
        ("chairman", {"dance": 999999, "heat": 1, "reason": "x"}, 409, "No such dance"),
        ("chairman", {"heat": 1, "reason": "x"}, 409, "Choose one of the dances"),
        (
            "scrutineer",
            {"dance": "SAMBA", "heat": 1, "reason": "x", "recollect": True},
            403,
            "re-collect",
        ),
    ],
)
def test_bad_redances_over_the_api_say_why_and_change_nothing(client, role, body, status, message):
    d = danced_first_round()
    _, tokens = token_for(client, role)
    moves = FloorMove.objects.count()
    body = dict(body)
    if "dance" in body:
        body["dance"] = {"SAMBA": d.samba.pk, "RUMBA": d.rumba.pk}.get(body["dance"], body["dance"])

    response = client.post(
        api_url(d), body, content_type="application/json", headers=bearer(tokens)
    )

    assert response.status_code == status
    assert message in str(response.json())
    assert not Redance.objects.exists() and not Incident.objects.exists()
    assert FloorMove.objects.count() == moves


def test_the_screens_show_the_redance_while_it_is_on_the_floor(client):
    d = danced_first_round()
    heat_redance(
        round=d.round,
        dance=d.samba,
        heat_number=2,
        reason="a couple fell",
        recollect=False,
        actor=None,
    )
    login(client, "announcer")
    announcer = reverse("adjudication:announcer", args=[d.p.competition.slug])

    assert "Redance — heat 2, Samba" in client.get(announcer).content.decode()
    now = public_snapshot(d.p.competition)["now"]
    assert now["redance"] == "Redance — Heat 2, Samba"
    assert now["label"] == "Adult Latin – First round · Samba · heat 2"
    login(client, "scrutineer")
    day = client.get(reverse("adjudication:desk-day", args=[d.p.competition.slug]))
    assert "<strong>Redance</strong> — a couple fell" in day.content.decode()

    floor_move(competition=d.p.competition, action="danced", actor=None)
    floor_move(competition=d.p.competition, action="next", actor=None)  # Rumba heat 1
    assert public_snapshot(d.p.competition)["now"]["redance"] is None
