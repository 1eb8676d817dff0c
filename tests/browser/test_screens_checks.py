"""The screen checks of tests/browser/screens.py on small pages made to fail them (and
the same pages mended), so a check that stopped finding anything would show here."""

from __future__ import annotations

import pytest

from tests.browser.screens import clipped, low_contrast

pytestmark = pytest.mark.browser

CUT = """<html><body style="margin:0">
<div style="height:40px;overflow:hidden"><p style="height:80px">Heat 2</p></div>
<p style="width:60px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis">
Anne-Marie Leclerc</p>
</body></html>"""
WHOLE = """<html><body style="margin:0">
<div style="overflow:hidden"><p style="height:80px">Heat 2</p></div>
<p style="width:60px">Anne-Marie Leclerc</p></body></html>"""
PROJECTOR = """<html style="overflow:hidden"><body style="margin:0;overflow:hidden;height:100vh">
<p style="position:absolute;top:700px">10. 310 Jasmine Okafor</p></body></html>"""
DIM = """<html><body style="background:#0b1020;color:#fff">
<a href="#">Adult Latin Open</a> <span style="color:#fff;opacity:.3">faded</span>
<div style="background:rgba(255,255,255,.9)"><span style="color:#999">grey on white</span></div>
</body></html>"""
CLEAR = """<html><body style="background:#0b1020;color:#fff">
<a href="#" style="color:#9cc8ff">Adult Latin Open</a> <span>bright</span>
<div style="background:rgba(255,255,255,.9)"><span style="color:#222">dark on white</span></div>
</body></html>"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 640, "height": 480})
    yield context.new_page()
    context.close()


def test_clipping_is_found_in_boxes_ellipses_and_off_a_projector(page):
    page.set_content(CUT)
    found = clipped(page, projector=False)
    assert any("cut at the bottom" in f and "Heat 2" in f for f in found)
    assert any("ellipsis" in f and "Anne-Marie" in f for f in found)

    page.set_content(PROJECTOR)
    assert any("outside the screen" in f and "Okafor" in f for f in clipped(page))

    page.set_content(WHOLE)
    assert clipped(page) == []


def test_low_contrast_is_found_for_links_faded_and_translucent_backgrounds(page):
    page.set_content(DIM)
    found = low_contrast(page, minimum=4.5)
    assert len(found) == 3
    link, faded, grey = found
    assert '"Adult Latin Open"' in link and link.startswith("2.")  # default blue on navy
    assert '"faded"' in faded
    assert '"grey on white"' in grey

    page.set_content(CLEAR)
    assert low_contrast(page, minimum=4.5) == []
