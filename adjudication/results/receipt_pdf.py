"""A judge's receipt as a PDF (A4 upright): the round, the code large, the digest, each
sheet's marks with the time the desk received it, and the receipt's full text to paste
at ``/verify/``. Written with ReportLab's ``invariant`` flag like the other reports."""

from __future__ import annotations

import datetime
import io
import json

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from adjudication.models import Receipt
from adjudication.results.pdf import BOLD, FONT, _p, _styles, _table
from adjudication.results.tables import Table


def _local(iso: str | None) -> str:
    if not iso:
        return "—"
    return datetime.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")


def receipt_text(receipt: Receipt) -> str:
    """The receipt's content as JSON, spaced so that it wraps on paper and on screens."""
    return json.dumps(receipt.payload, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def receipt_pdf(receipt: Receipt, verify_url: str) -> bytes:
    styles = _styles()
    big = ParagraphStyle("code", fontName=BOLD, fontSize=24, leading=30, spaceBefore=6)
    small = ParagraphStyle("json", fontName=FONT, fontSize=6.5, leading=8)
    payload = receipt.payload
    width = A4[0] - 24 * mm
    story = [
        _p(f"{payload['competition']}: judge's receipt", styles["title"]),
        _p(payload["round_title"], styles["h1"]),
        _p(f"Judge {payload['judge']}: {payload['judge_name']}", styles["h2"]),
        _p(receipt.code, big),
        _p(f"Digest (HMAC-SHA256, key {receipt.key_id}): {receipt.digest}", styles["note"]),
        _p(
            f"Issued {_local(payload['issued_at'])}, receipt no. {payload['serial']}",
            styles["body"],
        ),
    ]
    if receipt.superseded_at is not None:
        story.append(
            _p(
                f"SUPERSEDED {receipt.superseded_at:%Y-%m-%d %H:%M}: {receipt.superseded_reason}",
                styles["h2"],
            )
        )
    for sheet in payload["sheets"]:
        scored = any(m["criterion"] for m in sheet["marks"])
        header = ["Couple", "Criterion", "Mark"] if scored else ["Couple", "Mark"]
        rows = [
            [m["bib"], m["criterion"], m["value"]] if scored else [m["bib"], m["value"]]
            for m in sheet["marks"]
        ]
        title = sheet["part"] + (f" {sheet['name']}" if sheet.get("name") else "")
        story.extend(
            _table(
                Table(
                    f"{title} · received {_local(sheet['received_at'])} · version "
                    f"{sheet['version']} ({sheet['source']})",
                    header,
                    rows,
                    kind="judge",
                ),
                styles,
                width,
            )
        )
    story += [
        _p(f"Round result SHA-256: {payload['result_sha256']}", styles["note"]),
        Spacer(1, 6 * mm),
        _p(
            f"Check this receipt at {verify_url} with its code, or paste the text below.",
            styles["body"],
        ),
        Spacer(1, 2 * mm),
        _p(receipt_text(receipt), small),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Receipt {receipt.code}",
        author="Podium",
        creator="Podium",
        invariant=1,
    ).build(story)
    return buffer.getvalue()
