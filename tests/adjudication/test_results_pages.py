"""The published results pages: every published round with each judge's marks, the
finals' marks sheets checked against the tabulation library fed from the stored
marks here in the test, nothing unpublished, judge names per the organizer's choice,
and a fixed number of queries however many events and rounds there are."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from adjudication import tabulation
from adjudication.models import Mark
from adjudication.services import round_publish
from competitions.models import Competition, Judge
from tests.adjudication.results_helpers import (
    criteria_event_published,
    final_sheets,
    published_day,
    recall_round_published,
)
from tests.factories.competitions import EventFactory
from tests.leaderboard.helpers import quiet, quiet_day

pytestmark = pytest.mark.django_db


def pageants(count):
    def add(day):
        for n in range(count):
            criteria_event_published(day.competition, day.judges, name=f"Pageant {n}", seed=n)

    return add


class _Tables(HTMLParser):
    """Every table of a page as (caption, rows of cell texts)."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            caption = "".join(self._caption or []).strip()
            self.tables[-1] = (caption, self.tables[-1][1])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def tables_of(response) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return dict(parser.tables)


def page(client, competition, event):
    return client.get(reverse("leaderboard:event-results", args=[competition.slug, event.pk]))


def stored_final(day):
    """The final's marks from the database, tabulated by the library (not by the code
    under test): bib -> judge's marks per dance."""
    letters = [j.letter for j in sorted(day.judges, key=lambda j: j.letter)]
    bibs = {e.pk: str(e.competitor.bib) for e in day.entries(day.final)}
    table = {d.name: {bib: [0] * len(letters) for bib in bibs.values()} for d in day.dances}
    for letter, dance, entry_id, value in Mark.objects.filter(sheet__round=day.final).values_list(
        "sheet__judge__letter", "sheet__dance__name", "entry_id", "value"
    ):
        table[dance][bibs[entry_id]][letters.index(letter)] = int(value)
    return tabulation.tabulate_final(table, judges=letters)


def test_the_final_marks_sheet_matches_the_tabulation_library(client):
    day = published_day(seed=4)
    expected = stored_final(day)

    response = page(client, day.competition, day.event)

    assert response.status_code == 200
    tables = tables_of(response)
    for dance in expected.dances:
        caption = (
            f"{dance.dance}: {len(dance.placings)} couples, {dance.judges} judges, "
            f"majority {dance.majority}"
        )
        rows = tables[caption]
        assert rows[0][: 1 + len(expected.judges)] == ["Couple", *expected.judges]
        for placing, row in zip(dance.ranking(), rows[1:], strict=True):
            assert row[0] == placing.couple
            assert row[1 : 1 + len(placing.marks)] == [str(m) for m in placing.marks]
            assert row[-2:] == [tabulation.place_text(placing.place), placing.rule]
            cells = row[1 + len(placing.marks) : -2]
            for cell, shown in zip(placing.cells, cells, strict=True):
                if not cell.examined:
                    assert shown == "-"
                elif cell.total_used:
                    assert shown == f"{cell.count}({cell.total})"
                else:
                    assert shown == str(cell.count)
    summary = tables["Summary (rule 9: lowest total of places first)"]
    assert [r[0] for r in summary[1:]] == [row.couple for row in expected.ranking()]
    assert [r[-2:] for r in summary[1:]] == [
        [tabulation.place_text(row.place), row.rule] for row in expected.ranking()
    ]
    results = tables["Results"]
    finalists = {row.couple: tabulation.place_text(row.place) for row in expected.summary}
    assert {r[1]: r[0] for r in results[1:] if r[1] in finalists} == finalists


def test_the_recall_round_shows_every_judges_crosses(client):
    day = published_day(seed=2)

    tables = tables_of(page(client, day.competition, day.event))

    rows = next(rows for caption, rows in tables.items() if caption.startswith("Recall marks"))
    by_bib = {row[0]: row for row in rows[1:]}
    marks = Mark.objects.filter(sheet__round=day.first).values_list(
        "sheet__judge__letter", "sheet__dance__position", "entry__competitor__bib"
    )
    expected: dict[tuple[str, int], str] = {}
    for letter, position, bib in marks:
        expected[(str(bib), position)] = "".join(
            sorted(expected.get((str(bib), position), "") + letter)
        )
    for (bib, position), letters in expected.items():
        assert by_bib[bib][position] == letters
    recalled = {
        str(p.entry.competitor.bib)
        for p in day.first.placings.select_related("entry__competitor")
        if p.recalled
    }
    assert {bib for bib, row in by_bib.items() if row[-1] == "yes"} == recalled


