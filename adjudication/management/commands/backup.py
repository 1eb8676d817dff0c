"""``manage.py backup [--competition SLUG] [--out FILE]``: one file holding everything
about one or all competitions, with a checksum and a signature. A thin wrapper around
``adjudication.ops.backups.backup_write``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from adjudication.ops.backups import SUFFIX, BackupRefused, backup_write
from competitions.models import Competition


class Command(BaseCommand):
    help = (
        "Write a backup of one or all competitions (gzip JSON with a SHA-256 checksum, signed "
        "with BACKUP_SIGNING_KEY) that `restore` reads back. It holds every account of the "
        "site (the staff who run the restored competition need theirs), password hashes "
        "included: keep it private."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--competition", metavar="SLUG", help="only this competition")
        parser.add_argument(
            "--out",
            metavar="FILE",
            help=f"where to write (default: podium-<slug or all>-<UTC time>{SUFFIX} here)",
        )

    def handle(self, *args: Any, competition: str | None, out: str | None, **options) -> None:
        competitions = Competition.objects.order_by("pk")
        if competition is not None:
            competitions = competitions.filter(slug=competition)
            if not competitions.exists():
                raise CommandError(f"There is no competition with the slug “{competition}”.")
        elif not competitions.exists():
            raise CommandError("There is no competition to back up.")
        if out is None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            out = f"podium-{competition or 'all'}-{stamp}{SUFFIX}"
        try:
            size = backup_write(Path(out), list(competitions))
        except BackupRefused as refusal:
            raise CommandError(str(refusal)) from None
        names = ", ".join(c.slug for c in competitions)
        self.stdout.write(f"Backup of {names} written to {out} ({size} bytes).")
