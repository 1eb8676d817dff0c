"""The tablet's component sheet in real Chromium, held upright (820x1180) and on its side
(1180x820): only the components allocated to the judge, a stepper that stays on the
scale, a typed score off the scale flagged, Send only for a complete sheet, the desk
receiving it; and a sheet sent offline waiting in the outbox until the network is back."""

import pytest
from playwright.sync_api import expect

from adjudication.models import Sheet
from tests.adjudication.component_day import build_component_day
from tests.browser.conftest import TIMEOUT_MS, Tablet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPRIGHT = {"width": 820, "height": 1180}
ON_ITS_SIDE = {"width": 1180, "height": 820}


@pytest.fixture(params=[UPRIGHT, ON_ITS_SIDE], ids=["upright", "on-its-side"])
def held(request, browser, live_server, role_groups, tmp_path):
    context = browser.new_context(viewport=request.param, locale="en-GB", has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    tablet = Tablet(context, live_server, tmp_path / "screenshots")
    tablet.size = f"{request.param['width']}x{request.param['height']}"
    yield tablet
    context.close()


def score(page, entry, component):
    return page.locator(f'input[name="score-{entry.pk}-{component.pk}"]')


def stepper(page, entry, component, sign):
    cell = page.locator(f'[data-score-cell]:has(input[name="score-{entry.pk}-{component.pk}"])')
    return cell.locator(f'button[data-step="{sign}"]')


def assert_fits(page):
    """Nothing wider than the screen, every stepper a finger's size."""
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    for box in page.locator("button[data-step]").evaluate_all(
        "buttons => buttons.map(b => b.getBoundingClientRect().toJSON())"
    ):
        assert box["width"] >= 48 and box["height"] >= 48
        assert box["right"] <= width


def test_a_judge_scores_their_components_and_sends_when_complete(held):
    day = build_component_day(couples=8, heats=2, step="0.25")
    waltz = day.dances[0]
    tq, mm = day.mine("A")
    held.sign_in(day.judges[0])
    held.open_sheet(day.first, f"d{waltz.pk}")
    page = held.page
    counter, send = page.locator("[data-counter]"), page.locator("[data-submit]")

    expect(page.locator("[data-allocation]")).to_contain_text("You score TQ and MM in Waltz.")
    expect(page.locator("[data-score-cell] input")).to_have_count(16)
    expect(page.locator(f'input[data-component="{day.components["PS"].pk}"]')).to_have_count(0)
    expect(page.locator("legend")).to_have_text(["Heat 1", "Heat 2"])
    expect(counter).to_have_text("16 scores still missing (0 of 16 given)")
    expect(send).to_be_disabled()
    assert_fits(page)
    held.shot(f"components-empty-{held.size}")

    first, second = day.entries[:2]
    stepper(page, first, tq, "1").tap()  # empty: the middle of the scale to start from
    expect(score(page, first, tq)).to_have_value("5.5")
    stepper(page, first, tq, "1").tap()
    stepper(page, first, tq, "1").tap()
    expect(score(page, first, tq)).to_have_value("6")
    stepper(page, second, tq, "-1").tap()  # empty: the last value given for TQ
    expect(score(page, second, tq)).to_have_value("6")
    for _ in range(25):
        stepper(page, second, tq, "1").tap()
    expect(score(page, second, tq)).to_have_value("10")  # the stepper stops at the top

    score(page, first, mm).fill("10.5")  # typed on a keyboard: off the scale
    expect(counter).to_contain_text("1 score off the scale or its steps")
    expect(send).to_be_disabled()
    held.shot(f"components-off-scale-{held.size}")
    score(page, first, mm).fill("8.1")
    expect(counter).to_contain_text("off the scale or its steps")
    score(page, first, mm).fill("8.75")
    score(page, first, mm).press("Enter")  # Enter goes on to the next score
    assert page.evaluate("() => document.activeElement.name") == f"score-{second.pk}-{tq.pk}"
    expect(counter).to_have_text("13 scores still missing (3 of 16 given)")

    for entry in day.entries:
        for component in (tq, mm):
            if score(page, entry, component).input_value() == "":
                score(page, entry, component).fill("7.5")
    expect(counter).to_have_text("All 16 scores given: ready to send")
    expect(send).to_be_enabled()
    held.shot(f"components-complete-{held.size}")
    send.tap()

    page.wait_for_url(f"**/tablet/round/{day.first.pk}/d{waltz.pk}/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    held.shot(f"components-sent-{held.size}")
    sheet = Sheet.objects.get(round=day.first, judge=day.judges[0], dance=waltz)
    values = {(m.entry_id, m.criterion_id): str(m.value.normalize()) for m in sheet.marks.all()}
    assert len(values) == 16
    assert values[(first.pk, tq.pk)] == "6"
    assert values[(second.pk, tq.pk)] == "1E+1"  # 10
    assert values[(first.pk, mm.pk)] == "8.75"


def test_offline_a_component_sheet_waits_and_goes_when_back_online(held):
    day = build_component_day(couples=6, heats=1, step="0.5")
    tango = day.dances[1]
    held.sign_in(day.judges[3])
    held.open_sheet(day.first, f"d{tango.pk}")
    page = held.page
    expect(page.locator("[data-allocation]")).to_contain_text("You score MM and CP in Tango.")

    held.context.set_offline(True)
    inputs = page.locator("[data-score-cell] input")
    for i in range(inputs.count()):
        inputs.nth(i).fill("8")
    page.locator("[data-submit]").tap()
    expect(page.locator("[data-outbox-list] li")).to_have_text(
        ["Adult Standard · Tango — waiting to send"]
    )
    held.shot(f"components-offline-{held.size}")
    assert not Sheet.objects.exists()

    held.context.set_offline(False)

    page.wait_for_url(f"**/tablet/round/{day.first.pk}/d{tango.pk}/sent/")
    assert Sheet.objects.get(judge=day.judges[3], dance=tango).marks.count() == 12


def test_four_components_fit_a_tablet_held_upright(held):
    day = build_component_day(couples=12, heats=2, step="0.1", allocation="every_judge")
    held.sign_in(day.judges[1])
    held.open_sheet(day.first, f"d{day.dances[0].pk}")
    page = held.page

    expect(page.locator("[data-allocation]")).to_contain_text(
        "You score TQ, MM, PS and CP in Waltz."
    )
    expect(page.locator("[data-counter]")).to_have_text("48 scores still missing (0 of 48 given)")
    page.locator("[data-score-cell] input").first.fill("9.9")
    assert_fits(page)
    held.shot(f"components-four-{held.size}")
