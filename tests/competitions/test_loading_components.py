"""``load_competition`` with an event scored by components: its components with short
names and weights, the tolerance, and who scores what (every judge, drawn at random, or a
fixed allocation); refusals name the field and write nothing; loading again changes
nothing, and an edited allocation is kept as the file says until a round opens."""

import textwrap
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from competitions.components import round_allocation
from competitions.models import (
    AllocationMode,
    Competition,
    ComponentAllocation,
    Criterion,
    Event,
    Round,
)
from competitions.services import round_draw_heats, round_transition

pytestmark = pytest.mark.django_db

VALID = textwrap.dedent(
    """
    competition: {name: Youth Cup, slug: youth-cup, starts_on: 2027-05-01}
    judges:
      - {letter: A, name: Ann Adams}
      - {letter: B, name: Ben Brown}
      - {letter: C, name: Cleo Clark}
      - {letter: D, name: Dan Dorn}
    events:
      - name: Youth Standard
        style: standard
        scoring: components
        dances: [Waltz, {name: Tango, short_name: T}]
        components:
          - {name: Technical Quality, short_name: TQ, weight: 1, min: 1, max: 10, step: 0.5}
          - {name: Movement to Music, short_name: MM, weight: 1, min: 1, max: 10, step: 0.5}
          - {name: Partnering Skill, short_name: PS, weight: 1, min: 1, max: 10, step: 0.5}
          - {name: Choreography and Presentation, short_name: CP, min: 1, max: 10, step: 0.5}
        tolerance: 1.2
        allocation: {A: [TQ, MM], B: [PS, CP], C: [Technical Quality, PS], D: [MM, CP]}
        panel: [A, B, C, D]
        rounds: [{kind: final}]
    competitors:
      - {name: Tom Lee, partner: Ava Kim, events: [Youth Standard]}
      - {name: Max Roth, partner: Eva Roth, events: [Youth Standard]}
    """
)


