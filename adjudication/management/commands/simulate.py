"""``manage.py simulate SLUG [--seed N] [--judge-skill F] [--pace P] [--incidents]
[--shadow] [--quiet]``: run a competition to published results with simulated judges, through the
same services as a real day, as fast as it can or at a pace the screens can follow;
with ``--incidents``, through no-shows, a retirement, a redance, a replacement judge
and a disqualification too; with ``--shadow``, with a trainee in a shadow seat of every
event (never counted), for the judges' agreement report.

A thin wrapper around ``adjudication.ops.simulation.competition_simulate``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from adjudication.ops.simulation import (
    DEFAULT_SKILL,
    Pace,
    SimulationRefused,
    SimulationReport,
    competition_simulate,
)
from competitions.models import Competition


class Command(BaseCommand):
    help = (
        "Run a competition from its first round to published results with simulated judges "
        "(for rehearsals and load tests): every sheet goes through the same service as a "
        "tablet's. The same --seed gives the same marks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the competition's slug, e.g. demo")
        parser.add_argument(
            "--seed", type=int, help="seed for the judges' marks and the draws (random if unset)"
        )
        parser.add_argument(
            "--judge-skill",
            type=float,
            default=DEFAULT_SKILL,
            help="how closely the judges see the entries' true quality, 0 (at random) to 1 "
            f"(all agree); default {DEFAULT_SKILL}",
        )
        parser.add_argument(
            "--pace",
            default="fast",
            help="fast (the default: no waiting), realtime (each heat and break takes its "
            "planned time) or a number of seconds per heat (a break takes as long), so a "
            "rehearsal can be watched on open screens",
        )
        parser.add_argument(
            "--incidents",
            action="store_true",
            help="make the day go wrong as real days do: couples absent from a first round, "
            "a finalist retiring after the first dance, a heat danced again, a judge replaced "
            "by a reserve from a second round, and a couple disqualified after its final "
            "(each through the desk's services, by the simulated chairman)",
        )
        parser.add_argument(
            "--shadow",
            action="store_true",
            help="seat a trainee judge in a shadow seat of every event that has none and send "
            "their sheets too (never counted; the agreement report shows them)",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="print only the timing, not the results"
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="allow simulated marks on a PODIUM_ENV=production site",
        )

    def handle(self, *args: Any, slug: str, seed, judge_skill, quiet, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "The simulation writes made-up marks; on a production site pass "
                "--allow-production if you really mean it."
            )
        try:
            pace = Pace.parse(options["pace"])
        except SimulationRefused as refusal:
            raise CommandError(f"--pace: {refusal}") from None
        competition = Competition.objects.filter(slug=slug).first()
        if competition is None:
            raise CommandError(f"There is no competition with the slug “{slug}”.")
        if pace.name != "fast" and not quiet:
            self.stdout.write(f"Simulating {competition.name} at pace {pace}…")
        try:
            report = competition_simulate(
                competition=competition,
                seed=seed,
                skill=judge_skill,
                pace=pace,
                incidents=options["incidents"],
                shadow=options["shadow"],
            )
        except SimulationRefused as refusal:
            raise CommandError(str(refusal)) from None
        if report.already_finished:
            status = competition.get_status_display().lower()
            self.stdout.write(f"{competition.name} is already {status}: nothing to simulate.")
            return
        if not quiet:
            self._summary(report)
        self.stdout.write(
            f"{report.sheets_sent} sheets in {report.seconds:.1f} s: "
            f"{report.sheets_per_second:.0f} sheets/s overall, "
            f"{report.sheets_sent / (report.submit_seconds or 1):.0f}/s in sheet_submit "
            f"(seed {report.seed}, judge skill {report.skill:g})."
        )

    def _summary(self, report: SimulationReport) -> None:
        self.stdout.write(self.style.SUCCESS(f"Simulated {report.competition.name}: finished."))
        for line in report.incidents:
            self.stdout.write(f"Incident: {line}")
        for line in report.shadows:
            self.stdout.write(f"Shadow: {line}")
        for event in report.events:
            ties = ""
            if event.ties_settled:
                ties = f", {event.ties_settled} tie(s) at the cut-off settled"
            self.stdout.write(
                f"{event.event}: {event.rounds_run} round(s), {event.sheets_sent} sheets{ties}"
            )
            for line in event.places:
                place = f"{line.place.normalize():f}"
                self.stdout.write(f"  {place:>4}. {line.bib or '':>4}  {line.name}")
