import json
import textwrap

import pytest
from django.core.management import CommandError, call_command

from competitions.models import Competition, Competitor, Criterion, Entry, PanelSeat, Round

pytestmark = pytest.mark.django_db

VALID = textwrap.dedent(
    """
    competition:
      name: Spring Open
      slug: spring-open
      venue: Town Hall
      starts_on: 2027-04-10
      timezone: Europe/Berlin
      registration_opens_at: 2027-01-01T09:00:00+01:00
      registration_closes_at: 2027-04-01T23:59:00+02:00
    judges:
      - {letter: A, name: Ann Adams}
      - {letter: B, name: Ben Brown, email: ben@example.org}
      - {letter: C, name: Cleo Clark, country: DE}
    events:
      - name: Adult Latin
        style: latin
        scoring: skating
        entry_limit: 24
        dances: [Samba, {name: Cha Cha Cha, short_name: C}, Rumba]
        panel: [A, B, C]
        rounds: [{kind: first, recall: 6}, {kind: final}]
      - name: Choir Cup
        style: choir
        scoring: criteria
        entry_kind: group
        criteria:
          - {name: Intonation, weight: 2, min: 0, max: 10, step: 0.5}
          - {name: Interpretation, weight: 1}
        panel: [A, C]
    competitors:
      - {name: Tom Lee, partner: Ava Kim, club: Stars, country: GB, events: [Adult Latin]}
      - {bib: 12, name: Max Roth, partner: Eva Roth, events: [Adult Latin]}
      - {kind: group, name: Voices of Kent, members: [Ann, Bea], events: [Choir Cup]}
    """
)


@pytest.fixture
def write(tmp_path):
    def _write(text, name="competition.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return _write


def snapshot():
    """Everything the loader writes, to compare before and after."""
    return {
        model.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in ("updated_at",)))
            for row in model.objects.values()
        )
        for model in (Competition, Competitor, Criterion, Entry, PanelSeat, Round)
    }


def test_load_creates_the_whole_competition(write, capsys):
    call_command("load_competition", write(VALID))

    competition = Competition.objects.get(slug="spring-open")
    latin = competition.events.get(name="Adult Latin")
    choir = competition.events.get(name="Choir Cup")
    assert competition.ends_on == competition.starts_on
    assert list(latin.dances.values_list("name", "position")) == [
        ("Samba", 1),
        ("Cha Cha Cha", 2),
        ("Rumba", 3),
    ]
    assert list(choir.criteria.values_list("name", "weight")) == [
        ("Intonation", 2),
        ("Interpretation", 1),
    ]
    assert list(latin.panel.values_list("judge__letter", flat=True)) == ["A", "B", "C"]
    assert list(latin.rounds.values_list("kind", "recall_count")) == [
        ("first", 6),
        ("final", None),
    ]
    assert latin.entries.count() == 2
    assert competition.competitors.get(bib=12).display_name == "Max Roth & Eva Roth"
    assert "Loaded Spring Open" in capsys.readouterr().out


def test_loading_the_same_file_twice_changes_nothing(write, capsys):
    path = write(VALID)
    call_command("load_competition", path)
    before = snapshot()

    call_command("load_competition", path)

    assert snapshot() == before
    assert "Already up to date" in capsys.readouterr().out


def test_loading_an_edited_file_updates_in_place(write):
    call_command("load_competition", write(VALID))
    edited = VALID.replace("name: Ben Brown", "name: Benjamin Brown").replace(
        "entry_limit: 24", "entry_limit: 30"
    )

    call_command("load_competition", write(edited))

    competition = Competition.objects.get(slug="spring-open")
    assert competition.judges.get(letter="B").name == "Benjamin Brown"
    assert competition.events.get(name="Adult Latin").entry_limit == 30
    assert competition.judges.count() == 3