@pytest.fixture
def write(tmp_path):
    def _write(text, name="competition.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return _write


def fixed_rows():
    return sorted(
        ComponentAllocation.objects.filter(round__isnull=True).values_list(
            "judge__letter", "criterion__short_name"
        )
    )


def test_load_creates_a_component_event_with_its_fixed_allocation(write, capsys):
    call_command("load_competition", write(VALID))

    event = Event.objects.get(name="Youth Standard")
    assert (event.scoring_method, event.component_tolerance, event.component_allocation) == (
        "components",
        Decimal("1.2"),
        AllocationMode.FIXED,
    )
    assert list(
        Criterion.objects.filter(event=event).values_list("short_name", "weight", "min_score")
    ) == [(s, Decimal(1), Decimal(1)) for s in ("TQ", "MM", "PS", "CP")]
    assert fixed_rows() == [
        ("A", "MM"),
        ("A", "TQ"),
        ("B", "CP"),
        ("B", "PS"),
        ("C", "PS"),
        ("C", "TQ"),
        ("D", "CP"),
        ("D", "MM"),
    ]
    assert "8 component allocations" in capsys.readouterr().out
    # The rounds' allocation is the fixed one: A scores TQ and MM in every dance.
    final = Round.objects.get(event=event)
    judge_a = event.competition.judges.get(letter="A")
    for by_judge in round_allocation(final).values():
        assert [c.short_name for c in by_judge[judge_a.pk]] == ["TQ", "MM"]


def test_loading_a_component_event_twice_changes_nothing(write, capsys):
    path = write(VALID)
    call_command("load_competition", path)
    capsys.readouterr()

    call_command("load_competition", path)

    assert "Already up to date" in capsys.readouterr().out
    assert len(fixed_rows()) == 8


@pytest.mark.parametrize(
    ("mode", "stored"),
    [("every_judge", AllocationMode.EVERY_JUDGE), ("random", AllocationMode.RANDOM)],
)
def test_allocation_every_judge_or_random_keeps_no_fixed_rows(write, mode, stored):
    text = VALID.replace(
        "allocation: {A: [TQ, MM], B: [PS, CP], C: [Technical Quality, PS], D: [MM, CP]}",
        f"allocation: {mode}",
    )

    call_command("load_competition", write(text))

    assert Event.objects.get().component_allocation == stored
    assert fixed_rows() == []


def test_no_tolerance_or_allocation_given_takes_the_defaults(write):
    text = VALID.replace("    tolerance: 1.2\n", "").replace(
        "    allocation: {A: [TQ, MM], B: [PS, CP], C: [Technical Quality, PS], D: [MM, CP]}\n",
        "",
    )

    call_command("load_competition", write(text))

    event = Event.objects.get()
    assert (event.component_tolerance, event.component_allocation) == (
        Decimal("1.5"),
        AllocationMode.EVERY_JUDGE,
    )


def test_an_edited_allocation_replaces_the_old_one_before_a_round_opens(write, capsys):
    call_command("load_competition", write(VALID))
    capsys.readouterr()

    call_command("load_competition", write(VALID.replace("D: [MM, CP]", "D: [MM, TQ]")))

    assert ("D", "TQ") in fixed_rows() and ("D", "CP") not in fixed_rows()
    assert len(fixed_rows()) == 8
    assert "removed 1 component allocation" in capsys.readouterr().out


def test_an_allocation_cannot_change_once_a_round_has_opened(write):
    call_command("load_competition", write(VALID))
    competition = Competition.objects.get()
    for status in ("registration_open", "registration_closed"):
        Competition.objects.filter(pk=competition.pk).update(status=status)
    final = Round.objects.get()
    final.status = "open"
    final.save(update_fields=["status"])
    before = fixed_rows()

    with pytest.raises(CommandError, match="who scores what cannot change now"):
        call_command("load_competition", write(VALID.replace("D: [MM, CP]", "D: [MM, TQ]")))

    assert fixed_rows() == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("D: [MM, CP]", "E: [MM, CP]"),
            "allocation: Judge E is not on this event's panel.",
        ),
        (("D: [MM, CP]", "D: [MM, XX]"), "allocation: Judge D: no component XX."),
        (
            ("B: [PS, CP], C: [Technical Quality, PS], D: [MM, CP]", "B: [PS], C: [TQ], D: [MM]"),
            "allocation: Nobody scores Choreography and Presentation.",
        ),
        (("allocation: {", "allocation: {Z: 1, "), "allocation: Use every_judge, random"),
        (("tolerance: 1.2", "tolerance: -1"), "tolerance: Ensure this value is greater"),
        (("short_name: MM, weight: 1", "short_name: TQ, weight: 1"), "Short names appear more"),
        (("scoring: components", "scoring: skating"), "Only a component event has components"),
        (("dances: [Waltz, {name: Tango, short_name: T}]", "dances: []"), "needs dances"),
        (
            ("step: 0.5}\n      - {name: Movement", "step: 4}\n      - {name: Movement"),
            "components[0].step: The range is not a whole number of steps.",
        ),
    ],
)
def test_bad_component_events_name_the_field_and_write_nothing(write, change, expected):
    old, new = change
    assert old in VALID

    with pytest.raises(CommandError) as error:
        call_command("load_competition", write(VALID.replace(old, new, 1)))

    assert expected in str(error.value)
    assert not Competition.objects.exists()
    assert not ComponentAllocation.objects.exists()


def test_a_loaded_component_event_opens_with_its_allocation(write):
    call_command("load_competition", write(VALID))
    competition = Competition.objects.get()
    for status in ("registration_open", "registration_closed"):
        Competition.objects.filter(pk=competition.pk).update(status=status)
    final = Round.objects.get()
    round_draw_heats(round=final, heat_count=1, seed=1)

    opened = round_transition(round=final, to_status="open", actor=None)

    assert opened.status == "open"
