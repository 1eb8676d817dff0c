"""Recalls stay private until published: closing a recall round draws the next round,
and no public path shows that round's heats, heat count or bibs until the scrutineer
publishes the round before; the desk sees them all along."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.urls import reverse

from adjudication.results.exports import export_build
from adjudication.services import round_close, round_publish
from competitions.models import HeatEntry
from leaderboard.broadcast import relays
from tests.adjudication.day import all_recall_sheets
from tests.adjudication.test_exports import pdf_text
from tests.factories.accounts import UserFactory
from tests.leaderboard.helpers import quiet, quiet_day
from tests.support.auth import sign_in_staff


def closed_day():
    """The first round closed with its recalls unpublished; the final drawn from them."""
    day = quiet_day()
    with quiet():
        all_recall_sheets(day)
        round_close(round=day.first, actor=None, seed=3)
    day.final.refresh_from_db()
    return day


def publish(day):
    with quiet():
        round_publish(round=day.first, actor=None)
    # The public snapshot is cached per push number, and no push is made here.
    cache.clear()


def final_bibs(day) -> list[int]:
    return sorted(
        HeatEntry.objects.filter(heat__round=day.final).values_list(
            "entry__competitor__bib", flat=True
        )
    )


def after(text: str, marker: str) -> str:
    assert marker in text
    return text[text.index(marker) :]


@pytest.mark.django_db
def test_heats_api_of_the_next_round_is_empty_until_the_recalls_are_published(client):
    day = closed_day()
    url = reverse("api:heats", args=[day.competition.slug, day.final.pk])

    before = client.get(url).json()
    publish(day)
    shown = client.get(url).json()

    assert before == []
    assert len(final_bibs(day)) == 6
    assert sorted(e["bib"] for heat in shown for e in heat["entries"]) == final_bibs(day)


@pytest.mark.django_db
def test_rounds_api_gives_no_heat_count_or_heats_until_the_recalls_are_published(client):
    day = closed_day()
    slug = day.competition.slug
    rounds_url = reverse("api:rounds", args=[slug])
    round_url = reverse("api:round", args=[slug, day.final.pk])

    listed = {r["id"]: r for r in client.get(rounds_url).json()["results"]}
    detail = client.get(round_url).json()
    publish(day)
    listed_after = {r["id"]: r for r in client.get(rounds_url).json()["results"]}
    detail_after = client.get(round_url).json()

    assert listed[day.first.pk]["heat_count"] == 1
    assert listed[day.final.pk]["heat_count"] == 0
    assert (detail["heat_count"], detail["heats"]) == (0, [])
    assert listed_after[day.final.pk]["heat_count"] == 1
    assert detail_after["heat_count"] == 1
    bibs = sorted(e["bib"] for e in detail_after["heats"][0]["entries"])
    assert bibs == final_bibs(day)


@pytest.mark.django_db
def test_competition_page_shows_the_next_round_without_heats_until_published(client):
    day = closed_day()
    url = reverse("competitions:competition-detail", args=[day.competition.slug])

    before = after(client.get(url).content.decode(), "<h3>Final")
    publish(day)
    shown = after(client.get(url).content.decode(), "<h3>Final")

    assert "Heats to be drawn." in before
    assert "Heat 1:" not in before
    assert "Heat 1:" in shown
    assert all(f'<span class="bib">{bib}</span>' in shown for bib in final_bibs(day))


@pytest.mark.django_db
def test_running_order_page_lists_no_bibs_of_the_next_round_until_published(client):
    day = closed_day()
    url = reverse("competitions:running-order", args=[day.competition.slug])

    # The final's own section (the timetable at the page's head names it first).
    before = after(client.get(url).content.decode(), "Adult Latin – Final</h2>")
    publish(day)
    shown = after(client.get(url).content.decode(), "Adult Latin – Final</h2>")

    assert "Heats to be drawn after the round before." in before
    assert "ro-heats" not in before
    assert "ro-heats" in shown
    assert all(f"<strong>{bib}</strong>" in shown for bib in final_bibs(day))


@pytest.mark.django_db
def test_running_order_pdf_lists_the_next_round_as_to_be_drawn_until_published():
    day = closed_day()

    before = pdf_text(export_build(day.competition, fmt="pdf", report="running-order"))
    publish(day)
    shown = pdf_text(export_build(day.competition, fmt="pdf", report="running-order"))

    assert "Adult Latin – Final (heats to be drawn)" in before
    assert "Round 2: Final" not in before
    assert "(heats to be drawn)" not in shown
    final = after(shown, "Adult Latin · Round 2: Final")
    names = HeatEntry.objects.filter(heat__round=day.final).values_list(
        "entry__competitor__name", flat=True
    )
    assert all(name in final for name in names)


@pytest.mark.django_db
def test_timetable_api_gives_no_slots_or_bibs_of_the_next_round_until_published(client):
    day = closed_day()
    url = reverse("api:timetable", args=[day.competition.slug])

    def final_line():
        lines = client.get(url).json()["lines"]
        return next(line for line in lines if line["round"] == day.final.pk)

    before = final_line()
    publish(day)
    shown = final_line()

    assert (before["drawn"], before["slots"]) == (False, [])
    assert shown["drawn"] is True
    assert all(sorted(slot["bibs"]) == final_bibs(day) for slot in shown["slots"])
    assert len(shown["slots"]) == len(day.dances)


@pytest.mark.django_db
def test_live_screens_and_snapshots_call_the_next_round_to_be_drawn_until_published(client):
    day = closed_day()
    slug = day.competition.slug
    snapshots = [
        reverse("leaderboard:live-snapshot", args=[slug]),
        reverse("api:live", args=[slug]),
    ]
    pages = [reverse("leaderboard:live", args=[slug]), reverse("leaderboard:results", args=[slug])]
    line = "<strong>Adult Latin</strong> · Final (to be drawn)"

    def nexts():
        return [
            next(item for item in client.get(url).json()["next"] if item["round"] == day.final.pk)
            for url in snapshots
        ]

    before = nexts()
    before_pages = [client.get(url).content.decode() for url in pages]
    publish(day)
    shown = nexts()
    shown_pages = [client.get(url).content.decode() for url in pages]

    assert [item["drawn"] for item in before] == [False, False]
    assert all(line in page for page in before_pages)
    assert [item["drawn"] for item in shown] == [True, True]
    assert not any(line in page for page in shown_pages)


@pytest.mark.django_db(transaction=True)
def test_public_socket_calls_the_next_round_to_be_drawn_until_the_publication_pushes_it():
    from scoring_site.asgi import application

    day = closed_day()

    async def body():
        communicator = WebsocketCommunicator(
            application,
            f"/ws/live/{day.competition.slug}/",
            headers=[(b"origin", b"http://testserver")],
        )
        await communicator.connect()
        snapshot = json.loads(await communicator.receive_from(timeout=3))
        await database_sync_to_async(round_publish)(round=day.first, actor=None)
        update = json.loads(await communicator.receive_from(timeout=3))
        await communicator.disconnect()

        def final(message):
            return next(item for item in message["next"] if item["round"] == day.final.pk)

        assert final(snapshot)["drawn"] is False
        assert update["kinds"] == ["round.published"]
        assert final(update)["drawn"] is True

    async_to_sync(body)()
    relays.drain_background()


@pytest.mark.django_db
def test_desk_sees_the_next_rounds_heats_before_the_recalls_are_published(client):
    day = closed_day()
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))

    page = client.get(reverse("adjudication:desk-day", args=[day.competition.slug]))

    assert page.status_code == 200
    final = after(page.content.decode(), "<strong>Adult Latin – Final</strong>")
    assert "Samba · heat 1: " + " ".join(map(str, final_bibs(day))) in final
