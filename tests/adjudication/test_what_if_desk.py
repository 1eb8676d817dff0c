"""The desk's what-if page: the stored marks as a form, a recompute that writes
nothing, the differences marked in words and symbols, and the links to the audited
path (unlock, the paper correction filled in, reopen) for those who may take them."""

import pytest
from django.urls import reverse

from adjudication.models import Mark, MarkChange, Placing, Sheet
from tests.adjudication.day import build_day
from tests.adjudication.what_if_helpers import closed_final, closed_first_round, page_url
from tests.factories.accounts import UserFactory
from tests.security.matrix import staff_of_another_competition
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def _signed_in(client, role):
    sign_in_staff(client, UserFactory(roles=[role]))
    return client


def _field(round_, letter, dance_name, bib):
    sheet = Sheet.objects.get(round=round_, judge__letter=letter, dance__name=dance_name)
    entry = next(
        m.entry for m in sheet.marks.select_related("entry__competitor") if m.entry.bib_label == bib
    )
    return f"m-{sheet.pk}-{entry.pk}-0"


def _swap_post(day, bibs):
    return {
        _field(day.final, "B", "Samba", bibs[1]): "3",
        _field(day.final, "B", "Samba", bibs[2]): "2",
    }


def test_the_round_page_links_to_the_what_if_once_closed(client):
    day, _ = closed_final()
    still_open = build_day().first
    _signed_in(client, "scrutineer")

    closed = client.get(reverse("adjudication:desk-round", args=[day.final.pk]))
    opened = client.get(reverse("adjudication:desk-round", args=[still_open.pk]))

    assert f'href="{page_url(day.final)}" data-what-if-link' in closed.content.decode()
    assert b"data-what-if-link" not in opened.content


def test_the_page_shows_the_stored_marks_and_no_difference_yet(client):
    day, bibs = closed_final()
    _signed_in(client, "chairman")

    response = client.get(page_url(day.final))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="{_field(day.final, "B", "Samba", bibs[1])}" value="2"' in html
    assert "No place would change." in html
    assert "data-changed" not in html
    assert 'id="make-it-so"' not in html


def test_recomputing_a_changed_sheet_marks_the_swapped_places_and_writes_nothing(client):
    day, bibs = closed_final()
    _signed_in(client, "chairman")
    marks_before = list(Mark.objects.values_list("pk", "value").order_by("pk"))
    trail_before = MarkChange.objects.count()
    placings_before = list(Placing.objects.filter(round=day.final).values_list("entry_id", "place"))

    response = client.post(page_url(day.final), _swap_post(day, bibs))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2 places would change</strong> (marked ⚠ changed)." in html
    assert html.count("⚠ changed ▲ up") == 1 and html.count("⚠ changed ▼ down") == 1
    assert "rule 5: a majority of the judges" in html
    assert f"Couple {bibs[2]} would be 2nd, not 3rd, in the event&#x27;s result." in html
    assert html.count("✎ was") == 2
    assert list(Mark.objects.values_list("pk", "value").order_by("pk")) == marks_before
    assert MarkChange.objects.count() == trail_before
    assert placings_before == list(
        Placing.objects.filter(round=day.final).values_list("entry_id", "place")
    )


def test_the_chairman_gets_the_unlock_form_and_the_scrutineer_the_paper_sheet(client):
    day, bibs = closed_final()
    sheet = Sheet.objects.get(round=day.final, judge__letter="B", dance__name="Samba")
    unlock = reverse("adjudication:desk-sheet-action", args=[sheet.pk])

    _signed_in(client, "chairman")
    chairman = client.post(page_url(day.final), _swap_post(day, bibs)).content.decode()
    client.logout()
    _signed_in(client, "scrutineer")
    scrutineer = client.post(page_url(day.final), _swap_post(day, bibs)).content.decode()

    assert f'action="{unlock}"' in chairman and "Unlock the sheet" in chairman
    assert f'value="What-if for a protest: Judge B · Samba · couple {bibs[1]}: 2 → 3;' in chairman
    assert f'action="{unlock}"' not in scrutineer
    assert "(the chairman does this.)" in scrutineer
    assert "(a scrutineer does this.)" in chairman
    paper = reverse(
        "adjudication:desk-paper-sheet", args=[day.final.pk, sheet.judge_id, f"d{sheet.dance_id}"]
    )
    assert f'href="{paper}?reason=What-if' in scrutineer


