"""The day's trail of incidents at the desk (page, API, admin): who may read it, what
it shows, and that nobody can change it."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from adjudication.incidents.trail import incident_record
from competitions.models import CompetitionStaff, Incident, StaffRole
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.factories.accounts import UserFactory
from tests.factories.competitions import CompetitionFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    day = build_day()
    chairman = UserFactory(roles=["chairman"])
    entry = day.entries()[0]
    incident_record(
        competition_id=day.competition.pk,
        kind=Incident.Kind.ABSENT,
        summary=f"{entry.bib_label} did not dance",
        reason="Did not report to the floor",
        actor=chairman,
        round=day.first,
        entry=entry,
    )
    incident_record(
        competition_id=day.competition.pk,
        kind=Incident.Kind.REDANCE,
        summary="Heat 1 of the Samba danced again",
        reason="Music stopped",
        actor=chairman,
        round=day.first,
        dance=day.dances[0],
        heat_number=1,
    )
    return day


def _assigned(competition, role):
    user = UserFactory(is_staff=role != StaffRole.ANNOUNCER)
    CompetitionStaff.objects.create(competition=competition, user=user, role=role)
    return user


@pytest.mark.parametrize("role", [StaffRole.ORGANIZER, StaffRole.SCRUTINEER, StaffRole.CHAIRMAN])
def test_the_competitions_staff_read_the_trail(client, day, role):
    sign_in_staff(client, _assigned(day.competition, role))

    response = client.get(reverse("adjudication:desk-incidents", args=[day.competition.slug]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Music stopped" in page and "Did not report to the floor" in page
    assert page.index("Music stopped") < page.index("Did not report")  # newest first


def test_the_trail_filters_by_kind(client, day):
    sign_in_staff(client, _assigned(day.competition, StaffRole.SCRUTINEER))

    url = reverse("adjudication:desk-incidents", args=[day.competition.slug])
    page = client.get(url, {"kind": "redance"}).content.decode()

    assert "Music stopped" in page and "Did not report" not in page
    assert "Music stopped" in client.get(url, {"kind": "nonsense"}).content.decode()


def test_other_competitions_staff_the_announcer_and_the_public_are_refused(client, day):
    url = reverse("adjudication:desk-incidents", args=[day.competition.slug])
    assert client.get(url).status_code == 302  # to sign in

    sign_in_staff(client, _assigned(CompetitionFactory(), StaffRole.CHAIRMAN))
    assert client.get(url).status_code == 403

    client.logout()
    client.force_login(_assigned(day.competition, StaffRole.ANNOUNCER))
    assert client.get(url).status_code == 403


def test_the_api_lists_the_trail(client, day):
    _, tokens = token_for(client, "chairman")
    url = reverse("api:desk-incidents", args=[day.competition.slug])

    rows = client.get(url, headers=bearer(tokens)).json()
    only = client.get(url, {"kind": "absent"}, headers=bearer(tokens)).json()

    assert [r["kind"] for r in rows] == ["redance", "absent"]
    assert rows[0]["dance"] == "Samba" and rows[0]["heat_number"] == 1
    assert [r["reason"] for r in only] == ["Did not report to the floor"]
    assert only[0]["bib"] == day.entries()[0].bib_label


def test_the_api_refuses_another_competitions_staff(client, day):
    other = _assigned(CompetitionFactory(), StaffRole.SCRUTINEER)
    from tests.support.auth import api_token_body

    body = api_token_body(other, "correct horse battery staple")
    tokens = client.post(reverse("api:token"), body, content_type="application/json").json()

    response = client.get(
        reverse("api:desk-incidents", args=[day.competition.slug]), headers=bearer(tokens)
    )

    assert response.status_code == 403


def test_the_trail_cannot_be_changed(day):
    incident = Incident.objects.filter(competition=day.competition).first()
    incident.reason = "Something else"

    with pytest.raises(DatabaseError), transaction.atomic():
        incident.save()


def test_the_admin_shows_the_trail_read_only(client, day):
    sign_in_staff(client, UserFactory(is_staff=True, roles=["chairman"]))
    incident = Incident.objects.filter(competition=day.competition).first()

    listing = client.get(reverse("admin:competitions_incident_changelist"))
    change = client.post(
        reverse("admin:competitions_incident_change", args=[incident.pk]), {"reason": "x"}
    )

    assert listing.status_code == 200 and "Music stopped" in listing.content.decode()
    assert change.status_code == 403
    assert Incident.objects.get(pk=incident.pk).reason == incident.reason
