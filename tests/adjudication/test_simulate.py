"""``manage.py simulate``: a whole competition run by simulated judges through the services.

The end-to-end test checks the published results against the tabulation library, fed
from the stored marks here in the test, independently of ``adjudication.services``.
"""

from collections import Counter
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import User
from adjudication import tabulation
from adjudication.models import Mark, Placing, RecallDecision, Sheet
from adjudication.ops.simulation import CHAIRMAN_USERNAME
from adjudication.services import SheetInput, sheet_submit
from competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    HeatEntry,
    Judge,
    Round,
    RoundKind,
    ScoringMethod,
)
from competitions.registration import entry_withdraw, registration_close, registration_submit
from competitions.services import competition_transition, round_transition
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.factories.competitions import CompetitionFactory, JudgeFactory, PanelSeatFactory

pytestmark = pytest.mark.django_db

TIE_SEED = 2  # with this seed, the demo's semi-final ties at the cut-off: a final of 7


def simulate(slug="demo", **options):
    out = StringIO()
    call_command("simulate", slug, stdout=out, **options)
    return out.getvalue()


def small_competition(**fields):
    """Open for registration: one single-dance event, 3 judges, 10 couples (a
    preliminary round and a final once registration closes)."""
    competition, link = open_competition(**fields)
    event = skating_event(competition, name="Rising Stars Latin")
    for letter in "ABC":
        PanelSeatFactory(event=event, judge=JudgeFactory(competition=competition, letter=letter))
    for n in range(10):
        registration_submit(link=link, details=couple(n, club=f"Club {n}"), event_ids=[event.pk])
    return competition, event


def demo():
    call_command("demo", stdout=StringIO())
    return Competition.objects.get(slug="demo")


# --- an independent recomputation from the stored marks ---------------------------------


def _as_decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _round_facts(round_):
    """Who danced (bib by entry id), the panel's letters, and every mark of the round as
    (judge letter, dance name or None, entry id, criterion name or None, value)."""
    entries = Entry.objects.filter(heat_entries__heat__round=round_, withdrawn=False)
    bibs = {e.pk: str(e.competitor.bib) for e in entries.select_related("competitor")}
    letters = list(
        Judge.objects.filter(seats__event=round_.event)
        .order_by("letter")
        .values_list("letter", flat=True)
    )
    marks = list(
        Mark.objects.filter(sheet__round=round_).values_list(
            "sheet__judge__letter", "sheet__dance__name", "entry_id", "criterion__name", "value"
        )
    )
    return bibs, letters, marks


def _published(round_):
    return {
        str(p.entry.competitor.bib): p
        for p in Placing.objects.filter(round=round_).select_related("entry__competitor")
    }


def check_recalls(round_):
    bibs, letters, marks = _round_facts(round_)
    dances = list(round_.event.dances.order_by("position").values_list("name", flat=True))
    crosses = {dance: {letter: set() for letter in letters} for dance in dances}
    for letter, dance, entry_id, _, value in marks:
        assert value == 1
        crosses[dance][letter].add(bibs[entry_id])
    requested = min(round_.recall_count, len(bibs))
    result = tabulation.tabulate_recalls(
        crosses, couples=list(bibs.values()), judges=letters, requested=requested
    )
    expected = set(result.recalled)
    decision = RecallDecision.objects.filter(round=round_).first()
    if result.tied:
        assert decision is not None
        if decision.recall_count == len(result.recalled) + len(result.tied):
            expected |= set(result.tied)

    published = _published(round_)
    recalled = {bib for bib, p in published.items() if p.recalled}
    assert recalled == expected
    assert {bib: p.total for bib, p in published.items()} == {
        t.couple: t.total for t in result.totals
    }
    # The recalled are exactly the couples with the top totals, counted from the marks.
    totals = Counter(bibs[entry_id] for _, _, entry_id, _, _ in marks)
    assert min(totals[b] for b in recalled) > max(
        (totals[b] for b in bibs.values() if b not in recalled), default=-1
    )
    # ... and they, and only they, dance the next round.
    following = Round.objects.get(event=round_.event, position=round_.position + 1)
    next_bibs = HeatEntry.objects.filter(heat__round=following).values_list(
        "entry__competitor__bib", flat=True
    )
    assert {str(b) for b in next_bibs} == recalled
    return len(recalled)


def check_final(round_):
    bibs, letters, marks = _round_facts(round_)
    dances = list(round_.event.dances.order_by("position").values_list("name", flat=True))
    table = {dance: {bib: [0] * len(letters) for bib in bibs.values()} for dance in dances}
    for letter, dance, entry_id, _, value in marks:
        table[dance][bibs[entry_id]][letters.index(letter)] = int(value)
    result = tabulation.tabulate_final(table, judges=letters)

    published = _published(round_)
    assert set(published) == set(bibs.values())  # a placing for every finalist
    assert {bib: (p.place, p.total) for bib, p in published.items()} == {
        row.couple: (_as_decimal(row.place), _as_decimal(row.total)) for row in result.summary
    }


