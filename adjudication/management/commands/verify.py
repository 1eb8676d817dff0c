"""``manage.py verify SLUG``: check every invariant of a competition's data (complete
sheets, results equal to a recomputation, the audit trail consistent with the marks) and
exit with status 1 on any breach. Run it after every drill, crash or outage.

A thin wrapper around ``adjudication.ops.verification.competition_verify``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from adjudication.management.commands.recompute import competition_by_slug, finish
from adjudication.ops.verification import competition_verify


class Command(BaseCommand):
    help = (
        "Check every invariant of a competition's data: each sheet complete and valid, no "
        "duplicates, closed rounds with every sheet and results equal to a recomputation, "
        "the audit trail consistent with the marks. Exit status 1 on any breach."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the competition's slug, e.g. demo")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        report = competition_verify(competition_by_slug(slug))
        finish(
            self,
            report,
            "breach(es)",
            f"{report.sheets_checked} sheets in {report.rounds_checked} rounds, "
            f"{report.results_checked} results checked",
        )
