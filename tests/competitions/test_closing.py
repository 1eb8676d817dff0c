import pytest
from django.core.management import CommandError, call_command

from competitions.models import Competition, Competitor, HeatEntry, Round, RoundKind
from competitions.registration import (
    competition_assign_bibs,
    entry_withdraw,
    event_plan_rounds,
    plan_round_sizes,
    registration_close,
    registration_submit,
)
from competitions.services import DrawRefused, round_draw_heats
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.factories.competitions import (
    CompetitorFactory,
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    EventFactory,
    RoundFactory,
    SoloCompetitorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("entries", "sizes"),
    [
        (1, [1]),
        (6, [6]),
        (8, [8]),
        (9, [9, 6]),
        (13, [13, 6]),
        (20, [20, 12, 6]),
        (24, [24, 12, 6]),
        (48, [48, 24, 12, 6]),
        (100, [100, 48, 24, 12, 6]),
    ],
)
def test_round_plan_recalls_about_half_down_to_the_final(entries, sizes):
    assert plan_round_sizes(entries=entries) == sizes


def test_round_plan_honours_the_events_final_size():
    assert plan_round_sizes(entries=30, final_size=7, direct_final_max=8) == [30, 14, 7]
    assert plan_round_sizes(entries=0) == []


def event_with(n, **fields):
    competition, link = open_competition()
    event = skating_event(competition, **fields)
    for i in range(n):
        registration_submit(
            link=link, details=couple(i, club=f"Club {i % 3}"), event_ids=[event.pk]
        )
    return competition, event


def test_plan_rounds_names_and_recalls():
    _, event = event_with(24)

    rounds = event_plan_rounds(event=event)

    assert [(r.kind, r.recall_count) for r in rounds] == [
        (RoundKind.FIRST, 12),
        (RoundKind.SEMI_FINAL, 6),
        (RoundKind.FINAL, None),
    ]


def test_replanning_is_refused_once_the_event_started():
    _, event = event_with(4)
    event_plan_rounds(event=event)
    Round.objects.filter(event=event).update(status="open")

    with pytest.raises(Exception, match="can no longer be re-planned"):
        event_plan_rounds(event=event)


def test_close_registration_assigns_bibs_plans_and_draws(capsys):
    competition, event = event_with(20, max_per_heat=8)

    call_command("close_registration", competition.slug, seed=11)

    competition.refresh_from_db()
    first = event.rounds.get(position=1)
    sizes = sorted(h.heat_entries.count() for h in first.heats.all())
    bibs = sorted(Competitor.objects.values_list("bib", flat=True))
    assert competition.status == "registration_closed"
    assert bibs == list(range(1, 21))
    assert [r.recall_count for r in event.rounds.all()] == [12, 6, None]
    assert sizes == [6, 7, 7]
    assert first.draw_seed == 11
    assert "draw seed: 11" in capsys.readouterr().out


def test_the_same_seed_gives_the_same_draw():
    competition, event = event_with(20)
    registration_close(competition=competition, actor=None, seed=5)
    first = event.rounds.get(position=1)
    drawn = sorted(
        HeatEntry.objects.filter(heat__round=first).values_list("heat__number", "entry_id")
    )

    round_draw_heats(round=first, heat_count=first.heats.count(), seed=5)

    assert (
        sorted(HeatEntry.objects.filter(heat__round=first).values_list("heat__number", "entry_id"))
        == drawn
    )


def test_club_separation_where_possible():
    competition, link = open_competition()
    event = skating_event(competition, separate_clubs=True)
    for i in range(12):  # clubs A, B, C with four couples each; three heats of four
        registration_submit(link=link, details=couple(i, club="ABC"[i % 3]), event_ids=[event.pk])
    round_ = RoundFactory(event=event, kind=RoundKind.FIRST, recall_count=6)

    for seed in range(10):
        round_draw_heats(round=round_, heat_count=4, seed=seed)
        for heat in round_.heats.all():
            clubs = [
                he.entry.competitor.club
                for he in heat.heat_entries.select_related("entry__competitor")
            ]
            assert len(clubs) == len(set(clubs)) == 3