def check_criteria(round_):
    bibs, letters, marks = _round_facts(round_)
    criteria = list(round_.event.criteria.order_by("position"))
    scores = {}
    for letter, _, entry_id, criterion, value in marks:
        scores.setdefault(bibs[entry_id], {}).setdefault(letter, {})[criterion] = value
    result = tabulation.score_criteria(
        scores,
        criteria=[
            tabulation.Criterion(c.name, c.min_score, c.max_score, c.step, c.weight)
            for c in criteria
        ],
        judges=letters,
        trim=round_.event.drop_extremes,  # the demo's pageant drops each highest and lowest
        tie_break=[tabulation.ByJudgesPreference()],  # the desk's tie-break for criteria
    )

    published = _published(round_)
    assert set(published) == set(bibs.values())
    assert {bib: (p.place, p.total) for bib, p in published.items()} == {
        r.entry: (_as_decimal(r.place), r.rounded_total(3)) for r in result.ranking
    }


def check_components(round_):
    """A component final: the places and totals from the stored marks by
    ``tabulation.score_components``, each judge's marks only on their components."""
    bibs, letters, marks = _round_facts(round_)
    event = round_.event
    components = list(event.criteria.order_by("position"))
    allocated = {
        (a.judge.letter, a.criterion.name)
        for a in event.allocations.filter(round__isnull=True).select_related("judge", "criterion")
    }
    scores = {}
    for letter, dance, entry_id, component, value in marks:
        assert (letter, component) in allocated
        scores.setdefault(dance, {}).setdefault(bibs[entry_id], {}).setdefault(component, {})[
            letter
        ] = value
    dances = list(event.dances.order_by("position").values_list("name", flat=True))
    result = tabulation.score_components(
        scores,
        components=[
            tabulation.Component(c.name, c.min_score, c.max_score, c.step, c.weight)
            for c in components
        ],
        dances=dances,
        couples=sorted(bibs.values()),
        judges=letters,
        tolerance=event.component_tolerance,
        allocation={d: {j: [c for j2, c in allocated if j2 == j] for j in letters} for d in dances},
    )

    published = _published(round_)
    assert len(marks) == len(bibs) * len(dances) * 2 * len(letters)  # two components a judge
    assert {bib: (p.place, p.total) for bib, p in published.items()} == {
        row.couple: (Decimal(str(row.place)), tabulation.components.rounded(row.total))
        for row in result.couples
    }


# --- snapshots, to compare runs ---------------------------------------------------------------


def all_marks():
    return sorted(
        Mark.objects.filter(sheet__round__event__competition__slug="demo").values_list(
            "sheet__round__event__name",
            "sheet__round__position",
            "sheet__judge__letter",
            "sheet__dance__name",
            "sheet__entry__competitor__bib",
            "entry__competitor__bib",
            "criterion__name",
            "value",
        ),
        key=str,
    )


def final_places():
    return sorted(
        Placing.objects.filter(
            round__event__competition__slug="demo", round__kind=RoundKind.FINAL
        ).values_list("round__event__name", "entry__competitor__bib", "place")
    )


def run_from_scratch(seed):
    """Build the demo and simulate it, then roll it all back: (final places, marks)."""
    with transaction.atomic():
        demo()
        simulate(seed=seed, quiet=True)
        outcome = final_places(), all_marks()
        transaction.set_rollback(True)
    return outcome


# --- the tests ------------------------------------------------------------------------------


def test_simulate_demo_publishes_results_that_match_the_marks():
    competition = demo()

    output = simulate(seed=TIE_SEED)

    competition.refresh_from_db()
    rounds = Round.objects.filter(event__competition=competition)
    assert competition.status == CompetitionStatus.FINISHED
    assert set(rounds.values_list("status", flat=True)) == {"published"}
    assert set(Sheet.objects.values_list("source", flat=True)) == {Sheet.Source.SIMULATION}
    recalled = {}
    for round_ in rounds.select_related("event").order_by("event__position", "position"):
        if round_.event.scoring_method == ScoringMethod.CRITERIA:
            check_criteria(round_)
        elif round_.event.scoring_method == ScoringMethod.COMPONENTS:
            check_components(round_)
        elif round_.kind == RoundKind.FINAL:
            check_final(round_)
        else:
            recalled[round_.kind] = check_recalls(round_)
    assert recalled == {"first": 12, "semi_final": 7}  # the semi-final's tie: recall more
    decision = RecallDecision.objects.get()
    assert (decision.round.kind, decision.recall_count) == ("semi_final", 7)
    assert decision.decided_by == User.objects.get(username=CHAIRMAN_USERNAME)
    assert "Adult Latin Open: 3 round(s), 105 sheets, 1 tie(s) at the cut-off settled" in output
    assert "Junior Waltz: 1 round(s), 5 sheets" in output
    assert "Miss Podium Pageant: 1 round(s), 50 sheets" in output
    assert "Youth Standard: 1 round(s), 18 sheets" in output  # 6 judges, 3 dances
    assert "178 sheets in" in output
    winner = Placing.objects.get(round__event__name="Junior Waltz", place=1).entry.competitor
    assert f"1.  {winner.bib}  {winner.name} & {winner.partner_name}\n" in output


