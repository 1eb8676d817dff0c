"""Lifecycle and cross-table rules enforced by the database, on PostgreSQL and SQLite.

CHECK constraints (in the models) keep statuses to their known values. The triggers
here refuse every status move not listed in ``Competition.TRANSITIONS`` and
``Round.TRANSITIONS``, and the invariants that span tables: an entry's competitor and
a panel judge belong to the event's competition, a heat's entries belong to its event
(once per round), a judge's account is judge-only (not staff, not a superuser, no other
role; nor made so while it judges), and nothing is moved to another parent once created.

A rule about some columns fires, on both databases, only for an ``UPDATE`` that sets
them (``UPDATE OF``): a registration's counter ``UPDATE`` of an event or a competition
runs none of their guards (docs/benchmarks.md, the eighth pass).

Triggers are installed after every ``migrate`` and dropped before it (see
``competitions.apps``): SQLite rebuilds a table to alter it, which drops the
triggers on it and trips over triggers that name it, so they are never left to
individual migrations. Install and drop are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models.signals import post_migrate, pre_migrate

from accounts.roles import JUDGE_ACCOUNT_ROLES
from competitions.models import Competition, Round


@dataclass(frozen=True)
class DbRule:
    name: str
    table: str
    postgresql: tuple[str, ...]
    sqlite: tuple[str, ...]
    sqlite_triggers: tuple[str, ...]


def _moves(transitions: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(str(a), str(b)) for a, targets in transitions.items() for b in targets]


def _pg_function(name: str, body: str) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {body}
            RETURN NEW;
        END $$;
    """


def _pg_trigger(name: str, table: str, when: str) -> str:
    return f"""
        CREATE TRIGGER {name} BEFORE {when} ON {table}
        FOR EACH ROW EXECUTE FUNCTION {name}();
    """


def _raise_when(violation: str, message: str) -> str:
    return f"""
        IF {violation} THEN
            RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';
        END IF;
    """


def _one_trigger_rule(name: str, table: str, when: str, body: str, sqlite: str) -> DbRule:
    """A rule of one PostgreSQL function and trigger, and one SQLite trigger, all ``name``."""
    return DbRule(
        name, table, (_pg_function(name, body), _pg_trigger(name, table, when)), (sqlite,), (name,)
    )


def _status_rule(table: str, moves: list[tuple[str, str]], what: str) -> DbRule:
    name = f"{table}_status_guard"
    pairs = ", ".join(f"('{a}', '{b}')" for a, b in moves)
    allowed = " OR ".join(f"(OLD.status = '{a}' AND NEW.status = '{b}')" for a, b in moves)
    body = f"""
        IF NEW.status IS DISTINCT FROM OLD.status
           AND (OLD.status, NEW.status) NOT IN ({pairs}) THEN
            RAISE EXCEPTION '{what} status cannot move from % to %', OLD.status, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
    """
    sqlite = f"""
        CREATE TRIGGER {name} BEFORE UPDATE OF status ON {table}
        FOR EACH ROW WHEN NEW.status IS NOT OLD.status AND NOT ({allowed})
        BEGIN SELECT RAISE(ABORT, '{what} status cannot make this move'); END;
    """
    return _one_trigger_rule(name, table, "UPDATE OF status", body, sqlite)


def _update_rule(table: str, name: str, column: str, violation: str, message: str) -> DbRule:
    """Refuse an UPDATE of ``column`` for which ``violation`` (over OLD and NEW) holds."""
    body = _raise_when(violation, message)
    sqlite_violation = violation.replace("IS DISTINCT FROM", "IS NOT")
    sqlite = f"""
        CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON {table}
        FOR EACH ROW WHEN {sqlite_violation}
        BEGIN SELECT RAISE(ABORT, '{message}'); END;
    """
    return _one_trigger_rule(name, table, f"UPDATE OF {column}", body, sqlite)


def append_only(table: str, what: str) -> DbRule:
    """Refuse every UPDATE of ``table``: its rows are a record, written once."""
    name = f"{table}_append_only"
    message = f"{what} cannot be changed once written"
    body = f"RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';"
    sqlite = f"""
        CREATE TRIGGER {name} BEFORE UPDATE ON {table}
        FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{message}'); END;
    """
    return _one_trigger_rule(name, table, "UPDATE", body, sqlite)


def _fixed_parent(table: str, column: str) -> DbRule:
    return _update_rule(
        table,
        f"{table}_{column}_fixed",
        column,
        f"NEW.{column} IS DISTINCT FROM OLD.{column}",
        f"{table}.{column} cannot change once set",
    )