def test_criteria_events_get_a_drawn_running_order():
    competition, link = open_competition()
    pageant = CriteriaEventFactory(competition=competition)
    CriterionFactory(event=pageant)
    for i in range(5):
        solo = SoloCompetitorFactory(competition=competition, bib=None, name=f"Solo {chr(65 + i)}")
        EntryFactory(event=pageant, competitor=solo)

    registration_close(competition=competition, actor=None, seed=3)

    final = pageant.rounds.get()
    positions = list(
        HeatEntry.objects.filter(heat__round=final)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert final.kind == RoundKind.FINAL
    assert positions == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("order", "expected"),
    [("alphabetical", ["Anna", "Berta", "Clara"]), ("by_event", ["Clara", "Berta", "Anna"])],
)
def test_bib_orders(order, expected):
    competition, _ = open_competition(bib_start=101, bib_order=order)
    first = EventFactory(competition=competition, position=1)
    second = EventFactory(competition=competition, position=2)
    for name, event in (("Berta", second), ("Clara", first), ("Anna", second)):
        EntryFactory(
            event=event, competitor=CompetitorFactory(competition=competition, bib=None, name=name)
        )

    competition_assign_bibs(competition=competition, seed=1)

    assert list(Competitor.objects.order_by("bib").values_list("name", flat=True)) == expected
    assert list(Competitor.objects.order_by("bib").values_list("bib", flat=True)) == [101, 102, 103]


def test_random_bibs_repeat_with_the_seed():
    def draw(seed):
        Competitor.objects.update(bib=None)
        competition_assign_bibs(competition=competition, seed=seed)
        return list(Competitor.objects.order_by("bib").values_list("name", flat=True))

    competition, _ = open_competition(bib_order="random")
    event = EventFactory(competition=competition)
    for i in range(8):
        EntryFactory(
            event=event,
            competitor=CompetitorFactory(competition=competition, bib=None, name=f"N{chr(65 + i)}"),
        )

    assert draw(4) == draw(4)


def test_closing_twice_is_refused_for_a_started_competition():
    competition, _ = event_with(3)
    Competition.objects.filter(pk=competition.pk).update(status="registration_closed")
    Competition.objects.filter(pk=competition.pk).update(status="in_progress")

    with pytest.raises(CommandError, match="registration can be closed only while it is open"):
        call_command("close_registration", competition.slug)


def test_close_registration_unknown_slug():
    with pytest.raises(CommandError, match="no competition with the slug “nope”"):
        call_command("close_registration", "nope")


def test_redraw_refused_after_the_round_opens():
    competition, event = event_with(6)
    registration_close(competition=competition, actor=None, seed=1)
    final = event.rounds.get()
    Round.objects.filter(pk=final.pk).update(status="open")

    with pytest.raises(DrawRefused):
        round_draw_heats(round=final, heat_count=1, seed=2)


def test_withdrawal_before_the_round_opens_rebalances_heats():
    competition, event = event_with(9, max_per_heat=5)
    registration_close(competition=competition, actor=None, seed=2)
    first = event.rounds.get(position=1)
    assert sorted(h.heat_entries.count() for h in first.heats.all()) == [4, 5]
    small = min(first.heats.all(), key=lambda h: h.heat_entries.count())
    for heat_entry in list(small.heat_entries.all())[:2]:
        entry_withdraw(entry=heat_entry.entry)

    sizes = sorted(h.heat_entries.count() for h in first.heats.all())

    assert sizes == [3, 4]
    assert event.entries.filter(withdrawn=True).count() == 2


def test_withdrawal_frees_a_place_for_the_waiting_list():
    competition, link = open_competition()
    event = skating_event(competition, entry_limit=1, waiting_list=True)
    first = registration_submit(link=link, details=couple(1), event_ids=[event.pk])
    waiting = registration_submit(link=link, details=couple(2), event_ids=[event.pk])

    result = entry_withdraw(entry=first.entries[0])

    event.refresh_from_db()
    assert result.promoted.pk == waiting.entries[0].pk
    assert result.promoted.status == "entered"
    assert event.entries_taken == 1


def test_withdrawal_after_the_round_opened_stays_in_the_heat():
    competition, event = event_with(4)
    registration_close(competition=competition, actor=None, seed=1)
    final = event.rounds.get()
    Round.objects.filter(pk=final.pk).update(status="open")
    entry = event.entries.first()

    entry_withdraw(entry=entry)

    entry.refresh_from_db()
    assert entry.withdrawn
    assert HeatEntry.objects.filter(heat__round=final, entry=entry).exists()


def test_withdrawing_twice_is_refused():
    competition, event = event_with(2)
    entry = event.entries.first()
    entry_withdraw(entry=entry)

    with pytest.raises(Exception, match="already withdrawn"):
        entry_withdraw(entry=entry)
