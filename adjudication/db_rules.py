"""Rules about marks that the database itself enforces (installed around migrate)."""

from competitions.db_rules import DbRule, append_only

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
)