def test_a_round_not_yet_published_shows_nothing_of_its_marks(client):
    day = recall_round_published(quiet_day(), seed=3)
    final_sheets(day, seed=3)  # closed, not published

    response = page(client, day.competition, day.event)

    text = response.content.decode()
    assert response.status_code == 200
    assert "First round" in text
    assert "Final" not in text and "majority" not in text
    assert "Summary" not in text


def test_criteria_marks_show_each_judges_scores_and_weights(client):
    events = []
    day = published_day(
        extra=lambda d: events.append(
            criteria_event_published(d.competition, d.judges[:2], entries=3)
        )
    )
    event = events[0]

    tables = tables_of(page(client, day.competition, event))

    assert tables["Criteria"][1:] == [["Gown", "1", "0–10", "0.5"], ["Talent", "2", "0–10", "0.5"]]
    ranking = tables["Ranking"][1:]
    assert [r[0] for r in ranking] == ["1", "2", "3"] or len({r[3] for r in ranking}) < 3
    for _, rows in (item for item in tables.items() if " total " in item[0]):
        judges = {row[0]: row for row in rows[1:3]}
        assert set(judges) == {"A", "B"}
        for row in judges.values():
            assert float(row[3]) == pytest.approx(float(row[1]) + 2 * float(row[2]))


@pytest.mark.parametrize("public", [True, False])
def test_judge_names_are_shown_or_letters_only(client, public):
    day = published_day()
    Competition.objects.filter(pk=day.competition.pk).update(judge_names_public=public)

    text = page(client, day.competition, day.event).content.decode()

    for judge in Judge.objects.filter(competition=day.competition):
        assert f"<strong>{judge.letter}</strong>" in text
        assert (judge.name in text) == public


def test_unknown_event_or_draft_competition_is_404(client):
    day = published_day()
    other = quiet_day()
    draft = EventFactory()

    assert page(client, other.competition, day.event).status_code == 404
    assert page(client, draft.competition, draft).status_code == 404


def test_the_results_page_is_publicly_cacheable_and_linked_from_the_phone_page(client):
    day = published_day()

    response = page(client, day.competition, day.event)
    phone = client.get(reverse("leaderboard:results", args=[day.competition.slug])).content.decode()

    assert "public" in response["Cache-Control"] and "max-age=30" in response["Cache-Control"]
    assert reverse("leaderboard:event-results", args=[day.competition.slug, day.event.pk]) in phone
    assert "2 of 2 rounds published" in phone


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        response = callable_()
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_no_n_plus_1_with_one_or_many_events_and_rounds(client):
    small = published_day(couples=8, seed=1)  # one event
    big = published_day(couples=12, recall=6, seed=5, extra=pageants(2))  # three events
    pageant = big.competition.events.get(name="Pageant 0")  # one round, three entries

    one = _queries(lambda: page(client, big.competition, pageant))
    many = _queries(lambda: page(client, big.competition, big.event))  # two rounds, 12 couples
    phone_one = _queries(
        lambda: client.get(reverse("leaderboard:results", args=[small.competition.slug]))
    )
    phone_many = _queries(
        lambda: client.get(reverse("leaderboard:results", args=[big.competition.slug]))
    )

    assert one == many
    assert phone_one == phone_many


def test_no_n_plus_1_in_the_sheets_of_a_whole_competition(django_assert_num_queries):
    from adjudication.results.tables import competition_results

    small = published_day(seed=1)
    big = published_day(couples=12, seed=2, extra=pageants(3))

    with CaptureQueriesContext(connection) as one:
        competition_results(small.competition)
    with django_assert_num_queries(len(one.captured_queries)):
        sheets = competition_results(big.competition)
    assert len(sheets.events) == 4


def test_a_cached_page_is_the_same_for_everyone_and_follows_publication(client, admin_client):
    day = recall_round_published(quiet_day(), seed=1)
    url = reverse("leaderboard:event-results", args=[day.competition.slug, day.event.pk])

    staff_first = admin_client.get(url).content.decode()
    anonymous = client.get(url).content.decode()
    final_sheets(day, seed=1)
    with quiet():
        round_publish(round=day.final, actor=None)
    after = client.get(url).content.decode()

    assert anonymous == staff_first and "/admin/" not in anonymous
    assert "Summary" not in anonymous and "Summary" in after
