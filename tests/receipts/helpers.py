"""A day whose first round is closed: every judge holds a receipt."""

from adjudication.services import round_close
from tests.adjudication.day import all_recall_sheets, build_day


def closed_day(**kwargs):
    day = build_day(**kwargs)
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    day.first.refresh_from_db()
    return day


__all__ = ["closed_day"]
