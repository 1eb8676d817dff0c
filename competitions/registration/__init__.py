"""Registration, one module a concern: links, a competitor's registration and the places
it takes, the organizer's entries and withdrawals, judges' sign-ups, closing (round
plans, bibs, draws), idempotent answers and reminders.

The public names are importable from here, as they always were.
"""

from competitions.registration.closing import (
    ClosingPreview,
    ClosingReport,
    EventClosingPlan,
    competition_assign_bibs,
    event_plan_rounds,
    plan_round_sizes,
    registration_close,
    registration_close_preview,
)
from competitions.registration.entries import (
    WithdrawalResult,
    entry_add,
    entry_remove,
    entry_withdraw,
)
from competitions.registration.idempotency import (
    IdempotencyConflict,
    StoredAnswer,
    idempotency_keys_expire,
    idempotent_call,
    request_fingerprint,
)
from competitions.registration.judges import (
    judge_application_accept,
    judge_application_decline,
    judge_apply,
)
from competitions.registration.links import link_create, link_get_valid, link_revoke
from competitions.registration.refusals import (
    NAME_PATTERN,
    LinkRefused,
    RegistrationInvalid,
    RegistrationRefused,
)
from competitions.registration.reminders import (
    REMINDER_LEAD,
    competition_starts_at,
    reminders_claim_due,
)
from competitions.registration.submit import (
    CompetitorDetails,
    RegistrationResult,
    RegistrationWindow,
    registration_errors,
    registration_get,
    registration_link_get,
    registration_submit,
    registration_window,
    registration_window_problem,
)

__all__ = [
    "NAME_PATTERN",
    "REMINDER_LEAD",
    "ClosingPreview",
    "ClosingReport",
    "CompetitorDetails",
    "EventClosingPlan",
    "IdempotencyConflict",
    "LinkRefused",
    "RegistrationInvalid",
    "RegistrationRefused",
    "RegistrationResult",
    "RegistrationWindow",
    "StoredAnswer",
    "WithdrawalResult",
    "competition_assign_bibs",
    "competition_starts_at",
    "entry_add",
    "entry_remove",
    "entry_withdraw",
    "event_plan_rounds",
    "idempotency_keys_expire",
    "idempotent_call",
    "judge_application_accept",
    "judge_application_decline",
    "judge_apply",
    "link_create",
    "link_get_valid",
    "link_revoke",
    "plan_round_sizes",
    "registration_close",
    "registration_close_preview",
    "registration_errors",
    "registration_get",
    "registration_link_get",
    "registration_submit",
    "registration_window",
    "registration_window_problem",
    "reminders_claim_due",
    "request_fingerprint",
]