def test_simulate_same_seed_same_results_and_another_seed_other_marks():
    places, marks = run_from_scratch(seed=11)

    again = run_from_scratch(seed=11)
    other = run_from_scratch(seed=12)

    assert again == (places, marks)
    assert len(marks) == len(again[1]) > 0
    assert other[1] != marks


def test_simulate_carries_on_an_open_round_and_skips_withdrawn_couples():
    competition, event = small_competition()
    registration_close(competition=competition, actor=None, seed=1)
    competition_transition(competition=competition, to_status="in_progress", actor=None)
    first = event.rounds.get(position=1)
    round_transition(round=first, to_status="open", actor=None)
    entries = list(
        Entry.objects.filter(heat_entries__heat__round=first).order_by("competitor__bib")
    )
    entry_withdraw(entry=entries[0])
    judge = Judge.objects.get(competition=competition, letter="A")
    tablet = sheet_submit(
        data=SheetInput(
            round_id=first.pk,
            judge_id=judge.pk,
            dance_id=event.dances.get().pk,
            marks={e.pk: 1 for e in entries[1 : 1 + first.recall_count]},
            client_key="tablet-A",
            base_version=0,
            round_revision=first.revision,
        ),
        actor=None,
    ).sheet

    simulate(competition.slug, seed=5, quiet=True)

    competition.refresh_from_db()
    tablet.refresh_from_db()
    assert competition.status == CompetitionStatus.FINISHED
    assert (tablet.source, tablet.version, tablet.client_key) == ("tablet", 1, "tablet-A")
    assert Sheet.objects.filter(round=first).count() == 3
    assert not Mark.objects.filter(entry=entries[0]).exists()
    assert Placing.objects.filter(round=first).count() == len(entries) - 1
    check_recalls(first)


def test_simulate_closes_open_registration_first():
    competition, event = small_competition()

    simulate(competition.slug, seed=3, quiet=True)

    competition.refresh_from_db()
    rounds = list(event.rounds.order_by("position"))
    assert competition.status == CompetitionStatus.FINISHED
    assert [r.status for r in rounds] == ["published", "published"]
    assert not competition.competitors.filter(bib__isnull=True).exists()
    check_recalls(rounds[0])
    check_final(rounds[1])


def test_simulate_quiet_prints_only_the_timing():
    competition, _ = small_competition()

    output = simulate(competition.slug, seed=3, quiet=True)

    assert output.startswith("6 sheets in")
    assert output.count("\n") == 1


def test_simulate_unknown_slug_is_refused():
    with pytest.raises(CommandError, match="There is no competition with the slug “nowhere”"):
        simulate("nowhere")


@pytest.mark.parametrize(
    ("status", "message"),
    [("draft", "is a draft: open registration"), ("cancelled", "is cancelled: there is nothing")],
)
def test_simulate_draft_or_cancelled_competition_is_refused(status, message):
    competition = CompetitionFactory(name="Spring Cup", slug="spring-cup")
    if status != "draft":
        competition_transition(competition=competition, to_status=status, actor=None)

    with pytest.raises(CommandError, match=f"Spring Cup {message}"):
        simulate("spring-cup")

    assert not Sheet.objects.exists()


def test_simulate_a_finished_competition_again_does_nothing():
    competition, _ = small_competition(name="Spring Cup")
    simulate(competition.slug, seed=3, quiet=True)
    sheets, marks = Sheet.objects.count(), Mark.objects.count()

    output = simulate(competition.slug, seed=99)

    assert output == "Spring Cup is already finished: nothing to simulate.\n"
    assert (Sheet.objects.count(), Mark.objects.count()) == (sheets, marks)


def test_simulate_judge_skill_outside_0_to_1_is_refused():
    competition, _ = small_competition()

    with pytest.raises(CommandError, match="between 0 and 1, not 1.5"):
        simulate(competition.slug, judge_skill=1.5)

    competition.refresh_from_db()
    assert competition.status == "registration_open"


def test_demo_reset_after_a_simulation():
    demo()
    simulate(seed=1, quiet=True)

    call_command("demo", reset=True, stdout=StringIO())

    assert Competition.objects.get(slug="demo").status == "registration_closed"
