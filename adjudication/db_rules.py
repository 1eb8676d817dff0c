"""Rules about marks that the database itself enforces (installed around migrate)."""

from competitions.db_rules import append_only

DB_RULES = (append_only("adjudication_markchange", "the audit trail of marks"),)
