"""Seeded (star) couples: the planning maths, the service and its refusals, and the
draws that count them. WDSF fixes star couples the evening before (WDSF "Granting
Stars", 2015); a seeded couple counts as recalled into its round."""

import pytest

from adjudication.incidents.seeding import entry_seed, entry_unseed
from adjudication.services import ScoringError, round_close
from competitions.models import Entry, HeatEntry, Incident, Round
from competitions.registration import (
    RegistrationRefused,
    event_plan_rounds,
    plan_round_sizes,
    registration_close,
    registration_submit,
)
from competitions.registration.closing import plan_recall_counts
from competitions.services import round_transition
from competitions.timetable.lines import _planned_entrants
from tests.adjudication.day import Day
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.factories.accounts import UserFactory
from tests.factories.competitions import HeatFactory, JudgeFactory, PanelSeatFactory

pytestmark = pytest.mark.django_db


def event_with(n, **fields):
    competition, link = open_competition()
    event = skating_event(competition, **fields)
    for i in range(n):
        registration_submit(
            link=link, details=couple(i, club=f"Club {i % 3}"), event_ids=[event.pk]
        )
    return competition, event


def entries(event):
    return list(Entry.objects.filter(event=event).order_by("id"))


# The planning maths (worked cases)


def test_plan_forty_entries_with_six_stars_into_round_two():
    sizes = plan_round_sizes(entries=40, seeded={2: 6})

    assert sizes == [34, 24, 12, 6]
    assert plan_recall_counts(sizes, {2: 6}) == [18, 12, 6]


def test_plan_stars_into_round_three_skip_two_rounds():
    sizes = plan_round_sizes(entries=48, seeded={3: 6})

    assert sizes == [42, 18, 12, 6]
    assert plan_recall_counts(sizes, {3: 6}) == [18, 6, 6]


def test_plan_without_stars_is_unchanged():
    assert (
        plan_round_sizes(entries=40) == plan_round_sizes(entries=40, seeded={}) == [40, 24, 12, 6]
    )


def test_plan_refuses_stars_into_a_round_the_field_does_not_make():
    with pytest.raises(RegistrationRefused, match="seeded into round 3, but 10 entries make 2"):
        plan_round_sizes(entries=10, seeded={3: 2})


def test_plan_refuses_more_stars_than_the_round_takes():
    with pytest.raises(RegistrationRefused, match="no couple could be recalled"):
        plan_round_sizes(entries=20, seeded={2: 12})


def test_event_plan_counts_the_seeded_couples(organizer):
    _, event = event_with(40)
    for entry in entries(event)[:6]:
        entry_seed(entry=entry, round_position=2, actor=organizer, reason="WDSF ranking 1-50")

    rounds = event_plan_rounds(event=event)

    assert [r.recall_count for r in rounds] == [18, 12, 6, None]


def test_closing_draws_the_first_round_without_the_stars(organizer):
    competition, event = event_with(40, max_per_heat=12)
    stars = entries(event)[:6]
    for entry in stars:
        entry_seed(entry=entry, round_position=2, actor=organizer, reason="WDSF ranking 1-50")

    registration_close(competition=competition, actor=None, seed=3)

    first = event.rounds.get(position=1)
    drawn = set(HeatEntry.objects.filter(heat__round=first).values_list("entry_id", flat=True))
    assert len(drawn) == 34
    assert not drawn & {e.pk for e in stars}
    assert [r.recall_count for r in event.rounds.all()] == [18, 12, 6, None]


def test_timetable_plans_the_stars_into_their_round():
    first, second = Round(position=1, recall_count=18), Round(position=2, recall_count=12)

    assert _planned_entrants(first, None, 40, {2: 6}) == 34
    assert _planned_entrants(second, first, 40, {2: 6}) == 24


def test_closing_a_round_draws_the_recalled_and_the_stars_into_the_next(organizer):
    competition, link = open_competition()
    event = skating_event(competition, name="Adult Latin", max_per_heat=12)
    dances = list(event.dances.all())
    judges = [JudgeFactory(competition=competition, letter=c) for c in "ABC"]
    for judge in judges:
        PanelSeatFactory(event=event, judge=judge)
    for n in range(9):
        registration_submit(link=link, details=couple(n, club=f"Club {n}"), event_ids=[event.pk])
    first = Round.objects.create(event=event, position=1, kind="first", recall_count=6)
    final = Round.objects.create(event=event, position=2, kind="final")
    star = entries(event)[0]
    entry_seed(entry=star, round_position=2, actor=organizer, reason="last year's champions")
    registration_close(competition=competition, actor=None, seed=1)
    round_transition(round=first, to_status="open", actor=None)
    first.refresh_from_db()
    day = Day(competition, event, dances, judges, first, final)
    dancing = day.entries()
    assert first.recall_count == 5 and star not in dancing and len(dancing) == 8
    for judge in judges:
        for dance in dances:
            day.send(judge, dance, day.crosses(dancing[:5]))

    round_close(round=first, actor=organizer, seed=2)

    in_final = set(HeatEntry.objects.filter(heat__round=final).values_list("entry_id", flat=True))
    assert in_final == {e.pk for e in dancing[:5]} | {star.pk}