def _row_rule(table: str, name: str, violation: str, message: str, columns: list[str]) -> DbRule:
    """Refuse an INSERT, or an UPDATE of ``columns``, for which ``violation`` holds."""
    body = _raise_when(violation, message)
    sqlite = tuple(
        f"""
        CREATE TRIGGER {name}_{suffix} BEFORE {when} ON {table}
        FOR EACH ROW WHEN {violation}
        BEGIN SELECT RAISE(ABORT, '{message}'); END;
        """
        for suffix, when in (("insert", "INSERT"), ("update", f"UPDATE OF {', '.join(columns)}"))
    )
    return DbRule(
        name,
        table,
        (
            _pg_function(name, body),
            _pg_trigger(name, table, f"INSERT OR UPDATE OF {', '.join(columns)}"),
        ),
        sqlite,
        (f"{name}_insert", f"{name}_update"),
    )


def _trigger_rule(
    table: str, name: str, events: tuple[tuple[str, str], ...], violation: str, message: str
) -> DbRule:
    """Refuse the rows of ``events`` (suffix, event: ``("update", "UPDATE OF user_id")``)
    where ``violation`` holds; the same events on both databases."""
    body = _raise_when(violation, message)
    sqlite = tuple(
        f"""
        CREATE TRIGGER {name}_{suffix} BEFORE {event} ON {table}
        FOR EACH ROW WHEN {violation}
        BEGIN SELECT RAISE(ABORT, '{message}'); END;
        """
        for suffix, event in events
    )
    pg_events = " OR ".join(event for _, event in events)
    return DbRule(
        name,
        table,
        (_pg_function(name, body), _pg_trigger(name, table, pg_events)),
        sqlite,
        tuple(f"{name}_{suffix}" for suffix, _ in events),
    )


# A judge's account is judge-only (accounts.roles.judge_account_allowed): a tablet code
# signs it in. Refused both ways: linking such an account, and raising a linked one.
_JUDGE_ACCOUNT_ROLES = "({})".format(", ".join(f"'{role.value}'" for role in JUDGE_ACCOUNT_ROLES))
_JUDGE_ACCOUNT_MESSAGE = "the account of a judge cannot be staff, a superuser or hold another role"
_JUDGE_ACCOUNT_RULES = (
    _trigger_rule(
        "competitions_judge",
        "competitions_judge_account_judge_only",
        (("insert", "INSERT"), ("update", "UPDATE OF user_id")),
        f"""NEW.user_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM accounts_user u WHERE u.id = NEW.user_id AND (
                u.is_staff OR u.is_superuser OR EXISTS (
                    SELECT 1 FROM accounts_user_groups ug
                    JOIN auth_group g ON g.id = ug.group_id
                    WHERE ug.user_id = u.id AND g.name NOT IN {_JUDGE_ACCOUNT_ROLES}
                )
            )
        )""",  # nosec B608: only the constant role names are formatted in
        _JUDGE_ACCOUNT_MESSAGE,
    ),
    _trigger_rule(
        "accounts_user",
        "accounts_user_judge_stays_judge_only",
        (("update", "UPDATE OF is_staff, is_superuser"),),
        """((NEW.is_staff AND NOT OLD.is_staff) OR (NEW.is_superuser AND NOT OLD.is_superuser))
        AND EXISTS (SELECT 1 FROM competitions_judge j WHERE j.user_id = NEW.id)""",
        _JUDGE_ACCOUNT_MESSAGE,
    ),
    _trigger_rule(
        "accounts_user_groups",
        "accounts_user_groups_judge_stays_judge_only",
        (("insert", "INSERT"), ("update", "UPDATE OF user_id, group_id")),
        f"""EXISTS (SELECT 1 FROM competitions_judge j WHERE j.user_id = NEW.user_id)
        AND EXISTS (
            SELECT 1 FROM auth_group g
            WHERE g.id = NEW.group_id AND g.name NOT IN {_JUDGE_ACCOUNT_ROLES}
        )""",  # nosec B608: only the constant role names are formatted in
        _JUDGE_ACCOUNT_MESSAGE,
    ),
)


_SEEDED_ROUND_DRAWN = """EXISTS (
        SELECT 1 FROM competitions_round r
        WHERE r.event_id = NEW.event_id AND r.position IN ({positions})
          AND (r.status <> 'planned'
               OR EXISTS (SELECT 1 FROM competitions_heat h WHERE h.round_id = r.id))
    )"""


def _seeded_round_drawn(positions: str) -> str:
    # bandit: only the trigger's own NEW/OLD columns are formatted in, never input
    return _SEEDED_ROUND_DRAWN.format(positions=positions)  # nosec B608


