"""Registering again with a known couple's names and email discloses nothing and changes
nothing: the answer is a new registration's, and the reference goes to the address on
file."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from competitions.models import Competitor, Entry, IdempotencyKey
from competitions.registration import RegistrationRefused, registration_submit
from tests.competitions.registration_helpers import couple, open_competition, skating_event

pytestmark = pytest.mark.django_db


def api_body(events, **overrides):
    data = {
        "kind": "couple",
        "name": "Tom Lee",
        "partner_name": "Ava Kim",
        "club": "Stars",
        "country": "GB",
        "email": "tom@example.org",
        "events": [e.pk for e in events],
    }
    data.update(overrides)
    return data


@pytest.fixture
def known():
    """A competition with two events and Tom Lee & Ava Kim entered in Latin."""
    competition, link = open_competition()
    latin = skating_event(competition, name="Latin")
    ballroom = skating_event(competition, name="Ballroom")
    registration_submit(
        link=link,
        details=couple(name="Tom Lee", partner_name="Ava Kim", email="tom@example.org"),
        event_ids=[latin.pk],
    )
    competitor = Competitor.objects.get()
    return link, latin, ballroom, competitor


def post_api(client, link, body, capture):
    mail.outbox.clear()
    with capture(execute=True):
        return client.post(
            reverse("api:registration-link", args=[link.token]),
            body,
            content_type="application/json",
        )


def test_api_known_couple_gets_a_new_registrations_answer(
    client, known, django_capture_on_commit_callbacks
):
    link, latin, ballroom, competitor = known

    again = post_api(client, link, api_body([ballroom]), django_capture_on_commit_callbacks)
    new = post_api(
        client,
        link,
        api_body([ballroom], name="Ian Roe", partner_name="Eve Poe", email="ian@example.org"),
        django_capture_on_commit_callbacks,
    )

    assert (again.status_code, new.status_code) == (201, 201)
    assert sorted(again.json()) == sorted(new.json())
    assert {k: v for k, v in again.json().items() if k not in ("name", "partner_name")} == {
        k: v for k, v in new.json().items() if k not in ("name", "partner_name")
    }
    assert competitor.reference not in again.content.decode()
    assert "Latin" not in again.content.decode()
    assert all(
        competitor.reference not in str(k.response_body) for k in IdempotencyKey.objects.all()
    )


def test_api_known_couple_adds_no_entry_and_gets_the_reference_by_email(
    client, known, django_capture_on_commit_callbacks
):
    link, latin, ballroom, competitor = known

    post_api(client, link, api_body([ballroom]), django_capture_on_commit_callbacks)

    assert list(Entry.objects.values_list("competitor", "event")) == [(competitor.pk, latin.pk)]
    assert Competitor.objects.count() == 1
    (email,) = mail.outbox
    assert email.to == ["tom@example.org"]
    assert f"/registration/{competitor.reference}/" in email.body
    assert "nothing was changed" in email.body
    assert "- Latin: entered" in email.body


def test_api_known_couple_entered_in_the_same_event_is_not_told_so(
    client, known, django_capture_on_commit_callbacks
):
    link, latin, ballroom, competitor = known

    response = post_api(client, link, api_body([latin]), django_capture_on_commit_callbacks)

    assert response.status_code == 201
    assert "Already entered" not in response.content.decode()
    assert Entry.objects.count() == 1


def test_api_known_couple_is_refused_as_a_new_one_when_the_event_is_full(
    client, known, django_capture_on_commit_callbacks
):
    link, latin, ballroom, competitor = known
    ballroom.entry_limit = 1
    ballroom.save(update_fields=["entry_limit"])
    registration_submit(
        link=link,
        details=couple(name="Ned Doe", partner_name="Kay Doe", email="ned@example.org"),
        event_ids=[ballroom.pk],
    )

    again = post_api(client, link, api_body([ballroom]), django_capture_on_commit_callbacks)
    new = post_api(
        client,
        link,
        api_body([ballroom], name="Ian Roe", partner_name="Eve Poe", email="ian@example.org"),
        django_capture_on_commit_callbacks,
    )

    assert (again.status_code, again.json()) == (new.status_code, new.json())
    assert again.status_code == 409
    assert mail.outbox == []


def test_page_known_couple_is_led_where_a_new_couple_is(
    client, known, django_capture_on_commit_callbacks
):
    link, latin, ballroom, competitor = known
    url = reverse("competitions:register", args=[link.token])

    def submit(**overrides):
        page = client.get(url)
        data = {
            "form_token": page.context["form"].initial["form_token"],
            "kind": "couple",
            "name": "Tom Lee",
            "partner_name": "Ava Kim",
            "club": "Stars",
            "country": "GB",
            "email": "tom@example.org",
            "events": [str(ballroom.pk)],
            **overrides,
        }
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, follow=True)

    again = submit()
    again_mail = list(mail.outbox)
    new = submit(name="Ian Roe", partner_name="Eve Poe", email="ian@example.org")

    assert again.redirect_chain == new.redirect_chain
    assert again.redirect_chain[-1][0] == reverse(
        "competitions:competition-detail", args=[link.competition.slug]
    )
    assert again.status_code == new.status_code == 200
    assert [str(m) for m in again.context["messages"]] == [str(m) for m in new.context["messages"]]
    assert "your registration is received" in again.content.decode()
    assert competitor.reference not in again.content.decode()
    assert list(Entry.objects.filter(competitor=competitor).values_list("event", flat=True)) == [
        latin.pk
    ]
    assert [m.to for m in again_mail] == [["tom@example.org"]]
    assert competitor.reference in again_mail[0].body


def test_service_known_couple_changes_nothing(known, django_capture_on_commit_callbacks):
    link, latin, ballroom, competitor = known

    with django_capture_on_commit_callbacks(execute=True):
        result = registration_submit(
            link=link,
            details=couple(name="tom lee", partner_name="AVA KIM", email="TOM@example.org"),
            event_ids=[ballroom.pk],
        )

    ballroom.refresh_from_db()
    assert (result.created, result.entries) == (False, ())
    assert ballroom.entries_taken == 0


def test_service_same_names_with_another_email_is_still_refused(known):
    link, latin, ballroom, competitor = known

    with pytest.raises(RegistrationRefused, match="same email address as before"):
        registration_submit(
            link=link,
            details=couple(name="Tom Lee", partner_name="Ava Kim", email="x@example.org"),
            event_ids=[ballroom.pk],
        )
