"""``manage.py restore FILE``: restore a backup written by ``backup``, all or nothing.
A thin wrapper around ``adjudication.backups.backup_restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from adjudication.backups import BackupRefused, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the competitions of a backup file. A damaged, edited, foreign or newer file "
        "is refused, as is a competition that exists here already; nothing is written then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file written by `manage.py backup`")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        try:
            report = backup_restore(data)
        except BackupRefused as refusal:
            raise CommandError(f"{file}: {refusal}") from None
        self.stdout.write(
            f"Restored {', '.join(report.competitions)}: {report.rows} rows; "
            f"{report.users_created} accounts created, {report.users_found} found here."
        )
