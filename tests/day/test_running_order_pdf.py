"""The printed running order follows the timetable: its order, each line's estimated
start, the breaks, and the rounds still to be drawn."""

import pytest

from adjudication.results.exports import export_build
from competitions.timetable import timetable_insert_break
from tests.adjudication.test_exports import pdf_text
from tests.day.helpers import build_programme

pytestmark = pytest.mark.django_db


def test_the_running_order_pdf_follows_the_timetable():
    p = build_programme()
    timetable_insert_break(
        competition=p.competition, after_position=1, minutes=15, title="Coffee", actor=None
    )

    text = pdf_text(export_build(p.competition, fmt="pdf", report="running-order"))

    lines = [
        "09:00 Adult Latin · Round 1",
        "09:08 Coffee (15 min)",
        "09:23 Adult Latin – Final (heats to be drawn)",
        "09:27 Junior Waltz",
        "09:29 Pageant",
    ]
    positions = [text.find(line) for line in lines]
    assert -1 not in positions, text[:800]
    assert positions == sorted(positions)
    for entry in p.pageant.entries.select_related("competitor"):
        assert entry.competitor.display_name in text