# The service


def test_seed_records_the_incident_and_lowers_the_recall_before(
    organizer, django_capture_on_commit_callbacks
):
    _, event = event_with(40)
    event_plan_rounds(event=event)
    entry = entries(event)[0]

    with django_capture_on_commit_callbacks() as callbacks:
        entry_seed(entry=entry, round_position=2, actor=organizer, reason="WDSF ranking 4")

    entry.refresh_from_db()
    incident = Incident.objects.get()
    assert entry.seeded_round == 2
    assert event.rounds.get(position=1).recall_count == 23
    assert (incident.kind, incident.actor, incident.reason, incident.entry) == (
        "seeded",
        organizer,
        "WDSF ranking 4",
        entry,
    )
    assert "Round 1 now recalls 23 (was 24)" in incident.summary
    assert len(callbacks) == 1


def test_unseed_restores_the_recall_and_records_it(organizer):
    _, event = event_with(40)
    event_plan_rounds(event=event)
    entry = entries(event)[0]
    entry_seed(entry=entry, round_position=3, actor=organizer, reason="WDSF ranking 4")

    entry_unseed(entry=entry, actor=organizer, reason="entry confirmed too late")

    entry.refresh_from_db()
    assert entry.seeded_round is None
    assert event.rounds.get(position=2).recall_count == 12
    assert list(Incident.objects.order_by("id").values_list("kind", flat=True)) == [
        "seeded",
        "unseeded",
    ]


def _refused(match, **kwargs):
    before = list(Entry.objects.values_list("id", "seeded_round").order_by("id"))
    recalls = list(Round.objects.values_list("id", "recall_count").order_by("id"))
    with pytest.raises(ScoringError, match=match):
        entry_seed(**kwargs)
    assert list(Entry.objects.values_list("id", "seeded_round").order_by("id")) == before
    assert list(Round.objects.values_list("id", "recall_count").order_by("id")) == recalls
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("position", "match"),
    [(1, "round 2 or later"), (7, "there is no round 7"), ("2", "a round number from 2")],
)
def test_seed_refuses_a_round_the_event_cannot_seed_into(organizer, position, match):
    _, event = event_with(40)
    event_plan_rounds(event=event)
    entry = entries(event)[0]

    _refused(match, entry=entry, round_position=position, actor=organizer, reason="star")


def test_seed_refuses_a_couple_drawn_into_the_first_round(organizer):
    competition, event = event_with(20)
    registration_close(competition=competition, actor=None, seed=1)
    entry = entries(event)[0]

    _refused(
        "already drawn into an earlier", entry=entry, round_position=2, actor=organizer, reason="x"
    )


def test_seed_refuses_a_drawn_round(organizer):
    _, event = event_with(40)
    event_plan_rounds(event=event)
    HeatFactory(round=event.rounds.get(position=2), number=1)

    _refused(
        "Round 2 is already drawn",
        entry=entries(event)[0],
        round_position=2,
        actor=organizer,
        reason="x",
    )


def test_seed_refuses_when_the_round_before_started(organizer):
    _, event = event_with(40)
    event_plan_rounds(event=event)
    Round.objects.filter(event=event, position=1).update(status="open")
    entry = entries(event)[0]

    _refused("Round 1 has started", entry=entry, round_position=2, actor=organizer, reason="x")


def test_seed_refuses_withdrawn_and_waiting_couples(organizer):
    _, event = event_with(12)
    first, second = entries(event)[:2]
    Entry.objects.filter(pk=first.pk).update(withdrawn=True)
    Entry.objects.filter(pk=second.pk).update(status="waiting")

    _refused("has withdrawn", entry=first, round_position=2, actor=organizer, reason="x")
    _refused("waiting list", entry=second, round_position=2, actor=organizer, reason="x")


def test_seed_refuses_without_permission_or_reason(organizer):
    _, event = event_with(12)
    entry = entries(event)[0]
    judge_account = UserFactory(username="nobody")

    _refused("permission to seed", entry=entry, round_position=2, actor=judge_account, reason="x")
    _refused("Say why", entry=entry, round_position=2, actor=organizer, reason="  ")