# A seeded couple joins a round that is still to be drawn: seeding into (or out of) a
# round whose heats are drawn would change a draw the couples may already have seen.
_SEEDING_MESSAGE = "a couple is seeded into a round (or out of it) only before it is drawn"
_SEEDING_RULES = (
    _trigger_rule(
        "competitions_entry",
        "competitions_entry_seeded_before_draw",
        (("insert", "INSERT"),),
        "NEW.seeded_round IS NOT NULL AND " + _seeded_round_drawn("NEW.seeded_round"),
        _SEEDING_MESSAGE,
    ),
    _update_rule(
        "competitions_entry",
        "competitions_entry_seeding_fixed_once_drawn",
        "seeded_round",
        "NEW.seeded_round IS DISTINCT FROM OLD.seeded_round AND "
        + _seeded_round_drawn("NEW.seeded_round, OLD.seeded_round"),
        _SEEDING_MESSAGE,
    ),
)


# One judge per seat per round: a replacement judge sits only after the seat they took
# over ended (adjudication.incidents.judges), and neither seat changes its judge.
_REPLACEMENT_MESSAGE = "a replacement judge and the judge replaced never sit in the same round"
_PANEL_RULES = (
    _row_rule(
        "competitions_panelseat",
        "competitions_panelseat_replacement_after_replaced",
        """(
            NEW.replaces_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM competitions_panelseat gone WHERE gone.id = NEW.replaces_id
                  AND (gone.event_id <> NEW.event_id OR gone.until_round IS NULL
                       OR gone.until_round >= NEW.from_round)
            )
        ) OR EXISTS (
            SELECT 1 FROM competitions_panelseat r WHERE r.replaces_id = NEW.id
              AND (NEW.until_round IS NULL OR NEW.until_round >= r.from_round)
        )""",
        _REPLACEMENT_MESSAGE,
        ["event_id", "from_round", "until_round", "replaces_id"],
    ),
    _update_rule(
        "competitions_panelseat",
        "competitions_panelseat_judge_fixed_in_replacement",
        "judge_id",
        """NEW.judge_id IS DISTINCT FROM OLD.judge_id AND (NEW.replaces_id IS NOT NULL
        OR EXISTS (SELECT 1 FROM competitions_panelseat r WHERE r.replaces_id = NEW.id))""",
        "the judge of a seat in a replacement cannot change",
    ),
    _row_rule(
        "competitions_panelseat",
        "competitions_panelseat_shadow_outside_replacements",
        """(
            NEW.replaces_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM competitions_panelseat gone
                WHERE gone.id = NEW.replaces_id AND gone.shadow
            )
        ) OR (
            NEW.shadow AND EXISTS (
                SELECT 1 FROM competitions_panelseat r WHERE r.replaces_id = NEW.id
            )
        )""",
        "a shadow judge neither replaces a judge nor is replaced",
        ["replaces_id", "shadow"],
    ),
)


# A component's allocation stays inside its event: the judge of its competition, a
# component, round and dance of that event.
_ALLOCATION_RULES = (
    _row_rule(
        "competitions_componentallocation",
        "competitions_componentallocation_same_event",
        """EXISTS (
            SELECT 1 FROM competitions_event e
            WHERE e.id = NEW.event_id AND (
                NOT EXISTS (SELECT 1 FROM competitions_judge j
                            WHERE j.id = NEW.judge_id AND j.competition_id = e.competition_id)
                OR NOT EXISTS (SELECT 1 FROM competitions_criterion c
                               WHERE c.id = NEW.criterion_id AND c.event_id = e.id)
                OR (NEW.round_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM competitions_round r
                    WHERE r.id = NEW.round_id AND r.event_id = e.id))
                OR (NEW.dance_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM competitions_dance d
                    WHERE d.id = NEW.dance_id AND d.event_id = e.id))
            )
        )""",
        "an allocation names a judge of the competition and a component, round and dance "
        "of its own event",
        ["event_id", "judge_id", "criterion_id", "round_id", "dance_id"],
    ),
)


