import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from competitions.models import Competition, Competitor, Entry, IdempotencyKey
from competitions.registration import (
    IdempotencyConflict,
    LinkRefused,
    RegistrationRefused,
    idempotency_keys_expire,
    idempotent_call,
    link_create,
    link_get_valid,
    link_revoke,
    registration_submit,
    request_fingerprint,
)
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.factories.competitions import CriteriaEventFactory, IdempotencyKeyFactory

pytestmark = pytest.mark.django_db


def test_registration_takes_a_place_and_emails_a_confirmation(django_capture_on_commit_callbacks):
    competition, link = open_competition()
    latin = skating_event(competition, name="Adult Latin", entry_limit=10)

    with django_capture_on_commit_callbacks(execute=True):
        result = registration_submit(
            link=link, details=couple(), event_ids=[latin.pk], site="http://192.168.1.20:8000"
        )

    latin.refresh_from_db()
    competition.refresh_from_db()
    assert [e.status for e in result.entries] == ["entered"]
    assert latin.entries_taken == 1
    assert competition.entries_taken == 1
    assert len(result.reference) >= 20
    assert mail.outbox[0].to == ["couple0@example.org"]
    assert "Adult Latin: entered" in mail.outbox[0].body
    assert f"http://192.168.1.20:8000/registration/{result.reference}/" in mail.outbox[0].body


def test_a_confirmation_without_an_address_gives_the_reference_not_an_empty_link(
    django_capture_on_commit_callbacks,
):
    competition, link = open_competition()
    latin = skating_event(competition, name="Adult Latin", entry_limit=10)

    with django_capture_on_commit_callbacks(execute=True):
        result = registration_submit(link=link, details=couple(), event_ids=[latin.pk])

    body = mail.outbox[0].body
    assert "here:" not in body and "/registration/" not in body
    assert f"reference, for the organizer: {result.reference}" in body


def test_registration_for_several_events_is_all_or_nothing():
    competition, link = open_competition()
    roomy = skating_event(competition, name="Roomy", entry_limit=10)
    full = skating_event(competition, name="Tiny", entry_limit=1)
    registration_submit(link=link, details=couple(1), event_ids=[full.pk])

    with pytest.raises(RegistrationRefused) as refusal:
        registration_submit(link=link, details=couple(2), event_ids=[roomy.pk, full.pk])

    roomy.refresh_from_db()
    assert refusal.value.errors == {"events": ["Full, with no waiting list: “Tiny”."]}
    assert refusal.value.code == "unavailable"
    assert roomy.entries_taken == 0
    assert not Competitor.objects.filter(name=couple(2).name).exists()


def test_full_event_with_waiting_list_keeps_arrival_order():
    competition, link = open_competition()
    event = skating_event(competition, entry_limit=1, waiting_list=True)

    results = [
        registration_submit(link=link, details=couple(n), event_ids=[event.pk]) for n in range(3)
    ]

    assert [r.entries[0].status for r in results] == ["entered", "waiting", "waiting"]
    event.refresh_from_db()
    assert event.entries_taken == 1


def test_competition_capacity_is_held_too():
    competition, link = open_competition(capacity=1)
    event = skating_event(competition)
    registration_submit(link=link, details=couple(1), event_ids=[event.pk])

    with pytest.raises(RegistrationRefused, match="reached its capacity of 1"):
        registration_submit(link=link, details=couple(2), event_ids=[event.pk])

    event.refresh_from_db()
    assert event.entries_taken == 1


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"registration_closes_at": timezone.now() - dt.timedelta(minutes=1)}, "closed on"),
        ({"registration_opens_at": timezone.now() + dt.timedelta(days=1)}, "opens on"),
    ],
)
def test_registration_outside_the_window_is_refused(window, message):
    competition, link = open_competition()
    event = skating_event(competition)
    Competition.objects.filter(pk=competition.pk).update(**window)
    link.competition.refresh_from_db()

    with pytest.raises(RegistrationRefused, match=message):
        registration_submit(link=link, details=couple(), event_ids=[event.pk])

    assert not Entry.objects.exists()


def test_registration_when_not_open_is_refused():
    competition, link = open_competition()
    event = skating_event(competition)
    Competition.objects.filter(pk=competition.pk).update(status="registration_closed")
    link.competition.refresh_from_db()

    with pytest.raises(RegistrationRefused, match="is not open"):
        registration_submit(link=link, details=couple(), event_ids=[event.pk])


@pytest.mark.parametrize(
    ("details", "field", "message"),
    [
        (couple(name="R2-D2"), "name", "letters, spaces, hyphens"),
        (couple(name=""), "name", "Enter the leader's name."),
        (couple(partner_name="x"), "partner_name", "letters, spaces"),
        (couple(country="Germany"), "country", "ISO code"),
        (couple(kind="solo"), "partner_name", "Only a couple has a partner."),
        (couple(birth_year=1066), "birth_year", "not a plausible year"),
        (couple(members=("Ann",)), "members", "Only a group lists its members."),
    ],
)
def test_invalid_details_are_refused_with_what_to_fix(details, field, message):
    competition, link = open_competition()
    event = skating_event(competition)

    with pytest.raises(RegistrationRefused) as refusal:
        registration_submit(link=link, details=details, event_ids=[event.pk])

    assert message in " ".join(refusal.value.errors[field])
    assert not Competitor.objects.exists()


def test_unknown_event_is_refused():
    competition, link = open_competition()
    _, other_link = open_competition()
    stranger = skating_event(other_link.competition)

    with pytest.raises(RegistrationRefused, match="not part of this competition"):
        registration_submit(link=link, details=couple(), event_ids=[stranger.pk])


