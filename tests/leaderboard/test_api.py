import pytest
from django.urls import reverse

from adjudication.services import round_close, round_publish
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.factories.competitions import CompetitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def results(client, day, **query):
    return client.get(reverse("api:results", args=[day.competition.slug]), query)


def round_results(client, day, round_):
    return client.get(reverse("api:round-results", args=[day.competition.slug, round_.pk]))


def test_nothing_is_shown_before_the_round_is_published(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)

    listed = results(client, day)
    one = round_results(client, day, day.first)
    live = client.get(reverse("api:live", args=[day.competition.slug]))

    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert one.status_code == 404
    assert one.json()["code"] == "not_published"
    assert live.json()["results"] == []
    assert "total" not in str(live.json()["floor"])


def test_published_recalls_are_listed_by_bib(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    round_publish(round=day.first, actor=None)

    listed = results(client, day)
    one = round_results(client, day, day.first)

    block = listed.json()["results"][0]
    recalled = sorted(e.competitor.bib for e in day.entries()[:6])
    assert block["type"] == "recalls"
    assert block["recalled"] == recalled
    assert "placings" not in block
    assert one.json() == block


def test_results_filter_by_event(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    round_publish(round=day.first, actor=None)

    other = results(client, day, event=day.event.pk + 1000)
    bad = results(client, day, event="latin")

    assert other.json()["count"] == 0
    assert bad.status_code == 400
    assert "event" in bad.json()["errors"]


def test_a_published_final_lists_places_without_a_skating_total(client, day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    finalists = day.entries(day.final)
    for judge in day.judges:
        for dance in day.dances:
            places = {e.pk: n for n, e in enumerate(finalists, 1)}
            day.send(judge, dance, places, round_=day.final)
    round_close(round=day.final, actor=None)
    round_publish(round=day.final, actor=None)

    one = round_results(client, day, day.final)
    listed = results(client, day)

    placings = one.json()["placings"]
    assert [p["place"] for p in placings] == ["1", "2", "3", "4", "5", "6"]
    assert placings[0]["bib"] == finalists[0].competitor.bib
    assert {p["total"] for p in placings} == {None}
    assert [b["type"] for b in listed.json()["results"]] == ["recalls", "placings"]


def test_live_shows_sheets_in_but_never_marks(client, day):
    all_recall_sheets(day)

    live = client.get(reverse("api:live", args=[day.competition.slug]))

    floor = live.json()["floor"][0]
    assert floor["sheets_in"] == floor["sheets_due"] == 6
    assert "running" not in floor
    assert live.json()["results"] == []


def test_a_drafts_results_are_not_found(client):
    draft = CompetitionFactory()

    response = client.get(reverse("api:results", args=[draft.slug]))

    assert response.status_code == 404


def test_live_answers_304_while_nothing_changed(client, day):
    url = reverse("api:live", args=[day.competition.slug])
    first = client.get(url)

    same = client.get(url, headers={"If-None-Match": first["ETag"]})
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})

    assert "server_time" not in first.json()
    assert same.status_code == 304
    assert changed.status_code == 200
    assert changed.json()["floor"][0]["sheets_in"] == 1
