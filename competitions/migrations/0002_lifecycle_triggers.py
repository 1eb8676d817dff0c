"""Lifecycle and cross-table rules enforced by the database, on PostgreSQL and SQLite.

CHECK constraints (in 0001) keep statuses to their known values. The triggers here
refuse every status move that is not listed below, and the invariants that span
tables: an entry's competitor and a panel judge belong to the event's competition,
a heat's entries belong to its event (once per round), and nothing is moved to
another parent once created.

This migration is history: it keeps its own copy of the allowed moves, and the test
suite checks it against ``Competition.TRANSITIONS`` and ``Round.TRANSITIONS``.
"""

from django.db import migrations

COMPETITION_MOVES = [
    ("draft", "registration_open"),
    ("registration_open", "registration_closed"),
    ("registration_closed", "in_progress"),
    ("in_progress", "finished"),
    ("finished", "archived"),
    ("registration_closed", "registration_open"),
    ("draft", "cancelled"),
    ("registration_open", "cancelled"),
    ("registration_closed", "cancelled"),
]
ROUND_MOVES = [
    ("planned", "open"),
    ("open", "closed"),
    ("closed", "published"),
    ("closed", "open"),
]
# Parent keys that never change once a row exists.
FIXED_PARENTS = [
    ("competitions_event", "competition_id"),
    ("competitions_competitor", "competition_id"),
    ("competitions_judge", "competition_id"),
    ("competitions_round", "event_id"),
    ("competitions_heat", "round_id"),
]


def _status_guard(table, moves, what):
    name = f"{table}_status_guard"
    pairs = ", ".join(f"('{a}', '{b}')" for a, b in moves)
    sqlite_allowed = " OR ".join(f"(OLD.status = '{a}' AND NEW.status = '{b}')" for a, b in moves)
    message = f"{what} status cannot make this move"
    postgresql = [
        f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.status IS DISTINCT FROM OLD.status
               AND (OLD.status, NEW.status) NOT IN ({pairs}) THEN
                RAISE EXCEPTION '{what} status cannot move from % to %', OLD.status, NEW.status
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """,
        f"""
        CREATE TRIGGER {name} BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {name}();
        """,
    ]
    sqlite = [
        f"""
        CREATE TRIGGER {name} BEFORE UPDATE OF status ON {table}
        FOR EACH ROW WHEN NEW.status IS NOT OLD.status AND NOT ({sqlite_allowed})
        BEGIN SELECT RAISE(ABORT, '{message}'); END;
        """
    ]
    return name, postgresql, sqlite


def _fixed_parent_guard(table, column):
    name = f"{table}_{column}_fixed"
    message = f"{table}.{column} cannot change once set"
    postgresql = [
        f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.{column} IS DISTINCT FROM OLD.{column} THEN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """,
        f"""
        CREATE TRIGGER {name} BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {name}();
        """,
    ]
    sqlite = [
        f"""
        CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON {table}
        FOR EACH ROW WHEN NEW.{column} IS NOT OLD.{column}
        BEGIN SELECT RAISE(ABORT, '{message}'); END;
        """
    ]
    return name, postgresql, sqlite


