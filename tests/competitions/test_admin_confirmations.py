"""Irreversible admin actions ask first: the first post answers with a page saying what
will happen, the post from that page runs the action; closing registration reports in
sentences."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils.html import escape

from competitions.models import (
    CompetitionStaff,
    Competitor,
    JudgeApplication,
    StaffRole,
)
from competitions.registration import registration_close, registration_close_preview
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.accounts import UserFactory
from tests.factories.competitions import (
    CompetitionFactory,
    EntryFactory,
    HeatEntryFactory,
    HeatFactory,
    JudgeApplicationFactory,
    JudgeFactory,
    PanelSeatFactory,
    RegistrationLinkFactory,
    RoundFactory,
)
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, organizer):
    return sign_in_staff(client, organizer)


def post_action(client, model_name, action, objects, *, confirmed=False):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(
        reverse(f"admin:competitions_{model_name}_changelist"), data, follow=confirmed
    )


def spring_open():
    """Spring Open: Latin (an organizer's plan kept: a first round, two per heat, three
    couples) and Waltz (no plan yet, one couple); bibs from 101."""
    competition, _ = open_competition(name="Spring Open", bib_start=101)
    latin = skating_event(competition, name="Latin", max_per_heat=2)
    RoundFactory(event=latin, position=1, kind="first", recall_count=2)
    RoundFactory(event=latin, position=2, kind="final")
    waltz = skating_event(competition, name="Waltz")
    for n in range(3):
        EntryFactory(event=latin, competitor__bib=None, competitor__name=f"Leader {'ABC'[n]}")
    EntryFactory(event=waltz, competitor__bib=None, competitor__name="Leader D")
    return competition


def test_close_registration_first_shows_what_will_happen_and_changes_nothing(organizer_client):
    competition = spring_open()

    response = post_action(organizer_client, "competition", "close_registration", [competition])

    page = response.content.decode()
    competition.refresh_from_db()
    assert response.status_code == 200
    assert "4 competitors numbered 101–104, 2 events drawn into 3 heats." in page
    assert "Latin: 3 entries, 2 rounds (your plan, kept), first round drawn into 2 heats." in page
    assert "Waltz: 1 entry, 1 round planned, first round drawn into 1 heat." in page
    assert 'name="confirmed" value="yes"' in page
    assert competition.status == "registration_open"
    assert not Competitor.objects.filter(bib__isnull=False).exists()


def test_close_registration_confirmed_closes_and_reports_in_a_sentence(organizer_client):
    competition = spring_open()

    response = post_action(
        organizer_client, "competition", "close_registration", [competition], confirmed=True
    )

    competition.refresh_from_db()
    assert competition.status == "registration_closed"
    assert (
        "Registration of Spring Open closed: 4 competitors numbered 101–104, "
        "2 events drawn into 3 heats." in response.content.decode()
    )
    assert sorted(Competitor.objects.values_list("bib", flat=True)) == [101, 102, 103, 104]


def test_the_preview_says_what_closing_then_does():
    competition = spring_open()

    preview = registration_close_preview(competition=competition)
    report = registration_close(competition=competition, actor=None, seed=7)

    assert preview.problem is None
    assert (preview.to_number, preview.bibs) == (report.bibs_assigned, report.bibs)
    assert {e.name: e.heats for e in preview.events} == report.drawn


def test_the_confirmation_page_says_when_closing_would_be_refused(organizer_client):
    competition = spring_open()
    competition.status = "cancelled"
    competition.save(update_fields=["status"])

    page = post_action(organizer_client, "competition", "close_registration", [competition])

    text = page.content.decode()
    assert "Will be refused: Spring Open is cancelled" in text
    assert "Yes, close registration" not in text


def test_the_confirmation_page_lists_only_the_organizers_own_competition(client):
    ours = spring_open()
    theirs, _ = open_competition(name="Other Cup")
    user = UserFactory(username="ours")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    CompetitionStaff.objects.create(competition=ours, user=user, role=StaffRole.ORGANIZER)
    sign_in_staff(client, user)

    page = post_action(client, "competition", "close_registration", [ours, theirs])
    post_action(client, "competition", "close_registration", [theirs], confirmed=True)

    theirs.refresh_from_db()
    assert "Spring Open" in page.content.decode()
    assert "Other Cup" not in page.content.decode()
    assert theirs.status == "registration_open"


def irreversible_cases():
    """(model name, action, the selected object, whether the action changed it)."""

    def competition(word):
        return open_competition(name=f"{word} Cup")[0]

    def status(obj):
        obj.refresh_from_db()
        return obj.status

    def planned_round():
        competition, _ = open_competition()
        event = skating_event(competition)
        round_ = RoundFactory(event=event)
        PanelSeatFactory(event=event, judge=JudgeFactory(competition=competition))
        HeatEntryFactory(heat=HeatFactory(round=round_), entry=EntryFactory(event=event))
        type(competition).objects.filter(pk=competition.pk).update(status="registration_closed")
        return round_

    def withdrawn(entry):
        entry.refresh_from_db()
        return entry.withdrawn

    def revoked(link):
        link.refresh_from_db()
        return link.revoked_at is not None

    return [
        ("competition", "move_to_cancelled", lambda: competition("Cancel"),
         lambda c: status(c) == "cancelled"),
        ("round", "move_to_open", planned_round, lambda r: status(r) == "open"),
        ("event", "replan_rounds",
         lambda: RoundFactory(event=skating_event(competition("Plan"))).event,
         lambda e: not e.rounds.filter(kind="final", recall_count=None).exists()),
        ("entry", "withdraw", lambda: EntryFactory(), withdrawn),
        ("registrationlink", "revoke", lambda: RegistrationLinkFactory(), revoked),
        ("judgeapplication", "accept", lambda: JudgeApplicationFactory(),
         lambda a: status(a) == JudgeApplication.Status.ACCEPTED),
        ("judgeapplication", "decline", lambda: JudgeApplicationFactory(),
         lambda a: status(a) == JudgeApplication.Status.DECLINED),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("model_name", "action", "make", "changed"),
    irreversible_cases(),
    ids=[f"{c[0]}-{c[1]}" for c in irreversible_cases()],
)
def test_an_irreversible_action_asks_first(organizer_client, model_name, action, make, changed):
    obj = make()

    page = post_action(organizer_client, model_name, action, [obj])
    unchanged = not changed(obj)
    post_action(organizer_client, model_name, action, [obj], confirmed=True)

    assert page.status_code == 200
    assert "No, take me back" in page.content.decode()
    assert escape(str(obj)) in page.content.decode()
    assert unchanged
    assert changed(obj)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("move_to_in_progress", "cannot go back to registration"),
        ("move_to_finished", "cannot be started again"),
        ("move_to_archived", "cannot be reopened"),
        ("redraw_first_round", "cannot be brought back"),
    ],
)
def test_other_irreversible_actions_say_what_cannot_be_undone(organizer_client, action, expected):
    competition = spring_open()
    model_name = "event" if action == "redraw_first_round" else "competition"
    obj = competition.events.first() if model_name == "event" else competition

    page = post_action(organizer_client, model_name, action, [obj])

    assert expected in page.content.decode()


def test_a_reversible_action_runs_at_once(organizer_client):
    competition = CompetitionFactory()
    skating_event(competition)

    post_action(organizer_client, "competition", "move_to_registration_open", [competition])

    competition.refresh_from_db()
    assert competition.status == "registration_open"
