"""``manage.py export_results SLUG --format json|csv|pdf [--event …] [--out FILE]``:
results for other programs and for print. A thin wrapper around
``adjudication.results.exports.export_build``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from adjudication.ops.backups import BackupRefused, file_write_atomic
from adjudication.results.exports import FORMATS, REPORTS, export_build
from competitions.models import Competition, Event


class Command(BaseCommand):
    help = (
        "Export a competition's results: JSON with everything needed to recompute them "
        "(events, rounds, heats, every counted mark, the places), CSV for spreadsheets (a row "
        "per entry per round and a row per mark), or PDF (results and marks sheets, judges' "
        "sheets to sign, running order). The same data gives the same JSON and CSV bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the competition's slug, e.g. demo")
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        parser.add_argument(
            "--event",
            action="append",
            metavar="EVENT",
            help="only this event (its id or exact name); repeat for several",
        )
        parser.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="only published rounds (what the public pages show)",
        )
        parser.add_argument(
            "--report",
            choices=REPORTS,
            default="all",
            help="PDF only: which report (default: all three in one file)",
        )

    def handle(self, *args: Any, slug: str, fmt: str, event, out, **options: Any) -> None:
        competition = Competition.objects.filter(slug=slug).first()
        if competition is None:
            raise CommandError(f"There is no competition with the slug “{slug}”.")
        event_ids = None
        if event:
            event_ids = [self._event_id(competition, name) for name in event]
        if fmt == "pdf" and out is None:
            raise CommandError("A PDF needs a file: pass --out FILE.")
        if out is not None:
            self._check_writable(Path(out))
        data = export_build(
            competition,
            fmt=fmt,
            event_ids=event_ids,
            published_only=options["published_only"],
            report=options["report"],
        )
        if out is None:
            self.stdout.write(data.decode(), ending="")
            return
        try:
            file_write_atomic(Path(out), data)
        except BackupRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stderr.write(f"{fmt.upper()} of {competition.slug} written to {out}.")

    @staticmethod
    def _event_id(competition: Competition, name: str) -> int:
        events = Event.objects.filter(competition=competition)
        found = events.filter(pk=int(name)).first() if name.isdecimal() else None
        found = found or events.filter(name=name).first()
        if found is None:
            known = "; ".join(f"{e.pk}: {e.name}" for e in events.order_by("position", "id"))
            raise CommandError(
                f"“{competition.slug}” has no event “{name}”. Its events: {known or 'none'}."
            )
        return found.pk

    @staticmethod
    def _check_writable(path: Path) -> None:
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise CommandError(f"Cannot write {path}: it is a folder.")
        if not folder.is_dir():
            raise CommandError(f"Cannot write {path}: the folder {folder} does not exist.")