def test_no_event_chosen_is_refused():
    _, link = open_competition()

    with pytest.raises(RegistrationRefused, match="Choose at least one event"):
        registration_submit(link=link, details=couple(), event_ids=[])


def test_wrong_age_group_is_refused():
    competition, link = open_competition()
    juniors = skating_event(competition, name="Junior Latin", min_age=12, max_age=15)
    year = competition.starts_on.year

    with pytest.raises(RegistrationRefused) as refusal:
        registration_submit(
            link=link,
            details=couple(birth_year=year - 14, partner_birth_year=year - 30),
            event_ids=[juniors.pk],
        )

    assert refusal.value.errors["events"] == [
        f"“Junior Latin” is for ages 12–15 in {year}; someone born in {year - 30} is 30."
    ]


def test_age_group_needs_years_of_birth():
    competition, link = open_competition()
    juniors = skating_event(competition, min_age=12, max_age=15)

    with pytest.raises(RegistrationRefused) as refusal:
        registration_submit(link=link, details=couple(), event_ids=[juniors.pk])

    assert set(refusal.value.errors) == {"birth_year", "partner_birth_year"}


def test_entry_kind_must_match_the_event():
    competition, link = open_competition()
    pageant = CriteriaEventFactory(competition=competition, name="Pageant")

    with pytest.raises(RegistrationRefused, match="“Pageant” is for solo entries, not couple"):
        registration_submit(link=link, details=couple(), event_ids=[pageant.pk])


def test_same_couple_twice_in_an_event_changes_nothing():
    competition, link = open_competition()
    event = skating_event(competition, name="Latin")
    registration_submit(link=link, details=couple(), event_ids=[event.pk])

    again = registration_submit(
        link=link,
        details=couple(name="leader aa", partner_name="PARTNER AA"),
        event_ids=[event.pk],
    )

    event.refresh_from_db()
    assert (again.created, again.entries) == (False, ())
    assert event.entries_taken == 1


def test_same_couple_again_with_the_same_email_adds_no_event():
    competition, link = open_competition()
    latin, ballroom = (
        skating_event(competition, name="Latin"),
        skating_event(competition, name="Ballroom"),
    )
    first = registration_submit(link=link, details=couple(), event_ids=[latin.pk])

    second = registration_submit(link=link, details=couple(), event_ids=[ballroom.pk])

    assert second.competitor == first.competitor
    assert Competitor.objects.count() == 1
    assert list(Entry.objects.values_list("event", flat=True)) == [latin.pk]


def test_same_names_with_another_email_is_refused():
    competition, link = open_competition()
    latin, ballroom = (
        skating_event(competition, name="Latin"),
        skating_event(competition, name="Ballroom"),
    )
    registration_submit(link=link, details=couple(), event_ids=[latin.pk])

    with pytest.raises(RegistrationRefused, match="same email address as before"):
        registration_submit(
            link=link, details=couple(email="other@example.org"), event_ids=[ballroom.pk]
        )


def test_link_tokens_are_unguessable_and_refused_when_tampered(organizer):
    competition, _ = open_competition()
    link = link_create(competition=competition, kind="competitor", actor=organizer)

    assert len(link.token) >= 32
    assert link_get_valid(token=link.token, kind="competitor") == link
    for bad in (link.token[:-1] + ("A" if link.token[-1] != "A" else "B"), "short", link.token * 3):
        with pytest.raises(LinkRefused, match="not valid"):
            link_get_valid(token=bad, kind="competitor")
    with pytest.raises(LinkRefused, match="not valid"):
        link_get_valid(token=link.token, kind="judge")


def test_revoked_and_expired_links_are_gone(organizer):
    competition, _ = open_competition()
    revoked = link_revoke(link=link_create(competition=competition, kind="judge", actor=organizer))
    expiring = link_create(
        competition=competition,
        kind="judge",
        actor=organizer,
        expires_at=timezone.now() + dt.timedelta(seconds=1),
    )
    type(expiring).objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    with pytest.raises(LinkRefused, match="withdrawn by the organizer") as first:
        link_get_valid(token=revoked.token)
    with pytest.raises(LinkRefused, match="expired on") as second:
        link_get_valid(token=expiring.token)

    assert first.value.code == second.value.code == "gone"


def test_link_expiry_must_be_in_the_future(organizer):
    competition, _ = open_competition()

    with pytest.raises(RegistrationRefused, match="must be in the future"):
        link_create(
            competition=competition,
            kind="competitor",
            actor=organizer,
            expires_at=timezone.now() - dt.timedelta(hours=1),
        )


def test_idempotent_call_runs_once_and_replays():
    calls = []

    def call():
        calls.append(1)
        return 201, {"n": len(calls)}

    first = idempotent_call(scope="s", key="k", fingerprint="f", call=call)
    again = idempotent_call(scope="s", key="k", fingerprint="f", call=call)

    assert (first.status, first.body, first.replayed) == (201, {"n": 1}, False)
    assert (again.status, again.body, again.replayed) == (201, {"n": 1}, True)
    assert len(calls) == 1


def test_idempotent_call_refuses_the_same_key_with_another_body():
    idempotent_call(scope="s", key="k", fingerprint="f1", call=lambda: (201, {}))

    with pytest.raises(IdempotencyConflict, match="different request"):
        idempotent_call(scope="s", key="k", fingerprint="f2", call=lambda: (201, {}))


def test_fingerprint_ignores_key_order():
    assert request_fingerprint({"a": 1, "b": [1, 2]}) == request_fingerprint({"b": [1, 2], "a": 1})
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": 2})


def test_keys_expire_after_24_hours():
    old = IdempotencyKeyFactory()
    fresh = IdempotencyKeyFactory()
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )

    assert idempotency_keys_expire(older_than_hours=24) == 1

    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