def test_unseed_refuses_a_couple_not_seeded(organizer):
    _, event = event_with(12)

    with pytest.raises(ScoringError, match="is not seeded"):
        entry_unseed(entry=entries(event)[0], actor=organizer, reason="x")


# The desk's page and the API


def desk_client(client, username, roles):
    from tests.support.auth import sign_in_staff

    user = UserFactory(username=username, roles=roles)
    sign_in_staff(client, user)
    return user


def test_the_desk_page_lists_seeds_and_unseeds(client):
    from django.urls import reverse

    competition, event = event_with(40)
    event_plan_rounds(event=event)
    desk_client(client, "scrut", ["scrutineer"])
    url = reverse("adjudication:desk-seeding", args=[competition.slug])
    entry = entries(event)[0]

    seeded = client.post(
        url, {"action": "seed", "entry": entry.pk, "round": "2", "reason": "WDSF 7"}, follow=True
    )
    entry.refresh_from_db()
    assert entry.seeded_round == 2
    assert "seeded into round 2" in seeded.content.decode()
    assert "39 dance from the first round, 1 seeded" in seeded.content.decode()

    client.post(url, {"action": "unseed", "entry": entry.pk, "reason": "late confirmation"})
    entry.refresh_from_db()
    assert entry.seeded_round is None


def test_the_desk_page_names_the_couple_and_shows_why_it_is_seeded(client, organizer):
    from django.urls import reverse

    competition, event = event_with(40)
    event_plan_rounds(event=event)
    desk_client(client, "scrut", ["scrutineer"])
    url = reverse("adjudication:desk-seeding", args=[competition.slug])
    before_bibs, with_bib = entries(event)[:2]
    with_bib.competitor.bib = 17
    with_bib.competitor.save(update_fields=["bib"])

    client.post(url, {"action": "seed", "entry": before_bibs.pk, "round": "2", "reason": "WDSF 7"})
    client.post(url, {"action": "seed", "entry": with_bib.pk, "round": "2", "reason": "WDSF 9"})
    entry_seed(entry=with_bib, round_position=3, actor=organizer, reason="WDSF ranking 2")
    page = client.get(url).content.decode()

    summaries = list(Incident.objects.order_by("id").values_list("summary", flat=True))
    assert summaries[0].startswith("Couple Leader AA & Partner AA seeded into round 2.")
    assert summaries[1].startswith("Couple 17 seeded into round 2.")
    assert '<td class="seed-reason">WDSF 7</td>' in page
    assert '<td class="seed-reason">WDSF ranking 2</td>' in page  # the latest seeding's
    assert "WDSF 9" not in page
    assert page.count('<form method="post" class="inline unseed">') == 2


def test_the_desk_page_refuses_clearly_and_changes_nothing(client):
    from django.urls import reverse

    competition, event = event_with(40)
    event_plan_rounds(event=event)
    other_competition, other_event = event_with(3)
    desk_client(client, "scrut", ["scrutineer"])
    url = reverse("adjudication:desk-seeding", args=[competition.slug])
    stranger = entries(other_event)[0]

    first = client.post(
        url, {"action": "seed", "entry": entries(event)[0].pk, "round": "1", "reason": "x"}
    )
    other = client.post(url, {"action": "seed", "entry": stranger.pk, "round": "2", "reason": "x"})
    silent = client.post(
        url, {"action": "seed", "entry": entries(event)[0].pk, "round": "2", "reason": ""}
    )

    assert first.status_code == other.status_code == silent.status_code == 400
    assert "round 2 or later" in first.content.decode()
    assert "Choose a couple of this competition" in other.content.decode()
    assert "Say why the couple is seeded" in silent.content.decode()
    assert not Entry.objects.filter(seeded_round__isnull=False).exists()


def test_the_chairman_may_not_seed_at_the_desk(client):
    from django.urls import reverse

    competition, event = event_with(12)
    desk_client(client, "chair", ["chairman"])
    url = reverse("adjudication:desk-seeding", args=[competition.slug])

    page = client.post(
        url, {"action": "seed", "entry": entries(event)[0].pk, "round": "2", "reason": "x"}
    )

    assert page.status_code == 400
    assert "You do not have permission to seed couples" in page.content.decode()


