"""``manage.py migrate --noinput``, one container at a time.

Django takes no lock of its own around ``migrate``, so web containers started
together (``docker compose up --scale web=3``) would race to create the same
tables. On PostgreSQL this holds a session-level advisory lock while migrating;
the other containers wait for it and then find nothing left to apply. Elsewhere
(SQLite, the embedded default) it simply migrates.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Any fixed 64-bit number will do, as long as nothing else uses it: "Podium" in ASCII.
LOCK_ID = 0x506F6469756D


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scoring_site.settings.base")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        call_command("migrate", interactive=False)
        return
    # The lock belongs to the session: migrate runs on this same connection, which
    # Django keeps open (from the pool) until the command ends.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
    try:
        call_command("migrate", interactive=False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])


if __name__ == "__main__":
    main()
