"""The tablet's outbox (static/podium/tablet.js) in real Chromium: a sheet is kept in the
browser until the server has it, is sent when the network is back, and is stored once
however often it is sent."""

import pytest
from playwright.sync_api import expect

from adjudication.models import Mark, MarkChange, Sheet, TabletSession
from adjudication.tablet.sessions import tablet_revoke
from competitions.models import Round
from tests.adjudication.day import build_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tick(page, entries):
    for entry in entries:
        page.locator(f'label.bib-tile:has(input[value="{entry.pk}"])').click()
    expect(page.locator("[data-counter]")).to_have_text("All 6 marked: ready to send")


def on_recall_sheet(tablet, day, dance=None):
    dance = dance or day.dances[0]
    tablet.sign_in(day.judges[0])
    tablet.open_sheet(day.first, f"d{dance.pk}")
    return tablet.page


def sent_url(day, dance) -> str:
    return f"**/tablet/round/{day.first.pk}/d{dance.pk}/sent/"


def sheet_posts(page, day) -> list:
    """Record the sheet POSTs the page makes (by the outbox's fetch)."""
    posts = []
    path = f"/tablet/round/{day.first.pk}/"
    page.on(
        "request",
        lambda request: (
            posts.append(request.url) if request.method == "POST" and path in request.url else None
        ),
    )
    return posts


def assert_stored_once(judge, dance, entries):
    sheet = Sheet.objects.get(judge=judge, dance=dance)
    assert sheet.version == 1
    assert sorted(sheet.marks.values_list("entry_id", flat=True)) == sorted(e.pk for e in entries)
    changes = MarkChange.objects.filter(sheet=sheet)
    assert sorted(changes.values_list("entry_id", flat=True)) == sorted(e.pk for e in entries)
    assert set(changes.values_list("kind", flat=True)) == {MarkChange.Kind.SUBMITTED}


def test_offline_the_sheet_waits_in_the_outbox_and_goes_when_back_online(tablet):
    day = build_day()
    samba, picked = day.dances[0], day.entries()[:6]
    page = on_recall_sheet(tablet, day)
    sheet_page = page.url

    tablet.context.set_offline(True)
    expect(page.locator("[data-net-status]")).to_have_text("offline")
    tick(page, picked)
    page.locator("[data-submit]").click()

    expect(page.locator("[data-outbox]")).to_be_visible()
    expect(page.locator("[data-outbox-list] li")).to_have_text(
        ["Adult Latin · Samba — waiting to send"]
    )
    expect(page.locator("[data-submit]")).to_have_text("Sending…")
    expect(page.locator("[data-submit]")).to_be_disabled()
    assert page.url == sheet_page
    expect(page.get_by_text("Received by the desk")).to_have_count(0)
    assert [item["label"] for item in tablet.outbox()] == ["Adult Latin · Samba"]
    tablet.shot("recall-offline")
    assert not Sheet.objects.exists()

    tablet.context.set_offline(False)  # fires "online": the outbox sends at once

    page.wait_for_url(sent_url(day, samba))
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    expect(page.locator("[data-outbox]")).to_be_hidden()
    expect(page.locator("[data-net-status]")).to_have_text("")
    assert tablet.outbox() == []
    assert_stored_once(day.judges[0], samba, picked)


def test_a_sheet_queued_offline_is_sent_from_any_tablet_page(tablet):
    day = build_day()
    samba, picked = day.dances[0], day.entries()[:6]
    page = on_recall_sheet(tablet, day)
    tablet.context.set_offline(True)
    tick(page, picked)
    page.locator("[data-submit]").click()
    expect(page.locator("[data-outbox-list] li")).to_have_count(1)
    page.close()  # the judge leaves the sheet (or the browser) while offline

    tablet.context.set_offline(False)
    tablet.page = page = tablet.context.new_page()
    page.goto(tablet.url("/tablet/home/"))

    page.wait_for_function("() => localStorage.getItem('podium.outbox.v1') === '[]'")
    expect(page.locator("[data-outbox]")).to_be_hidden()
    assert_stored_once(day.judges[0], samba, picked)
    page.reload()
    expect(page.locator(f'a[data-part="{day.first.pk}-d{samba.pk}"] .state')).to_have_text("sent")


