"""A component event (AJS style) as the desk, the published pages and PDFs, the live
screens, the exports and the public API show it: a recall round and a final scored,
closed and published through the services (judge D's TQ scores discarded)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from adjudication.results.exports import export_build
from adjudication.results.facts import competition_facts
from adjudication.results.pdf import _judge_table
from competitions.models import Competition
from leaderboard.snapshots import public_snapshot
from tests.adjudication.component_helpers import component_day
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return component_day()


@pytest.fixture
def unpublished():
    """The recall round published, the final closed but not published."""
    return component_day(final_published=False)


def _event_page(client, day):
    url = reverse("leaderboard:event-results", args=[day.competition.slug, day.event.pk])
    return client.get(url).content.decode()


def test_the_published_marks_sheet_shows_each_judges_component_scores_with_the_discarded_marked(
    client, published
):
    page = _event_page(client, published)

    assert "11 Anna Berg &amp; Ben Carr: place 1, total 75.000" in page
    # Judge D's TQ in the Waltz: 3 points below the panel, bracketed and crossed.
    assert "(6.5 ✕)" in page
    assert "discarded" in page
    assert "Tolerance 1.5" in page
    # The ranking: each dance's score, each component's sum, the total.
    assert "<td>38.000</td><td>37.000</td><td>18.750</td>" in page
    # The recall round: the three best by total recalled, the fourth not.
    assert "Ranking and recalls" in page


def test_nothing_of_the_unpublished_final_reaches_the_public(client, unpublished):
    page = _event_page(client, unpublished)
    snapshot = public_snapshot(Competition.objects.get(pk=unpublished.competition.pk))
    api = client.get(
        reverse("api:round-results", args=[unpublished.competition.slug, unpublished.final.pk])
    )
    exported = json.loads(
        export_build(unpublished.competition, fmt="json", published_only=True).decode()
    )

    assert "Ranking and recalls" in page
    assert ">Final</h2>" not in page and ": place 1, total" not in page
    assert [b["round"] for b in snapshot["results"]] == [unpublished.first.pk]
    assert api.status_code == 404
    assert [r["position"] for r in exported["events"][0]["rounds"]] == [1]


def test_the_projector_shows_the_last_dances_component_scores_and_the_total(published):
    snapshot = public_snapshot(Competition.objects.get(pk=published.competition.pk))
    recall, final = snapshot["results"]

    assert recall["type"] == "recalls" and recall["recalled"] == [11, 12, 13]
    assert final["components"] == ["TQ", "MM", "PS", "CP"] and final["dance"] == "Tango"
    first = final["placings"][0]
    assert (first["place"], first["bib"], first["total"]) == ("1", 11, "75.000")
    assert first["scores"][0] == {"component": "TQ", "score": "9.250"}
    assert first["dance_score"] == "37.000"


def test_the_live_page_renders_the_component_columns(client, published):
    page = client.get(reverse("leaderboard:live", args=[published.competition.slug]))

    html = page.content.decode()
    assert 'class="live-score-label">TQ</span><span class="live-score-value">9.250' in html
    assert "Scores of the Tango and the total over the dances" in html


def test_the_public_api_gives_a_component_rounds_marks_sheet_with_the_discarded_scores(
    client, published
):
    response = client.get(
        reverse("api:round-results", args=[published.competition.slug, published.final.pk])
    )

    body = response.json()
    assert body["components"] == ["TQ", "MM", "PS", "CP"]
    assert body["placings"][0]["scores"][3] == {"component": "CP", "score": "9.250"}
    waltz_tq = body["sheet"]["couples"][0]["dances"][0]["components"][0]
    assert waltz_tq["marks"][3] == {"judge": "D", "score": "6.50", "counted": False}
    assert waltz_tq["score"] == "9.500"


def test_the_exports_list_components_marks_by_dance_and_the_tabulated_scores(published):
    data = json.loads(export_build(published.competition, fmt="json").decode())
    rows = list(
        csv.DictReader(io.StringIO(export_build(published.competition, fmt="csv").decode()))
    )

    event = data["events"][0]
    assert event["scoring"] == "components"
    assert [c["short_name"] for c in event["components"]] == ["TQ", "MM", "PS", "CP"]
    assert event["rules"] == {"tolerance": "1.5", "allocation": "every_judge"}
    final = event["rounds"][1]
    assert final["marks"][0] == {
        "judge": "A",
        "dance": "Waltz",
        "entry": "11",
        "criterion": "Technical qualities",
        "value": "9.5",
    }
    assert final["scores"]["couples"][0]["total"] == "75.000"
    assert final["results"][0] == {"entry": "11", "place": "1", "total": "75", "recalled": None}
    mark = next(r for r in rows if r["record"] == "mark" and r["round"] == "2")
    assert (mark["dance"], mark["criterion"], mark["value"]) == (
        "Waltz",
        "Technical qualities",
        "9.5",
    )


def test_a_judges_sheet_to_sign_has_a_column_per_dance_and_component_they_scored(published):
    facts = competition_facts(published.competition, published_only=False)
    judge = published.judges[3]

    table = _judge_table(published.event, published.final, judge, facts)

    assert table.header[:4] == ["Couple", "Name", "W TQ", "W MM"]
    assert table.header[-1] == "T CP"
    assert table.rows[0][:3] == ["11", "Anna Berg & Ben Carr", "6.5"]


def test_the_desk_shows_who_scores_what_and_the_tabulated_component_sheet(client, published):
    sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))

    page = client.get(reverse("adjudication:desk-round", args=[published.final.pk]))

    html = page.content.decode()
    assert "Who scores what" in html
    assert "<td>TQ MM PS CP</td>" in html
    assert "11 Anna Berg &amp; Ben Carr: place 1, total 75.000" in html
    assert "(6.5 ✕)" in html


def test_the_desks_component_sheet_is_not_for_judges_or_the_public(client, published):
    url = reverse("adjudication:desk-round", args=[published.final.pk])

    assert client.get(url).status_code == 302
    client.force_login(UserFactory(roles=["judge"]))
    assert client.get(url).status_code == 403
