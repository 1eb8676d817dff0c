"""Printed reports, as PDF (ReportLab, pure Python): the results and marks sheets of each
round (the same tables as the public pages), each judge's own sheet with a line for
their signature, and the running order.

Every function returns the PDF's bytes; the tables come from ``adjudication.results.tables``.
Documents are written with ReportLab's ``invariant`` flag, so the same data prints the
same bytes.
"""

from __future__ import annotations

import dataclasses
import io
import zoneinfo
from collections.abc import Sequence
from html import escape
from pathlib import Path

from django.utils import timezone
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from adjudication.receipts.checking import competition_current_receipts
from adjudication.results.facts import Facts
from adjudication.results.tables import (
    CompetitionSheets,
    Table,
    plain,
    round_title,
)
from competitions.models import Competition, Judge, Round, RoundKind
from competitions.selectors import round_list_draw_public
from competitions.timetable import timetable_lines_every_floor

# A Unicode font: names are Łukasz, Sørensen, Zieliński. DejaVu where the system has it,
# else Bitstream Vera, which ships inside ReportLab's wheel.
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path(rl_config.__file__).parent / "fonts")
_FONT_FILES = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("Vera.ttf", "VeraBd.ttf"))
FONT, BOLD = "PodiumSans", "PodiumSans-Bold"


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for directory in _FONT_DIRS:
        for regular, bold in _FONT_FILES:
            if (directory / regular).exists() and (directory / bold).exists():
                pdfmetrics.registerFont(TTFont(FONT, str(directory / regular)))
                pdfmetrics.registerFont(TTFont(BOLD, str(directory / bold)))
                return
    raise RuntimeError("No TrueType font found for the PDF reports (ReportLab's Vera is missing).")


def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=16, leading=20),
        "h1": ParagraphStyle("h1", base, fontName=BOLD, fontSize=13, leading=16, spaceBefore=6),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8),
        "caption": ParagraphStyle("caption", base, fontName=BOLD, spaceBefore=4, spaceAfter=2),
        "body": base,
        "note": ParagraphStyle("note", base, fontSize=8, textColor=colors.HexColor("#555555")),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # ReportLab's paragraphs read a little markup: &, < and > must be escaped.
    return Paragraph(escape(text, quote=False), style)


def _table(table: Table, styles: dict[str, ParagraphStyle], width: float) -> list:
    size = 8 if len(table.header) <= 12 else 7
    data = [table.header, *table.rows] if table.rows else [table.header, [""] * len(table.header)]
    pdf = PdfTable(data, repeatRows=1, hAlign="LEFT")
    pdf.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, size),
                ("FONT", (0, 0), (-1, 0), BOLD, size),
                ("FONT", (0, 1), (0, -1), BOLD, size),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    wanted, _ = pdf.wrap(width, 0)
    if wanted > width:  # too wide for the page: a smaller font rather than lost columns
        pdf.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 6)]))
    parts = [_p(table.caption, styles["caption"]), pdf]
    if table.note:
        parts.append(_p(table.note, styles["note"]))
    # Short tables stay on one page with their caption; long ones repeat their header.
    return [KeepTogether(parts)] if len(table.rows) < 30 else parts