def test_the_paper_sheet_opens_filled_in_with_the_change_and_its_reason(client):
    day, bibs = closed_final()
    sheet = Sheet.objects.get(round=day.final, judge__letter="B", dance__name="Samba")
    one, two = (m.entry for m in sheet.marks.all() if m.entry.bib_label in bibs[1:3])
    _signed_in(client, "scrutineer")
    paper = reverse(
        "adjudication:desk-paper-sheet", args=[day.final.pk, sheet.judge_id, f"d{sheet.dance_id}"]
    )

    response = client.get(
        paper, {"reason": "What-if for a protest", "set": [f"{one.pk}:3", f"{two.pk}:2"]}
    )

    html = response.content.decode()
    assert f'name="place-{one.pk}" value="3" checked' in html
    assert f'name="place-{two.pk}" value="2" checked' in html
    assert ">What-if for a protest</textarea>" in html
    assert Sheet.objects.get(pk=sheet.pk).version == sheet.version


def test_leaving_out_a_judge_and_a_bad_mark_are_explained(client):
    day, bibs = closed_final()
    _signed_in(client, "chairman")

    left_out = client.post(page_url(day.final), {"leave_out": ["A"]}).content.decode()
    bad = client.post(page_url(day.final), {_field(day.final, "B", "Samba", bibs[1]): "9"})

    assert "Judge A left out: 2 judges count (B, C), majority 2." in left_out
    assert "does not set a judge&#x27;s sheets aside" in left_out
    assert bad.status_code == 400
    assert "place 9 is out of range: 6 couples dance the Samba" in bad.content.decode()


def test_a_recall_round_page_crosses_with_ticks(client):
    day, bibs = closed_first_round()
    _signed_in(client, "scrutineer")
    entries = {e.bib_label: e for e in day.entries()}
    posted = {}
    for letter in "AB":
        sheet = Sheet.objects.get(round=day.first, judge__letter=letter, dance__name="Samba")
        crossed = [m.entry_id for m in sheet.marks.all() if m.entry_id != entries[bibs[5]].pk]
        posted.update({f"m-{sheet.pk}-{pk}-0": "1" for pk in [*crossed, entries[bibs[6]].pk]})
    changed = [int(name.split("-")[1]) for name in posted]
    for sheet in Sheet.objects.filter(round=day.first).exclude(pk__in=changed):
        posted.update({f"m-{sheet.pk}-{m.entry_id}-0": "1" for m in sheet.marks.all()})

    html = client.post(page_url(day.first), posted).content.decode()

    assert "⚠ changed: now recalled" in html and "⚠ changed: no longer recalled" in html
    assert "Final (round 2) has not been danced: its heats would be drawn again" in html


@pytest.mark.parametrize("round_name", ["first", "final"])
def test_an_open_or_planned_round_is_refused_with_a_message(client, round_name):
    day = build_day()
    _signed_in(client, "chairman")

    response = client.get(page_url(getattr(day, round_name)))

    assert response.status_code == 409
    assert b"close it first" in response.content
    assert b"what-if-form" not in response.content


def test_another_competitions_staff_and_the_public_are_refused(client):
    day, _ = closed_final()
    sign_in_staff(client, staff_of_another_competition("what-if-page-other"))

    other = client.get(page_url(day.final))
    client.logout()
    anonymous = client.get(page_url(day.final))

    assert other.status_code == 403
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
