"""``manage.py recompute SLUG``: re-run every tabulation from the stored marks and report
any difference from the stored results (exit status 1 if there is one).

A thin wrapper around ``adjudication.ops.verification.competition_recompute``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from adjudication.ops.verification import Report, competition_recompute
from competitions.models import Competition


def competition_by_slug(slug: str) -> Competition:
    competition = Competition.objects.filter(slug=slug).first()
    if competition is None:
        raise CommandError(f"There is no competition with the slug “{slug}”.")
    return competition


def finish(command: BaseCommand, report: Report, what: str, checked: str) -> None:
    """Print the findings; raise ``CommandError`` (exit status 1) when there is any."""
    for finding in report.findings:
        command.stderr.write(str(finding))
    if report.findings:
        raise CommandError(f"{report.competition.name}: {len(report.findings)} {what} ({checked}).")
    command.stdout.write(command.style.SUCCESS(f"{report.competition.name}: {checked}, all true."))


class Command(BaseCommand):
    help = (
        "Re-run the tabulation of every closed or published round of a competition from its "
        "stored marks and report any difference from the stored results (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the competition's slug, e.g. demo")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        report = competition_recompute(competition_by_slug(slug))
        finish(
            self,
            report,
            "difference(s) between the stored results and the marks",
            f"{report.results_checked} of {report.rounds_checked} rounds have results, recomputed",
        )
