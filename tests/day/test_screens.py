"""The floor on every screen: the public snapshot (projector and phones), the judge's
tablet (the sheet to fill now, its countdown) and nothing private on public ones."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from adjudication.day.floor import floor_move
from adjudication.models import TabletSession
from adjudication.tablet.sessions import tablet_code_issue
from adjudication.tablet.snapshot import tablet_snapshot
from leaderboard.snapshots import public_snapshot
from tests.day.helpers import build_programme

pytestmark = pytest.mark.django_db


def sign_in(client, p, judge):
    Group.objects.get_or_create(name="judge")
    code = tablet_code_issue(judge=judge, actor=None)
    client.post(
        reverse("adjudication:tablet-sign-in"),
        {"competition": p.competition.slug, "letter": judge.letter, "code": code},
    )
    judge.refresh_from_db()
    return TabletSession.objects.get(judge=judge)


def test_the_public_snapshot_says_what_is_on_the_floor_and_what_comes_next():
    p = build_programme(timers=True)
    floor_move(competition=p.competition, action="next", actor=None)
    first = p.round(p.latin)
    heat = sorted(
        he.entry.competitor.bib
        for he in first.heats.get(number=1).heat_entries.select_related("entry__competitor")
    )

    snapshot = public_snapshot(p.competition)

    now = snapshot["now"]
    assert now["phase"] == "dancing"
    assert now["label"] == "Adult Latin – First round · Samba · heat 1"
    assert (now["event"], now["kind_label"], now["heat"]) == ("Adult Latin", "First round", 1)
    assert now["bibs"] == heat
    started = dt.datetime.fromisoformat(now["started_at"])
    assert dt.datetime.fromisoformat(now["performance_ends_at"]) == started + dt.timedelta(
        seconds=90
    )
    assert "late" not in now
    assert [item["title"] for item in snapshot["next"]] == [
        "Adult Latin – Final",
        "Junior Waltz – Final",
        "Pageant – Final",
    ]
    assert snapshot["next"][0]["drawn"] is False
    assert all(item["starts"] for item in snapshot["next"])


def test_public_screens_never_hear_which_judges_are_late():
    p = build_programme(timers=True)
    pageant = p.round(p.pageant)
    performer = pageant.heats.get().heat_entries.first().entry
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    floor_move(
        competition=p.competition,
        action="start",
        actor=None,
        round_id=pageant.pk,
        entry_id=performer.pk,
        at=long_ago,
    )
    floor_move(competition=p.competition, action="danced", actor=None, at=long_ago)

    text = json.dumps(public_snapshot(p.competition))

    assert '"late"' not in text
    for judge in p.judges:
        assert judge.name not in text


def test_the_tablet_is_told_which_sheet_to_fill_now(client):
    p = build_programme(timers=True)
    judge = p.judges[1]
    tablet = sign_in(client, p, judge)
    floor_move(competition=p.competition, action="next", actor=None)
    first = p.round(p.latin)
    samba = p.latin.dances.get(name="Samba")

    snapshot = tablet_snapshot(
        session_key=tablet.session_key, tablet_id=tablet.pk, user_id=judge.user_id
    )

    floor = snapshot["floor"]
    assert floor["sheet_url"] == reverse(
        "adjudication:tablet-sheet", args=[first.pk, f"d{samba.pk}"]
    )
    assert floor["sheet_state"] == "to_send"
    assert floor["performance_ends_at"]
    # What the sheet page's countdown needs, so an open page re-arms it from each push.
    assert floor["timer"] == {"label": "Performance", "deadline": floor["performance_ends_at"]}
    assert dt.datetime.fromisoformat(snapshot["server_time"]) <= timezone.now()
    page = client.get(floor["sheet_url"]).content.decode()
    assert 'data-deadline="' + floor["timer"]["deadline"] + '"' in page
    assert 'data-timer-label="Performance"' in page
    assert "countdown.js" in page


def test_the_tablet_snapshot_carries_the_scoring_window_then_the_next_heat_s_window(client):
    p = build_programme(timers=True)
    judge = p.judges[0]
    tablet = sign_in(client, p, judge)
    first = p.round(p.latin)
    samba = p.latin.dances.get(name="Samba")
    started = timezone.now() - dt.timedelta(seconds=120)
    move = {"competition": p.competition, "actor": None}
    heat = {"round_id": first.pk, "dance_id": samba.pk}
    floor_move(**move, action="start", **heat, heat_number=1, at=started)

    def timer():
        snapshot = tablet_snapshot(
            session_key=tablet.session_key, tablet_id=tablet.pk, user_id=judge.user_id
        )
        return snapshot["floor"]["timer"]

    heat_1 = timer()
    assert heat_1 == {
        "label": "Performance",
        "deadline": (started + dt.timedelta(seconds=90)).isoformat(),
    }

    danced = started + dt.timedelta(seconds=100)
    floor_move(**move, action="danced", at=danced)
    assert timer() == {
        "label": "Scoring time",
        "deadline": (danced + dt.timedelta(seconds=30)).isoformat(),
    }

    # Heat 2 of the same dance: the same sheet, a fresh performance window.
    floor_move(**move, action="start", **heat, heat_number=2)
    heat_2 = timer()
    assert heat_2["label"] == "Performance"
    assert dt.datetime.fromisoformat(heat_2["deadline"]) > timezone.now()

    floor_move(**move, action="danced")
    floor_move(**move, action="clear")
    assert timer() is None  # nothing on the floor: the sheet page hides its countdown
    page = client.get(reverse("adjudication:tablet-sheet", args=[first.pk, f"d{samba.pk}"]))
    assert "data-countdown hidden" in page.content.decode()


def test_a_judge_not_on_the_panel_gets_no_sheet_to_open(client):
    p = build_programme()
    outsider = p.judges[2]
    p.latin.panel.filter(judge=outsider).delete()
    tablet = sign_in(client, p, outsider)
    floor_move(competition=p.competition, action="next", actor=None)

    snapshot = tablet_snapshot(
        session_key=tablet.session_key, tablet_id=tablet.pk, user_id=outsider.user_id
    )

    assert snapshot["floor"]["phase"] == "dancing"
    assert snapshot["floor"]["sheet_url"] is None
    assert snapshot["floor"]["timer"] is None


def test_the_projector_page_renders_the_floor_and_the_timer(client):
    p = build_programme(timers=True)
    floor_move(competition=p.competition, action="next", actor=None)

    page = client.get(reverse("leaderboard:live", args=[p.competition.slug])).content.decode()

    assert "On the floor</span> Adult Latin – First round · Samba · heat 1" in page
    assert 'class="live-timer" data-deadline=' in page
    assert 'live-heat live-heat-now" data-heat="1"' in page