def test_json_files_load_too(write):
    import yaml

    path = write(json.dumps(yaml.safe_load(VALID), default=str), name="competition.json")

    call_command("load_competition", path)

    assert Competition.objects.filter(slug="spring-open").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("country: DE", "country: Germany"),
            "judges[2] “Cleo Clark”.country: Use the country's ISO code",
        ),
        (("panel: [A, B, C]", "panel: [A, B, Z]"), "events[0] “Adult Latin”.panel: No judge"),
        (
            ("events: [Choir Cup]", "events: [Choir Cpu]"),
            "competitors[2] “Voices of Kent”.events: There is no event called “Choir Cpu”",
        ),
        (
            ("partner: Eva Roth, ", ""),
            "competitors[1] “Max Roth”.partner: A couple needs the partner's name.",
        ),
        (("weight: 2,", "weight: 0,"), "criteria[0].weight: The weight must be greater than 0"),
        (("step: 0.5}", "step: 3}"), "criteria[0].step: The range is not a whole number"),
        (("{letter: B,", "{letter: A,"), "judges: Judge letters appear more than once: A"),
        (("starts_on: 2027-04-10", "starts_on: 10/04/2027"), "competition.starts_on:"),
        (("{kind: first, recall: 6}, ", ""), None),  # a direct final is fine
        (("{kind: first, recall: 6}", "{kind: first}"), "rounds[0].recall: Say how many"),
        (
            ("events: [Adult Latin]}\n  - {kind: group", "events: [Choir Cup]}\n  - {kind: group"),
            "“Choir Cup” takes group entries, not couple",
        ),
    ],
)
def test_bad_files_name_the_field_and_entry_and_write_nothing(write, change, expected):
    old, new = change
    assert old in VALID
    path = write(VALID.replace(old, new, 1))

    if expected is None:
        call_command("load_competition", path)
        return
    with pytest.raises(CommandError) as error:
        call_command("load_competition", path)

    assert expected in str(error.value)
    assert "Nothing was loaded" in str(error.value)
    assert not Competition.objects.exists()
    assert not Competitor.objects.exists()


def test_not_yaml_is_refused(write):
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("load_competition", write("competition: [unclosed"))


def test_missing_file_is_refused():
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_competition", "/nonexistent/podium.yaml")


def test_wrong_shape_is_refused(write):
    with pytest.raises(CommandError, match="top level must be a mapping"):
        call_command("load_competition", write("- just\n- a list\n"))


def test_missing_sections_are_named(write):
    with pytest.raises(CommandError) as error:
        call_command("load_competition", write("competition: {name: X}\n"))

    message = str(error.value)
    assert "competition.slug: This field is required." in message
    assert "events: This field is required." in message


def test_a_late_fault_rolls_back_everything_written_before_it(write):
    call_command("load_competition", write(VALID))
    before = snapshot()
    # The judge's new name is written first; the choir turning solo is refused later
    # by the database (a competitor with entries keeps its kind).
    edited = (
        VALID.replace("name: Ben Brown", "name: Benjamin Brown")
        .replace("entry_kind: group", "entry_kind: solo")
        .replace(
            "{kind: group, name: Voices of Kent, members: [Ann, Bea],",
            "{kind: solo, name: Voices of Kent,",
        )
    )

    with pytest.raises(CommandError) as error:
        call_command("load_competition", write(edited))

    assert "refused by the database" in str(error.value)
    assert snapshot() == before
    assert Competition.objects.get().judges.get(letter="B").name == "Ben Brown"


def test_loading_into_a_started_competition_is_refused(write):
    call_command("load_competition", write(VALID))
    Competition.objects.filter(slug="spring-open").update(status="registration_open")
    Competition.objects.filter(slug="spring-open").update(status="registration_closed")
    Competition.objects.filter(slug="spring-open").update(status="in_progress")

    with pytest.raises(CommandError, match="can be loaded only before it starts"):
        call_command("load_competition", write(VALID.replace("Ann Adams", "Ann Other")))

    assert Competition.objects.get().judges.get(letter="A").name == "Ann Adams"


def test_loaded_entries_hold_their_places(write):
    call_command("load_competition", write(VALID))
    call_command("load_competition", write(VALID))

    competition = Competition.objects.get(slug="spring-open")
    latin = competition.events.get(name="Adult Latin")
    assert latin.entries_taken == latin.entries.count() == 2
    assert competition.entries_taken == Entry.objects.count() == 3


def test_more_entries_than_an_events_limit_are_refused(write):
    full = VALID.replace("entry_limit: 24", "entry_limit: 1")

    with pytest.raises(CommandError) as error:
        call_command("load_competition", write(full))

    assert "competitors[1] “Max Roth”.events: “Adult Latin” is full (1 entries)" in str(error.value)
    assert not Competition.objects.exists()


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "deep.json", "nested too deeply"),
        ('{"competition": ' + "9" * 5000 + "}", "long.json", "not valid JSON"),
    ],
)
def test_unreadable_json_is_refused_with_a_message(write, text, name, expected):
    with pytest.raises(CommandError, match=expected):
        call_command("load_competition", write(text, name=name))
    assert not Competition.objects.exists()
