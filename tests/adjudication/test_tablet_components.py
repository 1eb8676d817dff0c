"""The tablet's component sheet through its pages (plain POST and the offline queue's JSON):
only the components allocated to the judge, every couple of the dance by heat; a
complete sheet stored, an incomplete, off-scale, stale or other judge's one refused with
nothing written."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from adjudication.incidents.couples import entry_mark_absent
from adjudication.models import Sheet
from competitions.models import ComponentAllocation
from tests.adjudication.component_day import build_component_day
from tests.adjudication.test_tablet_pages import sign_in
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def day():
    return build_component_day(couples=6, heats=2, step="0.5")


def sheet_url(day, dance=None):
    return reverse(
        "adjudication:tablet-sheet", args=[day.first.pk, f"d{(dance or day.dances[0]).pk}"]
    )


def fields(html: str) -> list[str]:
    return re.findall(r'name="(score-\d+-\d+)"', html)


def form(day, letter="A", score="8.5", key="k1", leave_out=0, **extra):
    """A filled sheet: every couple on judge ``letter``'s components."""
    scores = {f"score-{e.pk}-{c.pk}": score for e in day.entries for c in day.mine(letter)}
    for name in list(scores)[:leave_out]:
        del scores[name]
    return {
        "client_key": key,
        "base_version": 0,
        "round_revision": day.first.revision,
        **scores,
        **extra,
    }


def test_the_sheet_shows_each_couple_on_the_judges_components_only(client, day):
    judge_a = day.judges[0]
    sign_in(client, day, judge_a)

    html = client.get(sheet_url(day)).content.decode()

    assert "You score TQ and MM in Waltz." in html
    assert sorted(fields(html)) == sorted(
        f"score-{e.pk}-{c.pk}" for e in day.entries for c in day.mine("A")
    )
    assert f'-{day.components["PS"].pk}"' not in html
    assert html.count("<legend>Heat ") == 2
    tq = day.components["TQ"]
    assert 'min="1" max="10" step="0.5" required' in html
    assert f'data-component="{tq.pk}"' in html


def test_a_complete_sheet_is_stored_and_shown_back(client, day):
    sign_in(client, day, day.judges[0])

    response = client.post(sheet_url(day), form(day, score="7.5"), follow=True)

    html = response.content.decode()
    assert "Received by the desk" in html
    sheet = Sheet.objects.get()
    assert sheet.judge == day.judges[0] and sheet.dance == day.dances[0]
    assert sorted(sheet.marks.values_list("entry_id", "criterion_id")) == sorted(
        (e.pk, c.pk) for e in day.entries for c in day.mine("A")
    )
    assert html.count("<td>7.5</td>") == len(day.entries) * 2


def test_an_incomplete_sheet_is_refused_and_what_was_typed_kept(client, day):
    sign_in(client, day, day.judges[0])

    response = client.post(sheet_url(day), form(day, score="6", leave_out=3))

    html = response.content.decode()
    assert response.status_code == 400
    assert "Score every couple on every component: missing 3." in html
    assert html.count('value="6"') == len(day.entries) * 2 - 3
    assert not Sheet.objects.exists()


@pytest.mark.parametrize(
    ("score", "message"), [("10.5", "off the scale 1–10"), ("7.3", "use steps of 0.5")]
)
def test_a_score_off_the_scale_or_its_steps_is_refused(client, day, score, message):
    sign_in(client, day, day.judges[0])
    data = form(day)
    data[next(k for k in data if k.startswith("score-"))] = score

    response = client.post(sheet_url(day), data, headers=JSON)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Sheet.objects.exists()
    page = client.post(sheet_url(day), data)
    assert message in page.content.decode()


def test_a_component_not_allocated_to_the_judge_is_refused_by_name(client, day):
    sign_in(client, day, day.judges[0])
    ps = day.components["PS"]
    data = form(day, **{f"score-{e.pk}-{ps.pk}": "9" for e in day.entries})

    response = client.post(sheet_url(day), data)

    assert response.status_code == 400
    assert "Judge A does not score Partnering skill in Waltz" in response.content.decode()
    assert not Sheet.objects.exists()


def test_a_sheet_filled_in_by_another_judge_on_this_tablet_is_not_sent(client, day):
    sign_in(client, day, day.judges[0])

    response = client.post(sheet_url(day), form(day, judge=str(day.judges[1].pk)), headers=JSON)

    assert response.status_code == 409
    assert response.json()["code"] == "wrong_judge"
    assert not Sheet.objects.exists()


def test_another_events_judge_sees_no_component_sheet(client, day):
    other = build_component_day(couples=2, heats=1)
    sign_in(client, other, other.judges[0])

    assert client.get(sheet_url(day)).status_code == 404
    assert client.post(sheet_url(day), form(day), headers=JSON).status_code == 404
    assert not Sheet.objects.exists()


def test_an_absent_couple_leaves_the_sheet_and_a_sheet_still_scoring_it_is_stale(client, day):
    sign_in(client, day, day.judges[0])
    data = form(day)
    gone = day.entries[0]
    entry_mark_absent(
        round=day.first, entry=gone, actor=UserFactory(is_superuser=True), reason="ill"
    )

    html = client.get(sheet_url(day)).content.decode()
    response = client.post(sheet_url(day), data, headers=JSON)

    assert f"score-{gone.pk}-" not in html
    assert len(fields(html)) == (len(day.entries) - 1) * 2
    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    assert not Sheet.objects.exists()


def test_the_json_resend_of_the_offline_queue_is_stored_once(client, day):
    sign_in(client, day, day.judges[2])
    data = form(day, letter="C", key="queued-1")

    first = client.post(sheet_url(day), data, headers=JSON)
    again = client.post(sheet_url(day), data, headers=JSON)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert Sheet.objects.get().marks.count() == len(day.entries) * 2


def test_the_desk_types_a_paper_component_sheet_on_the_same_form(client, day):
    judge_c = day.judges[2]
    url = reverse(
        "adjudication:desk-paper-sheet", args=[day.first.pk, judge_c.pk, f"d{day.dances[0].pk}"]
    )
    sign_in_staff(client, UserFactory(username="typist", roles=["scrutineer"]))

    page = client.get(url)
    data = form(day, letter="C", score="9.5", key=page.context["client_key"])
    client.post(url, data)

    html = page.content.decode()
    assert "You score TQ and PS in Waltz." in html
    assert len(fields(html)) == len(day.entries) * 2
    sheet = Sheet.objects.get()
    assert (sheet.judge, sheet.source) == (judge_c, "paper")
    assert sheet.marks.count() == len(day.entries) * 2


def test_a_judge_allocated_nothing_in_a_dance_sends_the_empty_sheet(client, day):
    judge_d = day.judges[3]
    ComponentAllocation.objects.filter(judge=judge_d).delete()  # A, B, C still score all four
    sign_in(client, day, judge_d)

    page = client.get(sheet_url(day))
    response = client.post(
        sheet_url(day), {"client_key": "e", "base_version": 0, "round_revision": 1}
    )

    assert "You score no component in Waltz" in page.content.decode()
    assert fields(page.content.decode()) == []
    assert response.status_code == 302
    assert Sheet.objects.get().marks.count() == 0
