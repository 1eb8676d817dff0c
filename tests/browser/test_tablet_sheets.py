"""The three kinds of tablet sheet (recall, final placements, criteria scores) and the
sign-in, in real Chromium against the live server: what the judge sees and what the
database then holds."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from adjudication.models import Mark, Sheet, TabletSession
from adjudication.services import round_close, round_entries
from adjudication.tablet.sessions import tablet_revoke
from competitions.models import Competition
from competitions.services import round_draw_heats, round_transition
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
    SoloCompetitorFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLACK = "rgb(17, 17, 17)"  # a ticked tile (tablet.css)


def bib(entry) -> str:
    return str(entry.competitor.bib)


def tile(page, entry):
    return page.locator(f'label.bib-tile:has(input[value="{entry.pk}"])')


def test_recall_sheet_counts_the_ticks_and_is_received(tablet):
    day = build_day()
    samba, entries = day.dances[0], day.entries()
    picked = entries[:6]
    tablet.sign_in(day.judges[0])
    tablet.open_sheet(day.first, f"d{samba.pk}")
    page = tablet.page
    counter, send = page.locator("[data-counter]"), page.locator("[data-submit]")

    expect(counter).to_have_text("6 still to mark (0 of 6)")
    expect(send).to_be_disabled()
    for n, entry in enumerate(picked[:5], 1):
        tile(page, entry).click()
        expect(counter).to_have_text(f"{6 - n} still to mark ({n} of 6)")
        expect(send).to_be_disabled()
    tile(page, picked[5]).click()
    expect(counter).to_have_text("All 6 marked: ready to send")
    expect(send).to_be_enabled()
    expect(tile(page, picked[5])).to_have_css("background-color", BLACK)
    tile(page, entries[6]).click()
    expect(counter).to_have_text("Too many: remove 1 (7 of 6)")
    expect(send).to_be_disabled()
    tile(page, entries[6]).click()  # a second tap unticks
    expect(counter).to_have_text("All 6 marked: ready to send")
    expect(tile(page, entries[6])).not_to_have_css("background-color", BLACK)
    tablet.shot("recall-sheet")

    send.click()

    page.wait_for_url(f"**/tablet/round/{day.first.pk}/d{samba.pk}/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    received = page.locator("p.bibs .bib-tile")
    expect(received).to_have_count(6)
    assert sorted(received.all_text_contents()) == sorted(bib(e) for e in picked)
    expect(page.get_by_role("link", name="Next: Rumba")).to_be_visible()
    tablet.shot("recall-sent")
    assert tablet.outbox() == []
    sheet = Sheet.objects.get()
    assert (sheet.judge, sheet.dance, sheet.version, sheet.source) == (
        day.judges[0],
        samba,
        1,
        "tablet",
    )
    assert sorted(sheet.marks.values_list("entry_id", "value")) == [
        (e.pk, Decimal("1")) for e in sorted(picked, key=lambda e: e.pk)
    ]


def shown_order(page) -> list[str]:
    return page.locator("tr[data-couple]").evaluate_all(
        "rows => rows.map(row => row.dataset.couple)"
    )


def place_tile(page, couple: str, place: int):
    return page.locator(f'tr[data-couple="{couple}"] label.place-tile').nth(place - 1)


def place_radio(page, couple: str, place: int):
    return page.get_by_label(f"couple {couple} place {place}", exact=True)


# Fixed primary keys make the per-judge shuffle (seeded by judge and round ids) the same
# on every run, so "A and B see different orders" cannot flake by coincidence.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_final_placements_in_a_shuffled_order_each_place_once(tablets):
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    samba = day.dances[0]
    finalists = {bib(e): e for e in round_entries(day.final) if not e.withdrawn}
    assert len(finalists) == 6
    judge_a, judge_b = tablets(), tablets()
    judge_a.sign_in(day.judges[0])
    judge_b.sign_in(day.judges[1])
    judge_a.open_sheet(day.final, f"d{samba.pk}")
    judge_b.open_sheet(day.final, f"d{samba.pk}")
    page = judge_a.page

    order_a, order_b = shown_order(page), shown_order(judge_b.page)
    assert sorted(order_a) == sorted(order_b) == sorted(finalists)
    assert order_a != order_b  # a random order per judge
    page.reload()
    assert shown_order(page) == order_a  # and the same one for a judge every time

    first, second = order_a[0], order_a[1]
    place_tile(page, first, 1).click()
    expect(place_radio(page, first, 1)).to_be_checked()
    place_tile(page, second, 1).click()  # place 1 moves to the second couple
    expect(place_radio(page, second, 1)).to_be_checked()
    expect(place_radio(page, first, 1)).not_to_be_checked()
    expect(place_tile(page, first, 1)).not_to_have_css("background-color", BLACK)
    expect(place_tile(page, second, 1)).to_have_css("background-color", BLACK)

    places = {couple: n for n, couple in enumerate(reversed(order_a), 1)}
    for couple, place in places.items():
        place_tile(page, couple, place).click()
    for couple, place in places.items():
        expect(place_radio(page, couple, place)).to_be_checked()
    assert page.locator('input[type="radio"]:checked').count() == 6
    judge_a.shot("final-sheet")
    page.locator("[data-submit]").click()

    page.wait_for_url(f"**/tablet/round/{day.final.pk}/d{samba.pk}/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(6)
    shown = [row.locator("td").all_text_contents() for row in rows.all()]
    assert shown == [[str(p), c] for c, p in sorted(places.items(), key=lambda cp: cp[1])]
    sheet = Sheet.objects.get(round=day.final)
    assert sheet.judge == day.judges[0]
    assert dict(sheet.marks.values_list("entry_id", "value")) == {
        finalists[c].pk: Decimal(p) for c, p in places.items()
    }


def pageant():
    event = CriteriaEventFactory(name="Pageant")
    for status in ("registration_open", "registration_closed"):
        Competition.objects.filter(pk=event.competition_id).update(status=status)
    gown = CriterionFactory(event=event, name="Gown", position=1)
    talent = CriterionFactory(event=event, name="Talent", position=2, weight=Decimal("2"))
    entries = [
        EntryFactory(event=event, competitor=SoloCompetitorFactory(competition=event.competition))
        for _ in range(3)
    ]
    judge = JudgeFactory(competition=event.competition, letter="A")
    PanelSeatFactory(event=event, judge=judge)
    final = RoundFactory(event=event, kind="final", position=1)
    round_draw_heats(round=final, heat_count=1, seed=1)
    round_transition(round=final, to_status="open", actor=None)
    final.refresh_from_db()
    return final, entries, judge, (gown, talent)


def test_criteria_scores_within_range_and_step(tablet):
    final, entries, judge, (gown, talent) = pageant()
    tablet.sign_in(judge)
    tablet.open_sheet(final, f"e{entries[0].pk}")
    page = tablet.page
    # "0.50" today; see the report: the server's own messages say "0.5".
    expect(page.get_by_text(re.compile(r"^Gown \(0–10, steps of 0\.50?\)$"))).to_be_visible()

    page.get_by_label("Gown").fill("7.5")
    page.get_by_label("Talent").fill("9")
    tablet.shot("criteria-sheet")
    page.locator("[data-submit]").click()

    page.wait_for_url(f"**/tablet/round/{final.pk}/e{entries[0].pk}/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    expect(page.get_by_role("row", name="Gown 7.5")).to_be_visible()
    expect(page.get_by_role("row", name="Talent 9")).to_be_visible()
    sheet = Sheet.objects.get()
    assert (sheet.entry_id, sheet.judge) == (entries[0].pk, judge)
    assert dict(sheet.marks.values_list("criterion_id", "value")) == {
        gown.pk: Decimal("7.5"),
        talent.pk: Decimal("9"),
    }


def test_a_score_out_of_range_is_blocked_by_the_browser_and_refused_by_the_server(tablet):
    final, entries, judge, (gown, talent) = pageant()
    tablet.sign_in(judge)
    tablet.open_sheet(final, f"e{entries[1].pk}")
    page = tablet.page
    send = page.locator("[data-submit]")
    page.get_by_label("Talent").fill("9")

    # The number input's own checks stop the form: nothing is queued or sent.
    for value, flaw in (("10.5", "rangeOverflow"), ("7.3", "stepMismatch")):
        page.get_by_label("Gown").fill(value)
        send.click()
        assert page.get_by_label("Gown").evaluate(f"input => input.validity.{flaw}")
        expect(send).to_have_text("Send")
        assert page.url.endswith(f"/tablet/round/{final.pk}/e{entries[1].pk}/")
        assert tablet.outbox() == []
    assert not Sheet.objects.exists()

    # A browser without those checks sends it; the server refuses it and says why.
    page.locator("form[data-sheet]").evaluate("form => { form.noValidate = true; }")
    page.get_by_label("Gown").fill("10.5")
    send.click()
    expect(page.get_by_role("alert")).to_have_text(
        "Not sent: Scores out of range. Gown: 10.5 is outside 0–10."
    )
    expect(send).to_be_enabled()
    tablet.shot("criteria-refused")
    assert not Sheet.objects.exists()
    assert not Mark.objects.exists()

    page.get_by_label("Gown").fill("8")  # corrected, the same sheet goes
    send.click()
    page.wait_for_url(f"**/tablet/round/{final.pk}/e{entries[1].pk}/sent/")
    assert dict(Sheet.objects.get().marks.values_list("criterion_id", "value")) == {
        gown.pk: Decimal("8"),
        talent.pk: Decimal("9"),
    }
    assert tablet.outbox() == []


def test_a_revoked_tablet_is_sent_back_to_sign_in(tablet):
    day = build_day()
    tablet.sign_in(day.judges[0])
    expect(tablet.page.locator(".tablet-header .who")).to_have_text(
        f"Judge A · {day.judges[0].name}"
    )

    tablet_revoke(tablet=TabletSession.objects.get(), actor=None)
    tablet.page.reload()

    tablet.page.wait_for_url("**/tablet/")
    expect(tablet.page.get_by_role("heading", level=1)).to_have_text("Judge sign-in")
    expect(tablet.page.locator(".tablet-header .who")).to_have_count(0)
    tablet.shot("sign-in")
    tablet.page.goto(tablet.url(f"/tablet/round/{day.first.pk}/d{day.dances[0].pk}/"))
    tablet.page.wait_for_url("**/tablet/")


def test_a_revoked_tablet_is_told_it_was_signed_out(tablet):
    day = build_day()
    tablet.sign_in(day.judges[0])

    tablet_revoke(tablet=TabletSession.objects.get(), actor=None)
    tablet.page.reload()

    tablet.page.wait_for_url("**/tablet/")
    expect(tablet.page.locator(".messages")).to_have_text(
        "This tablet was signed out. Ask the scrutineer for a code.", timeout=2_000
    )
