"""Does a receipt match what Podium holds now? ``receipt_verify`` answers the public
``/verify/`` page and its API from a code (and, optionally, the receipt's text pasted);
``receipt_problems`` is what ``verify`` reports for every current receipt of a round.
The reads of receipts for the tablet, the desk and the judges' sheets are here too."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from typing import Any

from django.db.models import QuerySet

from adjudication.models import Receipt
from adjudication.receipts.issuing import comparable, receipt_content
from adjudication.receipts.signing import code_normalize, code_of, digest_of, key_id
from competitions.models import Competition, Judge, Round, RoundStatus

MATCHES = "matches"
SUPERSEDED = "superseded"
CHANGED = "changed"  # Podium's data no longer agrees with a current receipt
OLDER_KEY = "older_key"
NO_MATCH = "no_match"
INVALID = "invalid"
MAX_PASTED = 200_000


@dataclasses.dataclass
class ReceiptCheck:
    status: str
    message: str
    receipt: Receipt | None = None
    # The holder's own marks, only when they pasted the whole receipt and it is genuine.
    sheets: list[dict[str, Any]] | None = None

    @property
    def ok(self) -> bool:
        return self.status == MATCHES


def _pasted_payload(text: str) -> dict[str, Any] | None:
    """The JSON object in a pasted receipt (the PDF's text around it is allowed)."""
    # A line broken on paper or a screen is a space again.
    text = re.sub(r"\s+", " ", text)
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        value = json.loads(text[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def receipt_problems(receipt: Receipt) -> list[str]:
    """Why a receipt no longer holds: its stored signature is not its content's, or (a
    current receipt) what it covers differs from what the database holds now."""
    if receipt.key_id != key_id():
        return []  # signed with an older key: nothing to recompute with
    if digest_of(receipt.payload) != receipt.digest or code_of(receipt.digest) != receipt.code:
        return ["its stored content is not what was signed"]
    if receipt.superseded_at is not None:
        return []
    now = comparable(receipt_content(receipt.round, receipt.judge))
    held = comparable(receipt.payload)
    return [
        f"{key} differs from what Podium holds now"
        for key in sorted(set(now) | set(held))
        if now.get(key) != held.get(key)
    ]


def reason_public(receipt: Receipt) -> bool:
    """Why a receipt was superseded (a disqualification, a recall count, a reopening's
    words) tells of the round's result: the public reads it once the round is published."""
    return receipt.round.status == RoundStatus.PUBLISHED


def _superseded_message(receipt: Receipt) -> str:
    when = receipt.superseded_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    newer = (
        "a newer receipt exists"
        if receipt.superseded_by_id
        else "a new receipt follows when the round's result is stored again"
    )
    reason = (
        receipt.superseded_reason
        if reason_public(receipt)
        else "the desk changed the round (why is shown once its result is published)"
    )
    return f"Superseded on {when}: {reason} ({newer})."


def receipt_verify(code: str, pasted: str = "") -> ReceiptCheck:
    """The answer for someone holding a receipt: never another judge's marks, and the
    holder's own only when their pasted receipt is the genuine one."""
    normal = code_normalize(code)
    if normal is None:
        return ReceiptCheck(
            INVALID, "A receipt code is 16 letters and digits (2–7), like ABCD-EFGH-JKLM-NPQR."
        )
    payload = None
    if pasted.strip():
        payload = _pasted_payload(pasted[:MAX_PASTED])
        if payload is None:
            return ReceiptCheck(INVALID, "The pasted text holds no receipt (no JSON found).")
    receipt = Receipt.objects.select_related("round__event", "judge").filter(code=normal).first()
    if receipt is None or (payload is not None and payload != receipt.payload):
        return ReceiptCheck(NO_MATCH, "This receipt does not match anything Podium holds.")
    if receipt.key_id != key_id():
        return ReceiptCheck(
            OLDER_KEY,
            "This receipt was signed with an older key of this site: Podium can no longer "
            "check its signature. Ask the organizer.",
            receipt,
        )
    problems = receipt_problems(receipt)
    if problems:
        return ReceiptCheck(
            CHANGED if receipt.superseded_at is None else NO_MATCH,
            "This receipt does not match what Podium holds now: tell the scrutineer.",
            receipt,
        )
    sheets = payload["sheets"] if payload is not None else None
    if receipt.superseded_at is not None:
        return ReceiptCheck(SUPERSEDED, _superseded_message(receipt), receipt, sheets)
    return ReceiptCheck(MATCHES, "This receipt matches what Podium holds now.", receipt, sheets)


def check_body(check: ReceiptCheck) -> dict[str, Any]:
    """The public answer: what the receipt is of, never anyone else's marks."""
    receipt = check.receipt
    body: dict[str, Any] = {"status": check.status, "matches": check.ok, "message": check.message}
    if receipt is not None:
        body.update(
            code=receipt.code,
            competition=receipt.payload.get("competition"),
            round=receipt.payload.get("round_title"),
            judge=receipt.judge.letter,
            issued_at=receipt.issued_at,
            superseded_at=receipt.superseded_at,
            superseded_reason=receipt.superseded_reason if reason_public(receipt) else "",
        )
    if check.sheets is not None:
        body["sheets"] = check.sheets
    return body


def judge_receipts(judge: Judge) -> QuerySet[Receipt]:
    """A judge's receipts of rounds that have a result, newest first per round."""
    return (
        Receipt.objects.filter(judge=judge)
        .select_related("round__event", "superseded_by")
        .order_by("round__event__position", "round__position", "-issued_at", "-pk")
    )


def round_current_receipts(round_: Round) -> list[Receipt]:
    return list(
        Receipt.objects.filter(round=round_, superseded_at__isnull=True)
        .select_related("judge")
        .order_by("judge__letter")
    )


def competition_current_receipts(competition: Competition) -> dict[tuple[int, int], Receipt]:
    """(round id, judge id) → the current receipt, for the judges' sheets to sign."""
    return {
        (r.round_id, r.judge_id): r
        for r in Receipt.objects.filter(
            round__event__competition=competition,
            superseded_at__isnull=True,
            round__status__in=(RoundStatus.CLOSED, RoundStatus.PUBLISHED),
        )
    }