def _document(title: str, story: list) -> bytes:
    buffer = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawString(doc.leftMargin, 8 * mm, title)
        canvas.drawRightString(
            doc.pagesize[0] - doc.rightMargin, 8 * mm, f"page {canvas.getPageNumber()}"
        )
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="Podium",
        creator="Podium",
        invariant=1,
    )
    doc.build(story or [Spacer(1, 1)], onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _heading(competition: Competition, what: str, styles) -> list:
    dates = competition.starts_on.isoformat()
    if competition.ends_on != competition.starts_on:
        dates += f" – {competition.ends_on.isoformat()}"
    where = f"{competition.venue}, {dates}" if competition.venue else dates
    return [_p(f"{competition.name}: {what}", styles["title"]), _p(where, styles["body"])]


# --- results and marks sheets ---------------------------------------------------------------


def results_pdf(sheets: CompetitionSheets) -> bytes:
    """Per event: the panel, the results and the marks sheet of each round."""
    return _document(f"{sheets.competition.name} – results", results_story(sheets))


def results_story(sheets: CompetitionSheets) -> list:
    styles = _styles()
    competition = sheets.competition
    width = landscape(A4)[0] - 24 * mm
    story = _heading(competition, "results", styles)
    for index, event in enumerate(sheets.events):
        if index:
            story.append(PageBreak())
        story.append(_p(event.name, styles["h1"]))
        panel = ", ".join(
            f"{j.letter} {j.name}".strip() if j.name else j.letter for j in event.judges
        )
        story.append(_p(f"Adjudicators: {panel}" if panel else "No panel.", styles["body"]))
        if event.results is not None:
            story.extend(_table(event.results, styles, width))
        if not event.rounds:
            story.append(_p("No results of this event yet.", styles["body"]))
        for round_ in event.rounds:
            story.append(CondPageBreak(40 * mm))
            story.append(_p(f"{round_.title} ({round_.status_label.lower()})", styles["h2"]))
            story.extend(_p(line, styles["body"]) for line in round_.lines)
            for table in round_.tables:
                story.extend(_table(table, styles, width))
    return story


# --- each judge's own sheet, to sign ------------------------------------------------------------


def judge_sheets_pdf(competition: Competition, facts: Facts) -> bytes:
    """One page per judge and round with results: the judge's own marks as the desk
    holds them, and a line for the judge's signature (federations that require
    judge-signed paper keep these)."""
    return _document(f"{competition.name} – judges' sheets", judge_sheets_story(competition, facts))


def judge_sheets_story(competition: Competition, facts: Facts) -> list:
    styles = _styles()
    width = landscape(A4)[0] - 24 * mm
    story: list = []
    receipts = competition_current_receipts(competition)
    for event in facts.events:
        rounds = [r for r in facts.rounds[event.pk] if facts.placings[r.pk]]
        for round_ in rounds:
            for judge in facts.round_judges(round_):  # a replaced judge: their rounds only
                if story:
                    story.append(PageBreak())
                story.extend(_heading(competition, "judge's sheet", styles))
                story.append(
                    _p(
                        f"{event.name} · {round_title(round_, len(facts.rounds[event.pk]))}",
                        styles["h1"],
                    )
                )
                story.append(_p(f"Judge {judge.letter}: {judge.name}", styles["h2"]))
                story.extend(_table(_judge_table(event, round_, judge, facts), styles, width))
                receipt = receipts.get((round_.pk, judge.pk))
                if receipt is not None:
                    story.append(
                        _p(
                            f"Receipt {receipt.code} · digest {receipt.digest[:16]}… (check it "
                            "at /verify/)",
                            styles["h2"],
                        )
                    )
                story.append(Spacer(1, 14 * mm))
                story.append(
                    _p(
                        "I confirm these are my marks.    Signature: "
                        "______________________________    Date: ______________",
                        styles["body"],
                    )
                )
    if not story:
        story = [*_heading(competition, "judges' sheets", styles)]
        story.append(_p("No round has results yet.", styles["body"]))
    return story


def _judge_table(event, round_: Round, judge: Judge, facts: Facts) -> Table:
    entries: dict[int, object] = {}
    for he in facts.heat_entries[round_.pk]:
        if not he.entry.withdrawn:
            entries.setdefault(he.entry_id, he.entry)
    ordered = sorted(
        entries.values(), key=lambda e: (e.competitor.bib is None, e.competitor.bib or 0, e.pk)
    )
    own = [m for m in facts.marks[round_.pk] if m[0] == judge.pk]
    if event.is_skating:
        dances = facts.dances[event.pk]
        values = {(dance_id, entry_id): value for _, dance_id, entry_id, _, value in own}
        final = round_.kind == RoundKind.FINAL
        rows = [
            [
                e.bib_label,
                e.competitor.display_name,
                *(
                    (plain(values.get((d.pk, e.pk))) if final else "X")
                    if (d.pk, e.pk) in values
                    else ""
                    for d in dances
                ),
            ]
            for e in ordered
        ]
        what = "places" if final else f"crosses (recall {round_.recall_count})"
        return Table(
            f"Marks: {what}", ["Couple", "Name", *(d.name for d in dances)], rows, kind="judge"
        )
    if event.is_components:
        return _judge_component_table(event, judge, ordered, own, facts)
    criteria = facts.criteria[event.pk]
    values = {(entry_id, criterion_id): value for _, _, entry_id, criterion_id, value in own}
    rows = [
        [
            e.bib_label,
            e.competitor.display_name,
            *(plain(values.get((e.pk, c.pk))) for c in criteria),
        ]
        for e in ordered
    ]
    return Table("Scores", ["Entry", "Name", *(c.name for c in criteria)], rows, kind="judge")


def _judge_component_table(event, judge: Judge, ordered: list, own: list, facts: Facts) -> Table:
    """A component judge's scores: a column per dance and component the judge scored."""
    values = {(dance_id, entry_id, c): value for _, dance_id, entry_id, c, value in own}
    scored = {(dance_id, c) for dance_id, _, c in values}
    columns = [
        (d, c)
        for d in facts.dances[event.pk]
        for c in facts.criteria[event.pk]
        if (d.pk, c.pk) in scored
    ]
    rows = [
        [
            e.bib_label,
            e.competitor.display_name,
            *(plain(values.get((d.pk, e.pk, c.pk))) for d, c in columns),
        ]
        for e in ordered
    ]
    header = [f"{d.short_name or d.name} {c.short_name or c.name}" for d, c in columns]
    return Table(
        f"Component scores of judge {judge.letter}",
        ["Couple", "Name", *header],
        rows,
        note=", ".join(
            f"{c.short_name} = {c.name}" for c in facts.criteria[event.pk] if c.short_name
        ),
        kind="judge",
    )


# --- the running order ------------------------------------------------------------------------


@dataclasses.dataclass
class RunningSlot:
    """One round on the floor: what a timetable will later put a time on."""

    title: str
    heats: list[tuple[int, list[tuple[str, str, str]]]]  # number, [(bib, name, club)]
    starts_at: str = ""


def running_order(facts: Facts, competition: Competition | None = None) -> list[RunningSlot]:
    """Every round with heats drawn and its draw public (the running order is pinned up
    in the hall), in the order of the competition's timetable with each line's estimated
    start (breaks and rounds still to be drawn included); without a timetable, in
    programme order (events, then rounds)."""
    round_ids = [r.pk for rounds in facts.rounds.values() for r in rounds]
    shown = set(round_list_draw_public().filter(pk__in=round_ids).values_list("pk", flat=True))
    slots = [(pk, slot) for pk, slot in _running_by_programme(facts) if pk in shown]
    lines = timetable_lines_every_floor(competition, public=True) if competition is not None else []
    if not lines:
        return [slot for _, slot in slots]
    zone = zoneinfo.ZoneInfo(competition.timezone)
    by_round = dict(slots)
    chosen = {event.pk for event in facts.events}
    whole = {e.pk for e in competition.events.all()} <= chosen
    ordered: list[RunningSlot] = []
    for line in lines:
        starts = timezone.localtime(line.starts, zone).strftime("%H:%M") if line.starts else ""
        if line.item.round_id is None:
            if whole:
                ordered.append(RunningSlot(f"{line.label} ({line.item.minutes} min)", [], starts))
            continue
        if line.item.round.event_id not in chosen:
            continue
        slot = by_round.pop(line.item.round_id, None)
        if slot is None:
            ordered.append(RunningSlot(f"{line.label} (heats to be drawn)", [], starts))
        else:
            slot.starts_at = starts
            ordered.append(slot)
    return ordered + list(by_round.values())


def _running_by_programme(facts: Facts) -> list[tuple[int, RunningSlot]]:
    slots = []
    for event in facts.events:
        rounds = facts.rounds[event.pk]
        for round_ in rounds:
            heats: dict[int, list[tuple[str, str, str]]] = {}
            for he in facts.heat_entries[round_.pk]:
                if he.entry.withdrawn:
                    continue
                c = he.entry.competitor
                heats.setdefault(he.heat.number, []).append(
                    (he.entry.bib_label, c.display_name, c.club)
                )
            if heats:
                slots.append(
                    (
                        round_.pk,
                        RunningSlot(
                            f"{event.name} · {round_title(round_, len(rounds))}",
                            sorted(heats.items()),
                        ),
                    )
                )
    return slots


def running_order_pdf(competition: Competition, slots: Sequence[RunningSlot]) -> bytes:
    """The running order: each slot's heats with the couples in them (a timetable can
    pass slots with their start times)."""
    return _document(f"{competition.name} – running order", running_order_story(competition, slots))


def running_order_story(competition: Competition, slots: Sequence[RunningSlot]) -> list:
    styles = _styles()
    width = landscape(A4)[0] - 24 * mm
    story = _heading(competition, "running order", styles)
    if not slots:
        story.append(_p("No heats drawn yet.", styles["body"]))
    for slot in slots:
        title = f"{slot.starts_at} {slot.title}".strip()
        story.append(CondPageBreak(30 * mm))
        story.append(_p(title, styles["h2"]))
        for number, rows in slot.heats:
            caption = f"Heat {number}" if len(slot.heats) > 1 else "Entries"
            story.extend(
                _table(
                    Table(caption, ["Number", "Name", "Club"], [list(r) for r in rows]),
                    styles,
                    width,
                )
            )
    return story


def combined_pdf(title: str, stories: Sequence[list]) -> bytes:
    """Several reports in one document, each starting on a new page."""
    story: list = []
    for part in stories:
        if story:
            story.append(PageBreak())
        story.extend(part)
    return _document(title, story)
