"""Couples absent, retired and disqualified through the desk's round page and the desk
API: the same services, refusals with a clear message that change nothing, the audit."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from adjudication.services import round_close, round_publish
from competitions.models import EntryIncident, Incident
from tests.adjudication.day import all_recall_sheets, build_day
from tests.adjudication.test_api import bearer
from tests.factories.accounts import UserFactory
from tests.support.auth import api_token_body, sign_in_staff

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db

API = "/api/v1/desk/rounds/{}/incidents/"


@pytest.fixture
def day():
    return build_day()


def page_client(client, role):
    return sign_in_staff(client, UserFactory(username=role, roles=[role]))


def test_the_round_page_lists_the_couples_with_a_form_each(client, day):
    desk = page_client(client, "scrutineer")

    page = desk.get(reverse("adjudication:desk-round", args=[day.first.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Couples" in text
    assert text.count('name="action" value="reinstate"') == 0
    assert reverse("adjudication:desk-round-couple", args=[day.first.pk]) in text


def test_a_published_rounds_page_offers_only_the_chairmans_disqualification(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    round_publish(round=day.first, actor=None)
    desk = page_client(client, "scrutineer")

    text = desk.get(reverse("adjudication:desk-round", args=[day.first.pk])).content.decode()

    assert "only the chairman's disqualification changes its result" in text
    assert 'value="disqualified_event"' in text
    assert 'value="absent"' not in text and 'value="retired"' not in text


def test_mark_absent_from_the_page_then_reinstate(client, day):
    desk = page_client(client, "scrutineer")
    entry = day.entries()[0]
    url = reverse("adjudication:desk-round-couple", args=[day.first.pk])

    marked = desk.post(
        url, {"entry": entry.pk, "action": "absent", "reason": "no-show"}, follow=True
    )
    shown = marked.content.decode()
    desk.post(url, {"entry": entry.pk, "action": "reinstate", "reason": "arrived"})

    assert f"Couple {entry.bib_label} is absent" in shown
    assert "Absent</strong>: no-show" in shown
    assert not EntryIncident.objects.exists()
    assert list(Incident.objects.values_list("kind", flat=True)) == ["absent", "reinstated"]
    assert AuditEntry.objects.filter(path=url).count() == 2


def test_retired_from_the_page_names_the_dance(client, day):
    desk = page_client(client, "scrutineer")
    entry, rumba = day.entries()[0], day.dances[1]
    url = reverse("adjudication:desk-round-couple", args=[day.first.pk])

    page = desk.post(
        url,
        {"entry": entry.pk, "action": "retired", "from_dance": rumba.pk, "reason": "ankle"},
        follow=True,
    )

    assert "Retired before the Rumba</strong>: ankle" in page.content.decode()
    assert EntryIncident.objects.get().from_dance == rumba


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "absent", "reason": ""}, "Say why couple"),
        ({"action": "retired", "reason": "hurt"}, "Say from which dance"),
        ({"action": "disqualified", "reason": "rude"}, "permission to disqualify"),
        ({"action": "jump", "reason": "x"}, "Choose what happened"),
    ],
)
def test_bad_input_on_the_page_says_why_and_changes_nothing(client, day, body, message):
    desk = page_client(client, "scrutineer")
    url = reverse("adjudication:desk-round-couple", args=[day.first.pk])

    page = desk.post(url, {"entry": day.entries()[0].pk, **body}, follow=True)

    assert message in page.content.decode()
    assert not EntryIncident.objects.exists() and not Incident.objects.exists()


def test_an_unknown_couple_on_the_page_is_refused(client, day):
    desk = page_client(client, "scrutineer")
    url = reverse("adjudication:desk-round-couple", args=[day.first.pk])

    page = desk.post(url, {"entry": "999999", "action": "absent", "reason": "x"}, follow=True)

    assert "Choose a couple of this round." in page.content.decode()
    assert not EntryIncident.objects.exists()


def token(client, role):
    user = UserFactory(username=role, roles=[role])
    response = client.post(
        reverse("api:token"), api_token_body(user, PASSWORD), content_type="application/json"
    )
    return bearer(response.json())


def test_api_chairman_disqualifies_and_reinstates(client, day):
    headers = token(client, "chairman")
    entry = day.entries()[0]

    made = client.post(
        API.format(day.first.pk),
        {"entry": entry.pk, "outcome": "disqualified", "reason": "dress code"},
        content_type="application/json",
        headers=headers,
    )
    listed = client.get(API.format(day.first.pk), headers=headers)
    undone = client.delete(
        API.format(day.first.pk) + f"{entry.pk}/",
        {"reason": "wrong couple"},
        content_type="application/json",
        headers=headers,
    )

    assert made.status_code == 201
    line = next(c for c in listed.json() if c["entry_id"] == entry.pk)
    assert (line["outcome"], line["reason"], line["decided_by"]) == (
        "disqualified",
        "dress code",
        "chairman",
    )
    assert undone.status_code == 200
    assert not EntryIncident.objects.exists()
    assert AuditEntry.objects.filter(path__startswith=API.format(day.first.pk)).count() == 2


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"outcome": "absent", "reason": ""}, 400, "reason"),
        ({"outcome": "gone", "reason": "x"}, 400, "outcome"),
        ({"entry": 999999, "outcome": "absent", "reason": "x"}, 400, "entry"),
        ({"outcome": "retired", "from_dance": 999999, "reason": "x"}, 400, "from_dance"),
    ],
)
def test_api_bad_input_is_400_and_changes_nothing(client, day, body, status, field):
    headers = token(client, "scrutineer")

    response = client.post(
        API.format(day.first.pk),
        {"entry": day.entries()[0].pk, **body},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not EntryIncident.objects.exists()


def test_api_a_couple_of_another_event_is_409_with_the_reason(client, day):
    headers = token(client, "scrutineer")
    other = build_day().entries()[0]

    response = client.post(
        API.format(day.first.pk),
        {"entry": other.pk, "outcome": "absent", "reason": "x"},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 409
    assert "does not dance in" in str(response.json())
    assert not EntryIncident.objects.exists()


def test_api_the_scrutineer_may_not_disqualify(client, day):
    headers = token(client, "scrutineer")

    response = client.post(
        API.format(day.first.pk),
        {"entry": day.entries()[0].pk, "outcome": "disqualified", "reason": "x"},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 403
    assert not EntryIncident.objects.exists()


def test_the_round_page_says_how_many_crosses_once_fewer_couples_dance_than_recalled(client):
    day = build_day(couples=6, recall=6)
    desk = page_client(client, "scrutineer")
    url = reverse("adjudication:desk-round", args=[day.first.pk])
    before = desk.get(url).content.decode()

    desk.post(
        reverse("adjudication:desk-round-couple", args=[day.first.pk]),
        {"entry": day.entries()[0].pk, "action": "absent", "reason": "no-show"},
    )
    after = desk.get(url).content.decode()

    assert "each judge crosses" not in before
    assert "Only 5 couples still dance: each judge crosses 5." in after