DB_RULES: tuple[DbRule, ...] = (
    _status_rule("competitions_competition", _moves(Competition.TRANSITIONS), "competition"),
    _status_rule("competitions_round", _moves(Round.TRANSITIONS), "round"),
    _fixed_parent("competitions_event", "competition_id"),
    _fixed_parent("competitions_competitor", "competition_id"),
    _fixed_parent("competitions_judge", "competition_id"),
    _fixed_parent("competitions_round", "event_id"),
    _fixed_parent("competitions_heat", "round_id"),
    _row_rule(
        "competitions_entry",
        "competitions_entry_fits_event",
        """EXISTS (
            SELECT 1 FROM competitions_event e, competitions_competitor c
            WHERE e.id = NEW.event_id AND c.id = NEW.competitor_id
              AND (e.competition_id <> c.competition_id OR e.entry_kind <> c.kind)
        )""",
        "an entry needs a competitor of the same competition and of the kind the event takes",
        ["event_id", "competitor_id"],
    ),
    _row_rule(
        "competitions_panelseat",
        "competitions_panelseat_same_competition",
        """EXISTS (
            SELECT 1 FROM competitions_event e, competitions_judge j
            WHERE e.id = NEW.event_id AND j.id = NEW.judge_id
              AND e.competition_id <> j.competition_id
        )""",
        "a judge can only sit on panels of their own competition",
        ["event_id", "judge_id"],
    ),
    _row_rule(
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
    ),
    _update_rule(
        "competitions_competitor",
        "competitions_competitor_kind_fixed_when_entered",
        "kind",
        "NEW.kind IS DISTINCT FROM OLD.kind AND EXISTS "
        "(SELECT 1 FROM competitions_entry WHERE competitor_id = NEW.id)",
        "a competitor with entries cannot change kind",
    ),
    append_only("competitions_floormove", "the trail of the floor"),
    *(  # a timetable line or a floor move is on a floor of its own competition
        _row_rule(
            table,
            f"{table}_floor_same_competition",
            """NEW.floor_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM competitions_floor f
                WHERE f.id = NEW.floor_id AND f.competition_id = NEW.competition_id
            )""",
            "a floor of another competition",
            ["floor_id", "competition_id"],
        )
        for table in ("competitions_timetableitem", "competitions_floormove")
    ),
    _fixed_parent("competitions_floor", "competition_id"),
    append_only("competitions_incident", "the trail of incidents"),
    _update_rule(
        "competitions_event",
        "competitions_event_entry_kind_fixed_when_entered",
        "entry_kind",
        "NEW.entry_kind IS DISTINCT FROM OLD.entry_kind AND EXISTS "
        "(SELECT 1 FROM competitions_entry WHERE event_id = NEW.id)",
        "an event with entries cannot change the kind it takes",
    ),
    *_JUDGE_ACCOUNT_RULES,
    *_SEEDING_RULES,
    *_PANEL_RULES,
    *_ALLOCATION_RULES,
)


def _existing_tables(connection) -> set[str]:
    return set(connection.introspection.table_names())


def drop_db_rules(connection, rules: tuple[DbRule, ...] = DB_RULES) -> None:
    tables = _existing_tables(connection)
    with connection.cursor() as cursor:
        for rule in rules:
            if connection.vendor == "postgresql":
                if rule.table in tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {rule.name} ON {rule.table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {rule.name}()")
            elif connection.vendor == "sqlite":
                for trigger in rule.sqlite_triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def install_db_rules(connection, rules: tuple[DbRule, ...] = DB_RULES) -> None:
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"Podium supports PostgreSQL and SQLite, not {connection.vendor}.")
    drop_db_rules(connection, rules)
    with connection.cursor() as cursor:
        for rule in rules:
            statements = rule.postgresql if connection.vendor == "postgresql" else rule.sqlite
            for statement in statements:
                # No parameters: the plpgsql bodies hold literal % placeholders.
                cursor.execute(statement, None)


def installed_rule_count(connection, rules: tuple[DbRule, ...] = DB_RULES) -> int:
    """How many of the rules' triggers exist, for checks and tests."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(DISTINCT tgname) FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgname = ANY(%s)",
                [[rule.name for rule in rules]],
            )
        else:
            names = [name for rule in rules for name in rule.sqlite_triggers]
            marks = ", ".join(["%s"] * len(names))
            cursor.execute(
                # bandit: only %s placeholders are formatted in; names go as parameters
                f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",  # nosec B608
                names,
            )
        return cursor.fetchone()[0]


def expected_rule_count(vendor: str, rules: tuple[DbRule, ...] = DB_RULES) -> int:
    if vendor == "postgresql":
        return len(rules)
    return sum(len(rule.sqlite_triggers) for rule in rules)


def connect_db_rules(app_config, rules: tuple[DbRule, ...], first_table: str) -> None:
    """Install ``rules`` after every migrate (once ``first_table`` exists), drop them before."""

    def drop(sender, using, plan=None, **kwargs):
        # Only when migrations will run: a migrate with nothing to do (every web
        # container's start) must not leave running processes without the rules.
        if plan:
            drop_db_rules(connections[using], rules)

    def install(sender, using, **kwargs):
        connection = connections[using]
        if first_table in connection.introspection.table_names():
            # Drop and create in one transaction: no moment without the rules.
            with transaction.atomic(using=using):
                install_db_rules(connection, rules)

    label = app_config.label
    pre_migrate.connect(drop, sender=app_config, dispatch_uid=f"{label}_drop_guards", weak=False)
    post_migrate.connect(
        install, sender=app_config, dispatch_uid=f"{label}_install_guards", weak=False
    )
