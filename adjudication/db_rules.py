"""Rules about marks that the database itself enforces (installed around migrate).

A shadow (trainee) judge's sheets never count. ``Sheet.shadow`` is always the flag of
the judge's seat on the event's panel: a sheet whose flag differs is refused, on insert
and on any later change, and a seat's flag cannot change (nor a seat be added or moved)
while its judge has sheets in that event under the other flag. Every counting read
filters ``shadow = false``, and a CHECK constraint (``adjudication_sheet_shadow_never_
counted``) refuses the confirmation or the accepted count that would make a shadow's
sheet count."""

from competitions.db_rules import _trigger_rule, append_only

_SHADOW_MESSAGE = "the sheets of a shadow judge never count: a sheet follows the flag of its seat"

DB_RULES = (
    append_only("adjudication_markchange", "the audit trail of marks"),
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
