"""The day over the API: the public timetable (with its ETag) and the desk's floor moves,
through the same service and rules as the desk's buttons."""

import pytest
from django.urls import reverse

from competitions.models import FloorMove
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.day.helpers import build_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return build_programme(timers=True)


def floor_url(p):
    return reverse("api:desk-floor", args=[p.competition.slug])


def move(client, p, tokens, body):
    return client.post(floor_url(p), body, content_type="application/json", headers=bearer(tokens))


def test_the_public_timetable_lists_every_heat_and_is_cacheable(client, programme):
    url = reverse("api:timetable", args=[programme.competition.slug])

    response = client.get(url)

    body = response.json()
    assert response.status_code == 200
    assert [line["label"] for line in body["lines"]] == [
        "Adult Latin – First round",
        "Adult Latin – Final",
        "Junior Waltz – Final",
        "Pageant – Final",
    ]
    first = body["lines"][0]
    assert [(s["dance_name"], s["heat"]) for s in first["slots"]] == [
        ("Samba", 1),
        ("Samba", 2),
        ("Rumba", 1),
        ("Rumba", 2),
    ]
    assert body["lines"][1]["drawn"] is False and body["lines"][1]["slots"] == []
    assert body["floor"]["phase"] == "idle" and "late" not in body["floor"]
    again = client.get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_the_desk_moves_the_floor_over_the_api(client, programme):
    _, tokens = token_for(client, "scrutineer")

    started = move(client, programme, tokens, {"action": "next"})
    danced = move(client, programme, tokens, {"action": "danced"})

    assert started.status_code == 200
    assert started.json()["label"] == "Adult Latin – First round · Samba · heat 1"
    assert started.json()["performance_ends_at"]
    assert danced.json()["phase"] == "danced" and danced.json()["scoring_ends_at"]
    read = client.get(floor_url(programme), headers=bearer(tokens))
    assert read.json()["late"] == []
    assert FloorMove.objects.count() == 2


def test_a_refused_move_is_409_with_the_reason_and_writes_nothing(client, programme):
    _, tokens = token_for(client, "scrutineer")
    final = programme.round(programme.latin, 2)

    response = move(
        client,
        programme,
        tokens,
        {"action": "start", "round": final.pk, "dance": programme.latin.dances.first().pk},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "refused"
    assert "not drawn yet" in response.json()["message"]
    assert not FloorMove.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"action": "fly"}, {"action": "start", "round": "abc"}, {"action": "start", "heat": 0}],
)
def test_a_bad_body_is_400(client, programme, body):
    _, tokens = token_for(client, "scrutineer")

    response = move(client, programme, tokens, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not FloorMove.objects.exists()


def test_a_body_that_is_not_json_is_415_as_the_schema_says(client, programme):
    _, tokens = token_for(client, "scrutineer")

    response = client.post(
        floor_url(programme),
        "action=next",
        content_type="application/x-www-form-urlencoded",
        headers=bearer(tokens),
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    schema = client.get(reverse("api-schema"), headers={"Accept": "application/json"}).json()
    floor = schema["paths"]["/api/v1/desk/competitions/{slug}/floor/"]["post"]
    assert "415" in floor["responses"]
    assert not FloorMove.objects.exists()


def test_only_the_desk_moves_the_floor(client, programme):
    _, judge = token_for(client, "judge")

    assert client.post(floor_url(programme), {"action": "next"}).status_code == 401
    assert move(client, programme, judge, {"action": "next"}).status_code == 403
    assert not FloorMove.objects.exists()


def test_staff_tokens_need_the_second_factor(client, programme):
    from tests.factories.accounts import UserFactory
    from tests.support.auth import second_factor_code

    user = UserFactory(roles=["scrutineer"])
    url = reverse("api:token")
    password = "correct horse battery staple"

    bare = client.post(url, {"username": user.username, "password": password})
    wrong = client.post(url, {"username": user.username, "password": password, "otp": "nope"})
    right = client.post(
        url,
        {"username": user.username, "password": password, "otp": second_factor_code(user)},
    )

    assert bare.status_code == 401 and bare.json()["code"] == "second_factor_required"
    assert wrong.status_code == 401 and wrong.json()["code"] == "second_factor_invalid"
    assert right.status_code == 200
    assert move(client, programme, right.json(), {"action": "next"}).status_code == 200


def test_a_staff_token_without_the_second_factor_cannot_use_the_desk(client, programme):
    from accounts.tokens import StampedRefreshToken
    from tests.factories.accounts import UserFactory

    user = UserFactory(roles=["scrutineer"])
    refresh = StampedRefreshToken.for_user(user)  # as issued before two factors were asked

    response = move(client, programme, {"access": str(refresh.access_token)}, {"action": "next"})

    assert response.status_code == 403
    assert not FloorMove.objects.exists()
