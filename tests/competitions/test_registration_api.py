import uuid

import pytest
from django.urls import reverse

from competitions.models import Competitor, Entry, JudgeApplication
from competitions.registration import link_revoke
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.competitions import RegistrationLinkFactory

pytestmark = pytest.mark.django_db


def body(event, **overrides):
    data = {
        "kind": "couple",
        "name": "Tom Lee",
        "partner_name": "Ava Kim",
        "club": "Stars",
        "country": "gb",
        "email": "tom@example.org",
        "events": [event.pk],
    }
    data.update(overrides)
    return data


@pytest.fixture
def setup():
    competition, link = open_competition()
    event = skating_event(competition, name="Adult Latin", entry_limit=2)
    return link, event


def url(link):
    return reverse("api:registration-link", args=[link.token])


def test_lists_events_open_for_registration(client, setup):
    link, event = setup

    response = client.get(url(link))

    assert response.status_code == 200
    assert response.json()["events"] == [
        {
            "id": event.pk,
            "name": "Adult Latin",
            "style": "latin",
            "level": "",
            "age_group": "",
            "entry_kind": "couple",
            "min_age": None,
            "max_age": None,
            "places_left": 2,
            "waiting_list": False,
        }
    ]


def test_register_and_read_back(client, setup):
    link, event = setup

    created = client.post(url(link), body(event), content_type="application/json")
    reference = Competitor.objects.get().reference  # sent by email, never in the answer
    read = client.get(reverse("api:registration-detail", args=[reference]))

    assert created.status_code == 201
    assert created.json() == {
        "competition": link.competition.slug,
        "kind": "couple",
        "name": "Tom Lee",
        "partner_name": "Ava Kim",
        "club": "Stars",
        "country": "GB",
        "events": [event.pk],
        "message": (
            "Thank you: your registration is received. An email with the link to your "
            "registration (your reference) is on its way to the address you gave."
        ),
    }
    assert read.json()["entries"] == [
        {"event": "Adult Latin", "event_id": event.pk, "status": "entered", "withdrawn": False}
    ]
    assert read.json()["country"] == "GB"


def test_same_idempotency_key_twice_creates_one_registration(client, setup):
    link, event = setup
    key = str(uuid.uuid4())

    first = client.post(
        url(link), body(event), content_type="application/json", headers={"Idempotency-Key": key}
    )
    second = client.post(
        url(link), body(event), content_type="application/json", headers={"Idempotency-Key": key}
    )

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Competitor.objects.count() == 1
    assert Entry.objects.count() == 1


def test_same_key_with_another_body_is_refused_with_422(client, setup):
    link, event = setup
    headers = {"Idempotency-Key": "abc-123"}
    client.post(url(link), body(event), content_type="application/json", headers=headers)

    response = client.post(
        url(link),
        body(event, name="Someone Else"),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_conflict"
    assert Competitor.objects.count() == 1


def test_a_refusal_is_replayed_for_the_same_key(client, setup):
    link, event = setup
    event.entry_limit = 1
    event.save()
    client.post(url(link), body(event), content_type="application/json")
    headers = {"Idempotency-Key": "late"}
    late = body(event, name="Max Roth", partner_name="Eva Roth", email="max@example.org")

    first = client.post(url(link), late, content_type="application/json", headers=headers)
    second = client.post(url(link), late, content_type="application/json", headers=headers)

    assert first.status_code == second.status_code == 409
    assert first.json() == second.json()
    assert first.json()["errors"] == {"events": ["Full, with no waiting list: “Adult Latin”."]}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"email": "not-an-email"}, "email"), ({"events": []}, "events"), ({"name": ""}, "name")],
)
def test_bad_bodies_get_field_errors_and_write_nothing(client, setup, overrides, field):
    link, event = setup

    response = client.post(url(link), body(event, **overrides), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Competitor.objects.exists()


def test_tampered_and_revoked_tokens(client, setup):
    link, event = setup
    tampered = RegistrationLinkFactory.build(token=link.token[:-2] + "zz")

    assert (
        client.post(url(tampered), body(event), content_type="application/json").status_code == 404
    )
    link_revoke(link=link)
    gone = client.post(url(link), body(event), content_type="application/json")
    assert gone.status_code == 410
    assert "withdrawn by the organizer" in gone.json()["message"]


def test_judge_link_takes_applications(client, setup):
    link, _ = setup
    judge_link = RegistrationLinkFactory(competition=link.competition, kind="judge")

    response = client.post(
        reverse("api:judge-link", args=[judge_link.token]),
        {"name": "Ann Adams", "letter_preference": "q", "email": "ann@example.org"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert JudgeApplication.objects.get().letter_preference == "Q"


def test_a_competitor_link_is_not_a_judge_link(client, setup):
    link, _ = setup

    response = client.post(
        reverse("api:judge-link", args=[link.token]),
        {"name": "Ann Adams", "email": "ann@example.org"},
        content_type="application/json",
    )

    assert response.status_code == 404


def test_unknown_reference_is_not_found(client):
    response = client.get(reverse("api:registration-detail", args=["x" * 24]))

    assert response.status_code == 404


def test_openapi_schema_documents_registration(client):
    response = client.get(reverse("api-schema"), headers={"Accept": "application/json"})

    assert response.status_code == 200
    operations = {
        op["operationId"]
        for path in response.json()["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {"registration_events", "registration_create", "registration_read"} <= operations


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [("{not json", "application/json"), ("name=Tom", "text/plain"), ("", "application/json")],
)
def test_a_bad_link_is_told_before_a_bad_body(client, setup, payload, content_type):
    link, _ = setup
    tampered = RegistrationLinkFactory.build(token=link.token[:-2] + "zz")

    unknown = client.post(url(tampered), payload, content_type=content_type)
    link_revoke(link=link)
    withdrawn = client.post(url(link), payload, content_type=content_type)

    assert (unknown.status_code, withdrawn.status_code) == (404, 410)


@pytest.mark.parametrize(
    ("payload", "content_type", "answer"),
    [("{not json", "application/json", 400), ("name=Tom", "text/plain", 415)],
)
def test_a_good_link_with_an_unreadable_body_is_told_why(
    client, setup, payload, content_type, answer
):
    link, _ = setup

    response = client.post(url(link), payload, content_type=content_type)

    assert response.status_code == answer
    assert not Competitor.objects.exists()


def test_an_event_of_another_competition_is_not_chosen_through_this_link(client, setup):
    link, event = setup
    other_competition, _ = open_competition()
    elsewhere = skating_event(other_competition, name="Other Latin")

    response = client.post(
        url(link),
        body(event, events=[event.pk, elsewhere.pk]),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["events"] == [
        "One of the chosen events is not part of this competition."
    ]
    assert not Entry.objects.exists()