def test_the_api_seeds_lists_and_unseeds(client):
    from tests.adjudication.test_desk_api import post, token_for

    competition, event = event_with(40)
    event_plan_rounds(event=event)
    _, tokens = token_for(client, "organizer")
    entry = entries(event)[0]
    from django.urls import reverse

    from tests.adjudication.test_api import bearer

    seeded = post(
        client,
        "desk-seeding",
        [competition.slug],
        tokens,
        {"entry_id": entry.pk, "round_position": 2, "reason": "WDSF 3"},
    )
    listed = client.get(
        reverse("api:desk-seeding", args=[competition.slug]), headers=bearer(tokens)
    )
    unseeded = post(
        client,
        "desk-seeding",
        [competition.slug],
        tokens,
        {"entry_id": entry.pk, "round_position": None, "reason": "late"},
    )

    assert seeded.status_code == 200
    assert seeded.json()["seeded_round"] == 2
    assert [e["entry_id"] for e in listed.json()] == [entry.pk]
    assert unseeded.status_code == 200
    assert unseeded.json()["seeded_round"] is None


def test_the_api_refuses_bad_input_and_changes_nothing(client):
    from tests.adjudication.test_desk_api import post, token_for

    competition, event = event_with(40)
    event_plan_rounds(event=event)
    _, other_event = event_with(3)
    _, tokens = token_for(client, "organizer")
    _, chair = token_for(client, "chairman")
    entry = entries(event)[0]

    missing = post(
        client,
        "desk-seeding",
        [competition.slug],
        tokens,
        {"entry_id": entry.pk, "round_position": 9, "reason": "x"},
    )
    stranger = post(
        client,
        "desk-seeding",
        [competition.slug],
        tokens,
        {"entry_id": entries(other_event)[0].pk, "round_position": 2, "reason": "x"},
    )
    no_reason = post(
        client,
        "desk-seeding",
        [competition.slug],
        tokens,
        {"entry_id": entry.pk, "round_position": 2},
    )
    forbidden = post(
        client,
        "desk-seeding",
        [competition.slug],
        chair,
        {"entry_id": entry.pk, "round_position": 2, "reason": "x"},
    )

    assert missing.status_code == 400
    assert "there is no round 9" in missing.json()["message"]
    assert stranger.status_code == 404
    assert no_reason.status_code == 400
    assert forbidden.status_code == 403
    assert not Entry.objects.filter(seeded_round__isnull=False).exists()
    assert not Incident.objects.exists()


# The admin


def admin_change(client, entry, **fields):
    from django.urls import reverse

    return client.post(
        reverse("admin:competitions_entry_change", args=[entry.pk]),
        {"seeded_round": "", "seeding_reason": "", **fields},
        follow=True,
    )


def test_the_admin_seeds_through_the_service(client, organizer):
    from tests.support.auth import sign_in_staff

    _, event = event_with(40)
    event_plan_rounds(event=event)
    sign_in_staff(client, organizer)
    entry = entries(event)[0]

    page = admin_change(client, entry, seeded_round="2", seeding_reason="WDSF 9")

    entry.refresh_from_db()
    assert page.status_code == 200
    assert entry.seeded_round == 2
    assert Incident.objects.get().kind == "seeded"
    assert event.rounds.get(position=1).recall_count == 23


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"seeded_round": "2"}, "Say why the couple is seeded"),
        ({"seeded_round": "1", "seeding_reason": "x"}, "round 2 or later"),
        ({"seeded_round": "5", "seeding_reason": "x"}, "there is no round 5"),
    ],
)
def test_the_admin_shows_why_seeding_is_refused(client, organizer, fields, message):
    from tests.support.auth import sign_in_staff

    _, event = event_with(40)
    event_plan_rounds(event=event)
    sign_in_staff(client, organizer)
    entry = entries(event)[0]

    page = admin_change(client, entry, **fields)

    assert message in page.content.decode()
    entry.refresh_from_db()
    assert entry.seeded_round is None
    assert not Incident.objects.exists()


def test_the_admin_replans_with_the_stars(client, organizer):
    from django.urls import reverse

    from tests.support.auth import sign_in_staff

    _, event = event_with(40)
    for entry in entries(event)[:6]:
        entry_seed(entry=entry, round_position=2, actor=organizer, reason="WDSF ranking")
    sign_in_staff(client, organizer)

    client.post(
        reverse("admin:competitions_event_changelist"),
        {"action": "replan_rounds", "_selected_action": [event.pk], "confirmed": "yes"},
        follow=True,
    )

    assert [r.recall_count for r in event.rounds.order_by("position")] == [18, 12, 6, None]


def test_seed_refuses_a_criteria_event(organizer):
    from tests.factories.competitions import (
        CriteriaEventFactory,
        EntryFactory,
        SoloCompetitorFactory,
    )

    event = CriteriaEventFactory()
    entry = EntryFactory(
        event=event, competitor=SoloCompetitorFactory(competition=event.competition)
    )

    _refused("scored by criteria", entry=entry, round_position=2, actor=organizer, reason="x")