def test_a_double_tap_sends_the_sheet_once(tablet):
    day = build_day()
    samba, rumba = day.dances
    picked = day.entries()[:6]
    page = on_recall_sheet(tablet, day, samba)
    posts = sheet_posts(page, day)

    tick(page, picked)
    page.locator("[data-submit]").dblclick()
    page.wait_for_url(sent_url(day, samba))

    # Two submit events before the first answer (a tap the button's disabling missed).
    page.get_by_role("link", name="Next: Rumba").click()
    tick(page, picked)
    page.locator("form[data-sheet]").evaluate(
        "form => { form.requestSubmit(); form.requestSubmit(); }"
    )
    page.wait_for_url(sent_url(day, rumba))

    assert len(posts) == 2  # one per sheet
    assert tablet.outbox() == []
    assert Sheet.objects.count() == 2
    assert Mark.objects.count() == 12
    assert_stored_once(day.judges[0], samba, picked)
    assert_stored_once(day.judges[0], rumba, picked)


def test_a_lost_answer_is_resent_and_stored_once(tablet):
    """The server stores the sheet but its answer never reaches the tablet: the outbox
    sends it again with the same device key, and the server replays its answer."""
    day = build_day()
    samba, picked = day.dances[0], day.entries()[:6]
    page = on_recall_sheet(tablet, day)
    posts = sheet_posts(page, day)
    answers = []

    def lose_the_first_answer(route):
        if answers:
            route.continue_()
            return
        answers.append(route.fetch().status)  # the server gets it...
        route.abort("connectionreset")  # ...the tablet does not hear back

    page.route(f"**/tablet/round/{day.first.pk}/d{samba.pk}/", lose_the_first_answer)
    tick(page, picked)
    page.locator("[data-submit]").click()

    page.wait_for_url(sent_url(day, samba))
    assert answers == [201]
    assert len(posts) == 2
    assert tablet.outbox() == []
    assert_stored_once(day.judges[0], samba, picked)


def test_a_sheet_sent_after_the_tablet_was_revoked_is_not_stored(tablet):
    day = build_day()
    page = on_recall_sheet(tablet, day)
    tick(page, day.entries()[:6])

    tablet_revoke(tablet=TabletSession.objects.get(), actor=None)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("[data-submit]").click()

    assert answer.value.status == 401
    # The tablet reloads onto the sign-in page, says why, and keeps the sheet for later.
    expect(page.get_by_text("This tablet was signed out")).to_be_visible()
    kept = tablet.outbox()
    assert len(kept) == 1
    assert not kept[0].get("error")
    assert not Sheet.objects.exists()


def test_a_sheet_kept_while_signed_out_goes_once_the_judge_signs_in_again(tablet):
    day = build_day()
    samba, picked = day.dances[0], day.entries()[:6]
    page = on_recall_sheet(tablet, day)
    tick(page, picked)
    tablet_revoke(tablet=TabletSession.objects.get(), actor=None)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("[data-submit]").click()
    # The tablet goes to the sign-in page by itself: signing in before it got there raced
    # that navigation ("interrupted by another navigation", seen once in CI).
    expect(page.get_by_text("This tablet was signed out")).to_be_visible()

    tablet.sign_in(day.judges[0])

    page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('podium.outbox.v1') || '[]')"
        ".every(item => item.error)"
    )
    assert tablet.outbox() == []
    assert_stored_once(day.judges[0], samba, picked)


def send_to_a_closed_round(tablet):
    """The judge ticks a sheet, the round closes meanwhile, the judge presses Send."""
    day = build_day()
    page = on_recall_sheet(tablet, day)
    tick(page, day.entries()[:6])
    Round.objects.filter(pk=day.first.pk).update(status="closed")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("[data-submit]").click()
    assert answer.value.status == 409
    return page


def test_a_sheet_refused_by_the_desk_says_why_and_is_not_stored(tablet):
    page = send_to_a_closed_round(tablet)

    expect(page.get_by_role("alert")).to_have_text(
        "Not sent: Adult Latin – First round is closed: it takes no marks now. Ask the "
        "chairman if a mark is wrong."
    )
    expect(page.locator("[data-submit]")).to_be_enabled()
    assert not Sheet.objects.exists()


def test_a_sheet_refused_by_the_desk_is_not_shown_as_waiting_for_the_network(tablet):
    page = send_to_a_closed_round(tablet)
    expect(page.get_by_role("alert")).to_be_visible()

    assert [item for item in tablet.outbox() if not item.get("error")] == []
    expect(page.get_by_text("no connection to the desk")).to_be_hidden(timeout=2_000)
