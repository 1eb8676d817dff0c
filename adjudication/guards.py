"""Rules about marks that the database itself enforces (installed around migrate)."""

from competitions.guards import append_only

GUARDS = (append_only("adjudication_markchange", "the audit trail of marks"),)
