"""Rules about marks that the database itself enforces (installed around migrate).

A shadow (trainee) judge's sheets never count. ``Sheet.shadow`` is always the flag of
the judge's seat on the event's panel: a sheet whose flag differs is refused, on insert
and on any later change, and a seat's flag cannot change (nor a seat be added or moved)
while its judge has sheets in that event under the other flag. Every counting read
filters ``shadow = false``, and a CHECK constraint (``adjudication_sheet_shadow_never_
counted``) refuses the confirmation or the accepted count that would make a shadow's
sheet count.

A judge's receipt is signed once: only its superseding fields may be set, each once."""

from competitions.db_rules import DbRule, _trigger_rule, append_only

_SHADOW_MESSAGE = "the sheets of a shadow judge never count: a sheet follows the flag of its seat"

_RECEIPT = "adjudication_receipt"
_RECEIPT_RULE = f"{_RECEIPT}_append_only"
_RECEIPT_MESSAGE = "a receipt cannot be changed once issued, only superseded once"
_SIGNED = ("round_id", "judge_id", "round_revision", "issued_at", "code", "digest", "key_id")


def _receipt_violation(distinct: str) -> str:
    """A change of what was signed, or of a superseding field already set."""
    changed = [f"NEW.{c} {distinct} OLD.{c}" for c in (*_SIGNED, "payload")]
    changed += [
        f"(OLD.superseded_at IS NOT NULL AND NEW.superseded_at {distinct} OLD.superseded_at)",
        "(OLD.superseded_at IS NOT NULL AND "
        f"NEW.superseded_reason {distinct} OLD.superseded_reason)",
        "(OLD.superseded_by_id IS NOT NULL AND "
        f"NEW.superseded_by_id {distinct} OLD.superseded_by_id)",
    ]
    return " OR ".join(changed)


def _receipt_rule() -> DbRule:
    body = f"""
        IF {_receipt_violation("IS DISTINCT FROM")} THEN
            RAISE EXCEPTION '{_RECEIPT_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
    """
    postgresql = (
        f"""
        CREATE OR REPLACE FUNCTION {_RECEIPT_RULE}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {body}
            RETURN NEW;
        END $$;
        """,
        f"""
        CREATE TRIGGER {_RECEIPT_RULE} BEFORE UPDATE ON {_RECEIPT}
        FOR EACH ROW EXECUTE FUNCTION {_RECEIPT_RULE}();
        """,
    )
    sqlite = f"""
        CREATE TRIGGER {_RECEIPT_RULE} BEFORE UPDATE ON {_RECEIPT}
        FOR EACH ROW WHEN {_receipt_violation("IS NOT")}
        BEGIN SELECT RAISE(ABORT, '{_RECEIPT_MESSAGE}'); END;
    """
    return DbRule(_RECEIPT_RULE, _RECEIPT, postgresql, (sqlite,), (_RECEIPT_RULE,))


DB_RULES = (
    append_only("adjudication_markchange", "the audit trail of marks"),
    _receipt_rule(),
    _trigger_rule(
        "adjudication_sheet",
        "adjudication_sheet_shadow_from_seat",
        (("insert", "INSERT"), ("update", "UPDATE OF shadow, judge_id, round_id")),
        """NEW.shadow <> COALESCE((
            SELECT s.shadow FROM competitions_panelseat s
            JOIN competitions_round r ON r.event_id = s.event_id
            WHERE r.id = NEW.round_id AND s.judge_id = NEW.judge_id
        ), FALSE)""",
        _SHADOW_MESSAGE,
    ),
    _trigger_rule(
        "competitions_panelseat",
        "competitions_panelseat_shadow_fixed_by_sheets",
        (("insert", "INSERT"), ("update", "UPDATE OF shadow, judge_id, event_id")),
        """EXISTS (
            SELECT 1 FROM adjudication_sheet sh
            JOIN competitions_round r ON r.id = sh.round_id
            WHERE r.event_id = NEW.event_id AND sh.judge_id = NEW.judge_id
              AND sh.shadow <> NEW.shadow
        )""",
        _SHADOW_MESSAGE,
    ),
)