def _row_guard(table, name, violation_sql, message, columns):
    """Refuse an INSERT or UPDATE of ``table`` for which ``violation_sql`` (in terms of
    NEW) is true."""
    postgresql = [
        f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {violation_sql} THEN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """,
        f"""
        CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {name}();
        """,
    ]
    sqlite = [
        f"""
        CREATE TRIGGER {name}_insert BEFORE INSERT ON {table}
        FOR EACH ROW WHEN {violation_sql}
        BEGIN SELECT RAISE(ABORT, '{message}'); END;
        """,
        f"""
        CREATE TRIGGER {name}_update BEFORE UPDATE OF {", ".join(columns)} ON {table}
        FOR EACH ROW WHEN {violation_sql}
        BEGIN SELECT RAISE(ABORT, '{message}'); END;
        """,
    ]
    return name, postgresql, sqlite


ENTRY_GUARD = _row_guard(
    "competitions_entry",
    "competitions_entry_fits_event",
    """EXISTS (
        SELECT 1 FROM competitions_event e, competitions_competitor c
        WHERE e.id = NEW.event_id AND c.id = NEW.competitor_id
          AND (e.competition_id <> c.competition_id OR e.entry_kind <> c.kind)
    )""",
    "an entry needs a competitor of the same competition and of the kind the event takes",
    ["event_id", "competitor_id"],
)
PANEL_GUARD = _row_guard(
    "competitions_panelseat",
    "competitions_panelseat_same_competition",
    """EXISTS (
        SELECT 1 FROM competitions_event e, competitions_judge j
        WHERE e.id = NEW.event_id AND j.id = NEW.judge_id
          AND e.competition_id <> j.competition_id
    )""",
    "a judge can only sit on panels of their own competition",
    ["event_id", "judge_id"],
)
HEAT_ENTRY_GUARD = _row_guard(
    "competitions_heatentry",
    "competitions_heatentry_fits_round",
    """(
        EXISTS (
            SELECT 1 FROM competitions_heat h
            JOIN competitions_round r ON r.id = h.round_id
            JOIN competitions_entry en ON en.id = NEW.entry_id
            WHERE h.id = NEW.heat_id AND r.event_id <> en.event_id
        )
        OR EXISTS (
            SELECT 1 FROM competitions_heatentry other
            JOIN competitions_heat oh ON oh.id = other.heat_id
            JOIN competitions_heat h ON h.id = NEW.heat_id
            WHERE other.entry_id = NEW.entry_id AND oh.round_id = h.round_id
              AND other.id <> COALESCE(NEW.id, -1)
        )
    )""",
    "a heat takes only entries of its own event, each in one heat of the round",
    ["heat_id", "entry_id"],
)
COMPETITOR_KIND_GUARD = (
    "competitions_competitor_kind_fixed_when_entered",
    [
        """
        CREATE FUNCTION competitions_competitor_kind_fixed_when_entered()
        RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.kind IS DISTINCT FROM OLD.kind
               AND EXISTS (SELECT 1 FROM competitions_entry WHERE competitor_id = NEW.id) THEN
                RAISE EXCEPTION 'a competitor with entries cannot change kind'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """,
        """
        CREATE TRIGGER competitions_competitor_kind_fixed_when_entered
        BEFORE UPDATE ON competitions_competitor
        FOR EACH ROW EXECUTE FUNCTION competitions_competitor_kind_fixed_when_entered();
        """,
    ],
    [
        """
        CREATE TRIGGER competitions_competitor_kind_fixed_when_entered
        BEFORE UPDATE OF kind ON competitions_competitor
        FOR EACH ROW WHEN NEW.kind IS NOT OLD.kind
            AND EXISTS (SELECT 1 FROM competitions_entry WHERE competitor_id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'a competitor with entries cannot change kind'); END;
        """
    ],
)
EVENT_KIND_GUARD = (
    "competitions_event_entry_kind_fixed_when_entered",
    [
        """
        CREATE FUNCTION competitions_event_entry_kind_fixed_when_entered()
        RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.entry_kind IS DISTINCT FROM OLD.entry_kind
               AND EXISTS (SELECT 1 FROM competitions_entry WHERE event_id = NEW.id) THEN
                RAISE EXCEPTION 'an event with entries cannot change the kind it takes'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """,
        """
        CREATE TRIGGER competitions_event_entry_kind_fixed_when_entered
        BEFORE UPDATE ON competitions_event
        FOR EACH ROW EXECUTE FUNCTION competitions_event_entry_kind_fixed_when_entered();
        """,
    ],
    [
        """
        CREATE TRIGGER competitions_event_entry_kind_fixed_when_entered
        BEFORE UPDATE OF entry_kind ON competitions_event
        FOR EACH ROW WHEN NEW.entry_kind IS NOT OLD.entry_kind
            AND EXISTS (SELECT 1 FROM competitions_entry WHERE event_id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'an event with entries cannot change the kind it takes'); END;
        """
    ],
)

GUARDS = [
    (
        "competitions_competition",
        _status_guard("competitions_competition", COMPETITION_MOVES, "competition"),
    ),
    ("competitions_round", _status_guard("competitions_round", ROUND_MOVES, "round")),
    *[(table, _fixed_parent_guard(table, column)) for table, column in FIXED_PARENTS],
    ("competitions_entry", ENTRY_GUARD),
    ("competitions_panelseat", PANEL_GUARD),
    ("competitions_heatentry", HEAT_ENTRY_GUARD),
    ("competitions_competitor", COMPETITOR_KIND_GUARD),
    ("competitions_event", EVENT_KIND_GUARD),
]


def _sqlite_trigger_names(name, sqlite_statements):
    return [name] if len(sqlite_statements) == 1 else [f"{name}_insert", f"{name}_update"]


def create_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for _table, (_name, postgresql, sqlite) in GUARDS:
        if vendor == "postgresql":
            statements = postgresql
        elif vendor == "sqlite":
            statements = sqlite
        else:
            raise RuntimeError(f"Podium supports PostgreSQL and SQLite, not {vendor}.")
        for statement in statements:
            schema_editor.execute(statement, params=None)


def drop_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, (name, _postgresql, sqlite) in reversed(GUARDS):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for trigger in _sqlite_trigger_names(name, sqlite):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


class Migration(migrations.Migration):
    dependencies = [("competitions", "0001_competition_structure")]

    operations = [migrations.RunPython(create_guards, drop_guards)]
