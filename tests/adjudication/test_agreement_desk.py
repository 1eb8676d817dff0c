"""The agreement report at the desk: the pages (every event, one event), the CSV and
the API; who may read it (the chairman and the organizer of the competition) and who
may not (the scrutineer, another competition's staff, the public); names only when
the organizer allows them; bad input answered 404."""

import csv
import io

import pytest
from django.urls import reverse

from competitions.models import Competition, CompetitionStaff, StaffRole
from tests.adjudication.agreement_day import judged_day
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.factories.accounts import UserFactory
from tests.factories.competitions import CompetitionFactory, EventFactory
from tests.support.auth import api_token_body, sign_in_staff

pytestmark = pytest.mark.django_db


def _assigned(competition, role):
    user = UserFactory(is_staff=True)
    CompetitionStaff.objects.create(competition=competition, user=user, role=role)
    return user


def _urls(day):
    slug = day.competition.slug
    return {
        "page": reverse("adjudication:desk-agreement", args=[slug]),
        "event": reverse("adjudication:desk-agreement-event", args=[slug, day.event.pk]),
        "csv": reverse("adjudication:desk-agreement-csv", args=[slug]),
    }


@pytest.fixture
def fresh_day():
    return judged_day()


@pytest.mark.parametrize("role", [StaffRole.CHAIRMAN, StaffRole.ORGANIZER])
def test_the_chairman_and_the_organizer_read_the_report(client, fresh_day, role):
    day = fresh_day
    sign_in_staff(client, _assigned(day.competition, role))

    pages = {name: client.get(url) for name, url in _urls(day).items()}

    assert {name: r.status_code for name, r in pages.items()} == {
        "page": 200,
        "event": 200,
        "csv": 200,
    }
    text = pages["page"].content.decode()
    assert "<h1>Judges' agreement" in text and "Shadow, not counted" in text
    assert "-1.000" in text and "0.943" in text and "0.667" in text
    assert pages["csv"]["Content-Type"].startswith("text/csv")
    desk = client.get(reverse("adjudication:desk-competition", args=[day.competition.slug]))
    assert _urls(day)["page"] in desk.content.decode()


def test_the_scrutineer_other_staff_and_the_public_are_refused(client, fresh_day):
    day = fresh_day
    urls = _urls(day)
    assert {client.get(url).status_code for url in urls.values()} == {302}  # to sign in

    sign_in_staff(client, _assigned(day.competition, StaffRole.SCRUTINEER))
    assert {client.get(url).status_code for url in urls.values()} == {403}
    desk = client.get(reverse("adjudication:desk-competition", args=[day.competition.slug]))
    assert urls["page"] not in desk.content.decode()

    client.logout()
    sign_in_staff(client, _assigned(CompetitionFactory(), StaffRole.CHAIRMAN))
    assert {client.get(url).status_code for url in urls.values()} == {403}


def test_names_are_hidden_unless_the_organizer_allows_them(client, fresh_day):
    day = fresh_day
    sign_in_staff(client, _assigned(day.competition, StaffRole.CHAIRMAN))
    judges = [*day.judges, day.shadow]

    hidden = client.get(_urls(day)["page"]).content.decode()
    hidden_csv = client.get(_urls(day)["csv"]).content.decode()
    Competition.objects.filter(pk=day.competition.pk).update(agreement_shows_names=True)
    shown = client.get(_urls(day)["page"]).content.decode()
    shown_csv = list(csv.DictReader(io.StringIO(client.get(_urls(day)["csv"]).content.decode())))

    for judge in judges:
        assert judge.name not in hidden and judge.name not in hidden_csv
        assert f"{judge.letter} – " not in hidden and f"{judge.letter} – " not in hidden_csv
        assert f"{judge.letter} – {judge.name}" in shown
    assert {row["judge"] for row in shown_csv} == {f"{j.letter} – {j.name}" for j in judges}


def test_the_csv_holds_the_figures_of_every_round(client, fresh_day):
    day = fresh_day
    Competition.objects.filter(pk=day.competition.pk).update(agreement_shows_names=True)
    sign_in_staff(client, _assigned(day.competition, StaffRole.ORGANIZER))

    response = client.get(_urls(day)["csv"], {"event": day.event.pk})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))

    shadow_recalls = [r for r in rows if r["measure"] == "recalls" and r["shadow"] == "yes"]
    assert [
        (r["crosses"], r["crosses_on_recalled"], r["share_recalled"]) for r in shadow_recalls
    ] == [("12", "8", "0.667")]
    reversed_overall = [r for r in rows if r["judge"].startswith("C – ") and r["part"] == "overall"]
    assert [(r["spearman_rho"], r["mean_place_difference"]) for r in reversed_overall] == [
        ("-1.000", "3.00")
    ]
    assert len(rows) == 4 + 4 * 3  # recalls: a row per judge; final: two dances and overall
    assert (
        f'filename="{day.competition.slug}-agreement-{day.event.pk}.csv"'
        in (response["Content-Disposition"])
    )


def test_an_unknown_or_foreign_event_is_not_found(client, fresh_day):
    day = fresh_day
    sign_in_staff(client, _assigned(day.competition, StaffRole.CHAIRMAN))
    foreign = EventFactory(competition=CompetitionFactory())
    slug = day.competition.slug

    answers = [
        client.get(reverse("adjudication:desk-agreement-event", args=[slug, foreign.pk])),
        client.get(_urls(day)["csv"], {"event": "abc"}),
        client.get(_urls(day)["csv"], {"event": foreign.pk}),
        client.get(_urls(day)["csv"], {"event": "9" * 30}),
    ]

    assert [r.status_code for r in answers] == [404, 404, 404, 404]


def test_the_api_answers_the_chairman(client, fresh_day):
    day = fresh_day
    _, tokens = token_for(client, "chairman")
    url = reverse("api:desk-agreement", args=[day.competition.slug])

    body = client.get(url, {"event": day.event.pk}, headers=bearer(tokens)).json()

    assert body["shows_names"] is False
    (event,) = body["events"]
    first, final = event["rounds"]
    assert [r["measure"] for r in (first, final)] == ["recalls", "final"]
    shadow = [r for r in first["rows"] if r["shadow"]]
    assert [(r["crosses"], r["crosses_recalled"], r["share_recalled"]) for r in shadow] == [
        (12, 8, "0.667")
    ]
    assert all(r["judge"].startswith("Judge ") for r in first["rows"] + final["rows"])
    assert client.get(url, {"event": "x"}, headers=bearer(tokens)).status_code == 404


@pytest.mark.parametrize("role", ["scrutineer", None])
def test_the_api_refuses_the_scrutineer_and_other_staff(client, fresh_day, role):
    day = fresh_day
    if role:
        _, tokens = token_for(client, role)
    else:
        other = _assigned(CompetitionFactory(), StaffRole.CHAIRMAN)
        body = api_token_body(other, "correct horse battery staple")
        tokens = client.post(reverse("api:token"), body, content_type="application/json").json()
    url = reverse("api:desk-agreement", args=[day.competition.slug])

    assert client.get(url, headers=bearer(tokens)).status_code == 403
    assert client.get(url).status_code == 401
