"""``manage.py restore FILE [--trust-unsigned] [--with-staff-credentials] [--max-mb N]``:
restore a backup written by ``backup``, all or nothing. A thin wrapper around
``adjudication.ops.backups.backup_restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from adjudication.ops.backups import BackupRefused, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the competitions of a backup file. A damaged, edited, foreign, newer or "
        "unsigned file is refused, as is a competition that exists here already; nothing is "
        "written then. Accounts come back without staff or superuser rights and unable to "
        "sign in (an administrator sets their passwords) unless --with-staff-credentials."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file written by `manage.py backup`")
        parser.add_argument(
            "--trust-unsigned",
            action="store_true",
            help="restore a file that is not signed with this site's BACKUP_SIGNING_KEY "
            "(unsigned, or signed on a site with another key): only one you know the "
            "origin of",
        )
        parser.add_argument(
            "--with-staff-credentials",
            action="store_true",
            help=(
                "restore the accounts' password hashes, staff and superuser flags and "
                "the competitions' staff assignments too"
            ),
        )
        parser.add_argument(
            "--max-mb",
            type=int,
            metavar="N",
            help="refuse a file larger than N MB once decompressed "
            "(default: BACKUP_RESTORE_MAX_MB)",
        )

    def handle(
        self,
        *args: Any,
        file: str,
        trust_unsigned: bool,
        with_staff_credentials: bool,
        max_mb: int | None,
        **options: Any,
    ) -> None:
        if max_mb is not None and max_mb < 1:
            raise CommandError("--max-mb must be at least 1.")
        limit = (max_mb or settings.BACKUP_RESTORE_MAX_MB) * 2**20
        try:
            path = Path(file)
            # The compressed file is never larger than what it decompresses to.
            if path.stat().st_size > limit:
                raise CommandError(
                    f"{file}: the file is larger than {limit // 2**20} MB; nothing was written."
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        try:
            report = backup_restore(
                data,
                trust_unsigned=trust_unsigned,
                with_staff_credentials=with_staff_credentials,
                max_bytes=limit,
            )
        except BackupRefused as refusal:
            raise CommandError(f"{file}: {refusal}") from None
        self.stdout.write(
            f"Restored {', '.join(report.competitions)}: {report.rows} rows; "
            f"{report.users_created} accounts created, {report.users_found} found here."
        )
        if report.users_created and not with_staff_credentials:
            self.stdout.write(
                "The accounts created cannot sign in and have no staff rights: set their "
                "passwords in the admin (or restore again with --with-staff-credentials)."
            )
