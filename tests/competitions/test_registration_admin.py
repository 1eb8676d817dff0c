import pytest
from django.urls import reverse

from competitions.models import Entry, FailedJob, Judge, RegistrationLink
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.competitions import (
    CompetitorFactory,
    EntryFactory,
    FailedJobFactory,
    JudgeApplicationFactory,
    JudgeFactory,
)
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, organizer):
    return sign_in_staff(client, organizer)


def act(client, model_name, action, objects):
    """The action as run from its confirmation page (``confirmed``), where it has one."""
    return client.post(
        reverse(f"admin:competitions_{model_name}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects], "confirmed": "yes"},
        follow=True,
    )


def test_organizer_creates_a_link_and_sees_its_qr_code(organizer_client, organizer, settings):
    settings.SITE_URL = "https://podium.example.org"
    competition, _ = open_competition()

    response = organizer_client.post(
        reverse("admin:competitions_registrationlink_add"),
        {"competition": competition.pk, "kind": "judge", "label": "Panel invitations"},
        follow=True,
    )

    link = RegistrationLink.objects.get(label="Panel invitations")
    page = organizer_client.get(
        reverse("admin:competitions_registrationlink_change", args=[link.pk])
    )
    assert response.status_code == 200
    assert len(link.token) >= 32
    assert link.created_by == organizer
    assert f"https://podium.example.org/register/{link.token}/" in page.content.decode()
    assert "<svg" in page.content.decode()


def test_admin_refuses_a_link_that_expired_already(organizer_client):
    competition, _ = open_competition()
    before = RegistrationLink.objects.count()

    response = organizer_client.post(
        reverse("admin:competitions_registrationlink_add"),
        {
            "competition": competition.pk,
            "kind": "competitor",
            "expires_at_0": "2001-01-01",
            "expires_at_1": "10:00",
        },
    )

    assert response.status_code == 200
    assert "The expiry must be in the future." in response.content.decode()
    assert RegistrationLink.objects.count() == before


def test_revoking_a_link_from_the_admin(organizer_client):
    _, link = open_competition()

    act(organizer_client, "registrationlink", "revoke", [link])

    link.refresh_from_db()
    assert link.revoked_at is not None


def test_accepting_a_judge_gives_the_preferred_letter_or_the_next_free_one(organizer_client):
    competition, _ = open_competition()
    JudgeFactory(competition=competition, letter="A")
    wants_a = JudgeApplicationFactory(competition=competition, letter_preference="A", name="Ann Bo")
    wants_k = JudgeApplicationFactory(competition=competition, letter_preference="K", name="Kim Li")

    act(organizer_client, "judgeapplication", "accept", [wants_a, wants_k])

    letters = dict(Judge.objects.filter(competition=competition).values_list("name", "letter"))
    assert letters["Ann Bo"] == "B"
    assert letters["Kim Li"] == "K"
    wants_a.refresh_from_db()
    assert wants_a.status == "accepted"


def test_accepting_twice_is_refused_with_a_message(organizer_client):
    competition, _ = open_competition()
    application = JudgeApplicationFactory(competition=competition)
    act(organizer_client, "judgeapplication", "accept", [application])

    response = act(organizer_client, "judgeapplication", "accept", [application])

    assert "is already accepted" in response.content.decode()
    assert Judge.objects.count() == 1


def test_adding_an_entry_in_the_admin_takes_a_place(organizer_client):
    competition, _ = open_competition()
    event = skating_event(competition, entry_limit=1)
    first, second = CompetitorFactory.create_batch(2, competition=competition)

    ok = organizer_client.post(
        reverse("admin:competitions_entry_add"), {"event": event.pk, "competitor": first.pk}
    )
    full = organizer_client.post(
        reverse("admin:competitions_entry_add"), {"event": event.pk, "competitor": second.pk}
    )

    event.refresh_from_db()
    assert ok.status_code == 302
    assert full.status_code == 200
    assert "is full (1 entries): raise its limit first." in full.content.decode()
    assert event.entries_taken == 1
    assert Entry.objects.count() == 1


def test_deleting_an_entry_in_the_admin_gives_the_place_back(organizer_client):
    competition, _ = open_competition()
    event = skating_event(competition, entry_limit=1)
    competitor = CompetitorFactory(competition=competition)
    organizer_client.post(
        reverse("admin:competitions_entry_add"), {"event": event.pk, "competitor": competitor.pk}
    )
    entry = Entry.objects.get()

    organizer_client.post(
        reverse("admin:competitions_entry_delete", args=[entry.pk]), {"post": "yes"}
    )

    event.refresh_from_db()
    assert event.entries_taken == 0
    assert not Entry.objects.exists()


def test_deleting_a_selection_with_an_entry_of_a_started_event_deletes_nothing(
    organizer_client, django_capture_on_commit_callbacks
):
    from adjudication.day.floor import floor_move
    from tests.day.helpers import build_programme

    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None)  # Latin has started
    latin = p.latin.entries.first()
    waltz = p.waltz.entries.first()

    answer = organizer_client.post(
        reverse("admin:competitions_entry_changelist"),
        {"action": "delete_selected", "_selected_action": [waltz.pk, latin.pk], "post": "yes"},
        follow=True,
    )

    assert answer.status_code == 200
    assert "Nothing was deleted: The event has started" in answer.content.decode()
    assert Entry.objects.filter(pk__in=[waltz.pk, latin.pk]).count() == 2
    p.waltz.refresh_from_db()
    assert p.waltz.entries_taken == p.waltz.entries.count()


def test_withdraw_action(organizer_client):
    entry = EntryFactory()

    act(organizer_client, "entry", "withdraw", [entry])

    entry.refresh_from_db()
    assert entry.withdrawn


def test_close_registration_action_reports_the_seed(organizer_client):
    competition, link = open_competition()
    event = skating_event(competition)
    EntryFactory(event=event)

    response = act(organizer_client, "competition", "close_registration", [competition])

    competition.refresh_from_db()
    assert competition.status == "registration_closed"
    assert "Draw seed" in response.content.decode()
    assert event.rounds.get().heats.count() == 1


def test_failed_job_retry_action_queues_once(organizer_client, django_capture_on_commit_callbacks):
    job = FailedJobFactory(task_name="competitions.expire_idempotency_keys", args=[])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        act(organizer_client, "failedjob", "retry", [job])
        act(organizer_client, "failedjob", "retry", [job])

    job.refresh_from_db()
    assert job.retried_at is not None
    assert len(callbacks) == 1
    assert FailedJob.objects.count() == 1
