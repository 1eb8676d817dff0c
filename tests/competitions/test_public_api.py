import pytest
from django.urls import reverse

from competitions.models import Competition, Competitor, Entry
from tests.adjudication.day import build_day
from tests.factories.competitions import CompetitionFactory, CriteriaEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def test_competitions_list_leaves_drafts_out(client, day):
    CompetitionFactory(slug="secret-draft")  # a draft

    response = client.get(reverse("api:competitions"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [c["slug"] for c in body["results"]] == [day.competition.slug]
    assert body["results"][0]["event_count"] == 1


def test_a_draft_competition_is_not_found(client):
    draft = CompetitionFactory()

    response = client.get(reverse("api:competition", args=[draft.slug]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_competitions_are_filtered_and_paginated(client):
    for n in range(3):
        competition = CompetitionFactory(slug=f"c{n}")
        Competition.objects.filter(pk=competition.pk).update(status="registration_open")

    page = client.get(reverse("api:competitions"), {"page_size": 2, "status": "registration_open"})
    second = client.get(page.json()["next"])
    none = client.get(reverse("api:competitions"), {"status": "in_progress"})

    assert page.json()["count"] == 3
    assert len(page.json()["results"]) == 2
    assert len(second.json()["results"]) == 1
    assert none.json()["count"] == 0


@pytest.mark.parametrize(
    "query, field",
    [({"status": "draft"}, "status"), ({"starts_after": "tomorrow"}, "starts_after")],
)
def test_a_bad_filter_is_invalid_in_the_error_shape(client, query, field):
    response = client.get(reverse("api:competitions"), query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]


def test_a_page_past_the_end_is_not_found(client, day):
    response = client.get(reverse("api:competitions"), {"page": 9})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_competition_detail_lists_the_programme(client, day):
    response = client.get(reverse("api:competition", args=[day.competition.slug]))

    assert response.status_code == 200
    assert response.json()["events"] == [
        {
            "id": day.event.pk,
            "name": "Adult Latin",
            "position": day.event.position,
            "style": day.event.style,
            "scoring_method": "skating",
        }
    ]


def test_events_show_dances_panel_and_rounds(client, day):
    response = client.get(reverse("api:events", args=[day.competition.slug]))

    event = response.json()["results"][0]
    assert [d["name"] for d in event["dances"]] == ["Samba", "Rumba"]
    assert [j["letter"] for j in event["panel"]] == ["A", "B", "C"]
    assert [(r["kind"], r["status"]) for r in event["rounds"]] == [
        ("first", "open"),
        ("final", "planned"),
    ]
    assert event["entry_count"] == 8


def test_withdrawn_entries_are_not_counted(client, day):
    Entry.objects.filter(pk=day.entries()[0].pk).update(withdrawn=True)

    response = client.get(reverse("api:event", args=[day.competition.slug, day.event.pk]))

    assert response.json()["entry_count"] == 7


def test_events_filter_by_scoring_method(client, day):
    CriteriaEventFactory(competition=day.competition, name="Pageant")

    criteria = client.get(
        reverse("api:events", args=[day.competition.slug]), {"scoring_method": "criteria"}
    )

    assert [e["name"] for e in criteria.json()["results"]] == ["Pageant"]


def test_an_event_of_another_competition_is_not_found(client, day):
    other = build_day()

    response = client.get(reverse("api:event", args=[day.competition.slug, other.event.pk]))

    assert response.status_code == 404


def test_rounds_filter_by_status(client, day):
    response = client.get(reverse("api:rounds", args=[day.competition.slug]), {"status": "open"})

    assert [r["id"] for r in response.json()["results"]] == [day.first.pk]
    assert response.json()["results"][0]["heat_count"] == 1


def test_a_round_shows_its_heats_with_bibs_and_names(client, day):
    response = client.get(reverse("api:round", args=[day.competition.slug, day.first.pk]))
    heats = client.get(reverse("api:heats", args=[day.competition.slug, day.first.pk]))

    entries = response.json()["heats"][0]["entries"]
    assert len(entries) == 8
    assert [e["bib"] for e in entries] == sorted(e["bib"] for e in entries)
    assert entries[0]["name"].startswith("Leader")
    assert heats.json() == response.json()["heats"]


def test_public_reads_carry_an_etag_and_answer_304_while_unchanged(client, day):
    url = reverse("api:round", args=[day.competition.slug, day.first.pk])
    first = client.get(url)

    same = client.get(url, headers={"If-None-Match": first["ETag"]})
    Competitor.objects.filter(pk=day.entries()[0].competitor_id).update(club="Renamed")
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    assert "no-cache" in first["Cache-Control"]
    assert same.status_code == 304
    assert same.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_a_token_is_ignored_on_public_reads(client, day):
    response = client.get(
        reverse("api:competitions"), headers={"Authorization": "Bearer not-a-token"}
    )

    assert response.status_code == 200


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/competitions/x/rounds/123456789012345678901/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_public_lists_take_a_fixed_number_of_queries(client, day, django_assert_max_num_queries):
    for n in range(3):
        CriteriaEventFactory(competition=day.competition, name=f"Pageant {n}")

    with django_assert_max_num_queries(8):
        response = client.get(reverse("api:events", args=[day.competition.slug]))

    assert response.json()["count"] == 4
