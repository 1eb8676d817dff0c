"""The audit log is a record: the database refuses to change its rows, and on
PostgreSQL to delete them one by one (TRUNCATE, which only the owner of the tables can
run, still empties it: the test suite's flush). SQLite's flush deletes row by row, so
there only updates are refused, as for the marks' trail.

Installed after every ``migrate`` and dropped before it, like the rules of
``competitions.db_rules`` (SQLite rebuilds a table to alter it, dropping its triggers).
Kept here rather than imported from ``competitions``: accounts imports no later app.
"""

from __future__ import annotations

from django.db import connections, transaction
from django.db.models.signals import post_migrate, pre_migrate

TABLE = "accounts_auditentry"
NAME = f"{TABLE}_append_only"
MESSAGE = "the audit log cannot be changed or deleted"

_PG_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END $$;
"""
_PG_TRIGGER = f"""
    CREATE TRIGGER {NAME} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {NAME}();
"""
SQLITE_TRIGGERS = {
    f"{NAME}_update": f"""
        CREATE TRIGGER {NAME}_update BEFORE UPDATE ON {TABLE}
        FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
}


def drop(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if TABLE in connection.introspection.table_names():
                cursor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {NAME}()")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install(connection) -> None:
    drop(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION, None)
            cursor.execute(_PG_TRIGGER, None)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_TRIGGERS.values():
                cursor.execute(statement, None)


def installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [NAME])
            return cursor.fetchone()[0] == 1
        marks = ", ".join(["%s"] * len(SQLITE_TRIGGERS))
        cursor.execute(
            # bandit: only %s placeholders are formatted in; names go as parameters
            f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",  # nosec B608
            list(SQLITE_TRIGGERS),
        )
        return cursor.fetchone()[0] == len(SQLITE_TRIGGERS)


def connect(app_config) -> None:
    def before(sender, using, plan=None, **kwargs):
        if plan:
            drop(connections[using])

    def after(sender, using, **kwargs):
        connection = connections[using]
        if TABLE in connection.introspection.table_names():
            with transaction.atomic(using=using):
                install(connection)

    pre_migrate.connect(before, sender=app_config, dispatch_uid="accounts_drop_guards", weak=False)
    post_migrate.connect(
        after, sender=app_config, dispatch_uid="accounts_install_guards", weak=False
    )
