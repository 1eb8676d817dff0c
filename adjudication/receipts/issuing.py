"""Issuing and superseding receipts, inside the transaction that stores (or withdraws) a
round's result: ``rounds._store_result`` issues, ``round_reopen``, ``sheet_unlock`` and a
result withdrawn at a tie supersede. No permission check here: the callers checked theirs."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from adjudication.models import Placing, Receipt, RoundResult, Sheet
from adjudication.receipts.signing import code_of, digest_of, key_id, sha256_of
from competitions.models import Judge, Round
from competitions.selectors import round_panel

# The payload's keys that only name things for the reader: signed, but a later rename
# does not make a receipt stop matching. Ids are left out of the comparison too (a
# restore from a backup renumbers rows): dances, couples and criteria are compared by
# name, bib and criterion name.
LABELS = frozenset({"competition", "event", "round_title", "judge_name", "name"})
# Written at issue, not recomputed from the data.
ISSUE_KEYS = frozenset({"issued_at", "serial", "key_id"})
PAYLOAD_VERSION = 1


def _when(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.astimezone(datetime.UTC).isoformat()


def _number(value: Decimal | None, places: int) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def result_sha256(round_: Round) -> str | None:
    """The SHA-256 of the round's stored result and placings, as the database holds them."""
    stored = RoundResult.objects.filter(round=round_).first()
    if stored is None:
        return None
    placings = sorted(
        [p.entry.bib_label, _number(p.place, 2), _number(p.total, 3), p.recalled]
        for p in Placing.objects.filter(round=round_).select_related("entry__competitor")
    )
    return sha256_of({"result": json.loads(json.dumps(stored.data)), "placings": placings})


def _counted_sheets(round_: Round, judge: Judge) -> list[Sheet]:
    return list(
        Sheet.objects.filter(round=round_, judge=judge, returned_at__isnull=True)
        .filter(~Q(source=Sheet.Source.PAPER) | Q(confirmed_at__isnull=False))
        .select_related("dance", "entry__competitor")
        .prefetch_related("marks__entry__competitor", "marks__criterion")
        .order_by("dance__position", "entry_id", "pk")
    )


def _sheet_content(sheet: Sheet) -> dict[str, Any]:
    if sheet.dance is not None:
        part, name = sheet.dance.name, ""
    else:
        part, name = sheet.entry.bib_label, sheet.entry.competitor.display_name
    marks = sorted(
        sheet.marks.all(),
        key=lambda m: (m.entry.bib_label, m.criterion.position if m.criterion else 0),
    )
    return {
        "part": part,
        "name": name,
        "dance_id": sheet.dance_id,
        "entry_id": sheet.entry_id,
        "version": sheet.version,
        "source": sheet.source,
        "received_at": _when(sheet.submitted_at),
        "confirmed_at": _when(sheet.confirmed_at),
        "marks": [
            {
                "entry_id": m.entry_id,
                "bib": m.entry.bib_label,
                "criterion_id": m.criterion_id,
                "criterion": m.criterion.name if m.criterion else "",
                "value": f"{m.value.normalize():f}",
            }
            for m in marks
        ],
    }


def receipt_content(round_: Round, judge: Judge) -> dict[str, Any]:
    """What a receipt of ``judge`` in ``round_`` covers, from what the database holds now."""
    event = round_.event
    return {
        "v": PAYLOAD_VERSION,
        "competition": event.competition.name,
        "event": event.name,
        "round_id": round_.pk,
        "round_title": f"{event.name} – {round_.get_kind_display()}",
        "round_revision": round_.revision,
        "judge": judge.letter,
        "judge_name": judge.name,
        "sheets": [_sheet_content(s) for s in _counted_sheets(round_, judge)],
        "result_sha256": result_sha256(round_),
    }


def comparable(content: Any) -> Any:
    """``content`` without its labels and issue keys: what must still hold now."""
    if isinstance(content, dict):
        return {
            k: comparable(v)
            for k, v in content.items()
            if k not in LABELS and k not in ISSUE_KEYS and not k.endswith("_id")
        }
    if isinstance(content, list):
        return [comparable(v) for v in content]
    return content


def receipts_issue(round_: Round, reason: str) -> list[Receipt]:
    """A new receipt for every judge on the round's panel; each judge's previous receipt
    of the round is superseded by it (with ``reason`` unless it already gave one)."""
    now = timezone.now()
    issued = []
    for judge in round_panel(round_):
        previous = (
            Receipt.objects.filter(round=round_, judge=judge, superseded_by__isnull=True)
            .order_by("-pk")
            .first()
        )
        payload = {
            **receipt_content(round_, judge),
            "issued_at": _when(now),
            "serial": Receipt.objects.filter(round=round_, judge=judge).count() + 1,
            "key_id": key_id(),
        }
        digest = digest_of(payload)
        receipt = Receipt.objects.create(
            round=round_,
            judge=judge,
            round_revision=round_.revision,
            issued_at=now,
            code=code_of(digest),
            digest=digest,
            key_id=payload["key_id"],
            payload=payload,
        )
        if previous is not None:
            previous.superseded_by = receipt
            fields = ["superseded_by"]
            if previous.superseded_at is None:
                previous.superseded_at, previous.superseded_reason = now, reason[:400]
                fields += ["superseded_at", "superseded_reason"]
            previous.save(update_fields=fields)
        issued.append(receipt)
    # A judge no longer on the panel (replaced) keeps no current receipt.
    receipts_supersede(round_, reason, keep=[r.pk for r in issued])
    return issued


def receipts_supersede(
    round_: Round, reason: str, *, judge: Judge | None = None, keep: list[int] | None = None
) -> int:
    """Mark the round's current receipts (``judge``'s only, when given) superseded now,
    with ``reason``; the next receipt issued for each judge is linked to them."""
    current = Receipt.objects.filter(round=round_, superseded_at__isnull=True)
    if judge is not None:
        current = current.filter(judge=judge)
    if keep:
        current = current.exclude(pk__in=keep)
    return current.update(superseded_at=timezone.now(), superseded_reason=reason[:400])
