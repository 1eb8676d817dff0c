"""A what-if beside the stored result: each couple's stored and what-if place (or
recall), the rule that decided each place that changed, a final's dances one by one,
and what would follow in the event's later rounds. Reads the stored ``Placing`` and
``RoundResult`` rows; writes nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from adjudication import tabulation
from adjudication.models import Placing, RecallDecision, RoundResult
from adjudication.results.skating_tables import plain, tie_tables
from adjudication.results.what_if import WhatIf
from competitions.models import Entry, Round, RoundStatus

RULE_WORDS = {
    "1": "rule 1: the crosses counted",
    "5": "rule 5: a majority of the judges",
    "6": "rule 6: the larger majority",
    "7a": "rule 7a: equal majorities, the lower sum",
    "7b": "rule 7b: equal majorities and sums, the next column decides",
    "7c": "rule 7c: never separated, the place shared",
    "8": "rule 8: no majority until a later column",
    "9": "rule 9: the lowest total of places",
    "10a": "rule 10a: most places at or above the place in question",
    "10b": "rule 10b: the lowest sum of those places",
    "11": "rule 11: all the couples' marks taken as one dance",
    "total": "the higher total",
    "judges-preference": "preferred by more judges",
    "shared": "still equal: the place shared",
}


def rule_words(rule: str) -> str:
    if rule.startswith("criterion:"):
        return f"the higher average on {rule.split(':', 1)[1]}"
    if rule.startswith("component:"):
        return f"equal totals: the higher weighted {rule.split(':', 1)[1]} over the dances"
    return RULE_WORDS.get(rule, f"rule {rule}")


@dataclasses.dataclass
class Line:
    """One couple, stored and what-if: ``place`` texts (a place, "recalled", "not
    recalled", "tie"), totals, whether the place (or the recall) ``moved``, the rule
    that decided the what-if place and the stored one."""

    couple: str
    name: str
    stored: str
    what_if: str
    stored_total: str
    what_if_total: str
    moved: bool
    direction: str  # "up", "down", "in", "out", "tie" or ""
    rule: str = ""
    stored_rule: str = ""

    @property
    def total_changed(self) -> bool:
        return self.stored_total != self.what_if_total

    @property
    def why(self) -> str:
        return rule_words(self.rule) if self.rule else ""


@dataclasses.dataclass
class DanceLines:
    dance: str
    majority: int
    stored_majority: int | None
    lines: list[Line]


@dataclasses.dataclass
class Comparison:
    what_if: WhatIf
    lines: list[Line]
    dances: list[DanceLines]
    steps: list[str]
    cascade: list[str]
    entering: list[str]
    leaving: list[str]
    next_round: Round | None
    notes: list[str]

    @property
    def moved(self) -> list[Line]:
        return [line for line in self.lines if line.moved]


def _place(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        value = Decimal(str(value))
    return plain(Decimal(value))


def _total(value: Any) -> str:
    return "" if value is None else plain(Decimal(value))


def _direction(stored: Decimal | None, what_if: Decimal | None) -> str:
    if stored is None or what_if is None or stored == what_if:
        return ""
    return "up" if what_if < stored else "down"


def _line(entry: Entry, stored: Placing | None, what_if: Placing, recall: bool) -> Line:
    if recall:
        before = "recalled" if stored is not None and stored.recalled else "not recalled"
        after = "recalled" if what_if.recalled else "not recalled"
        direction = "" if before == after else ("in" if what_if.recalled else "out")
    else:
        before = _place(stored.place if stored else None)
        after = _place(what_if.place)
        direction = _direction(stored.place if stored else None, what_if.place)
    return Line(
        couple=entry.bib_label,
        name=entry.competitor.display_name,
        stored=before,
        what_if=after,
        stored_total=_total(stored.total if stored else None),
        what_if_total=_total(what_if.total),
        moved=before != after,
        direction=direction,
    )


def is_recall(what_if: WhatIf) -> bool:
    """A round that recalls couples (skating or components), not one that places them."""
    return what_if.kind == "recalls" or (
        what_if.kind == "components" and what_if.result.recall is not None
    )


def _cut(what_if: WhatIf) -> Any:
    """What a recall round's tabulation says of the cut-off (``recalled``, ``tied``)."""
    return what_if.result.recall if what_if.kind == "components" else what_if.result


def _lines(what_if: WhatIf) -> list[Line]:
    stored = {
        p.entry_id: p
        for p in Placing.objects.filter(round=what_if.round).select_related("entry__competitor")
    }
    recall = is_recall(what_if)
    lines = []
    for placing in what_if.placings:
        line = _line(placing.entry, stored.get(placing.entry_id), placing, recall)
        if recall and line.couple in what_if.tied:
            line.what_if, line.direction, line.moved = "tie at the cut-off", "tie", True
        lines.append(line)
    if recall:
        lines.sort(key=lambda line: (-Decimal(line.what_if_total or 0), line.couple))
    else:
        lines.sort(
            key=lambda line: (
                Decimal(99_999) if line.what_if == "—" else Decimal(line.what_if),
                tabulation.natural_key(line.couple),
            )
        )
    return lines


def _final_rules(what_if: WhatIf, stored: dict, lines: list[Line]) -> list[DanceLines]:
    result: tabulation.FinalResult = what_if.result
    rules = {row.couple: row.rule for row in result.summary}
    stored_rules = {row["couple"]: row["rule"] for row in stored.get("summary", [])}
    for line in lines:
        line.rule, line.stored_rule = rules.get(line.couple, ""), stored_rules.get(line.couple, "")
    names = {line.couple: line.name for line in lines}
    stored_dances = {d["dance"]: d for d in stored.get("dances", [])}
    dances = []
    for dance in result.dances:
        before = stored_dances.get(dance.dance, {})
        places = {p["couple"]: p for p in before.get("placings", [])}
        dance_lines = []
        for placing in dance.ranking():
            old = places.get(placing.couple, {})
            old_place = _place(old.get("place"))
            new_place = tabulation.place_text(placing.place)
            dance_lines.append(
                Line(
                    couple=placing.couple,
                    name=names.get(placing.couple, ""),
                    stored=old_place,
                    what_if=new_place,
                    stored_total="",
                    what_if_total="",
                    moved=old_place != new_place,
                    direction=_direction(
                        Decimal(old_place) if old_place != "—" else None, Decimal(new_place)
                    ),
                    rule=placing.rule,
                    stored_rule=old.get("rule", ""),
                )
            )
        dances.append(DanceLines(dance.dance, dance.majority, before.get("majority"), dance_lines))
    return dances


def _final_steps(what_if: WhatIf, lines: list[Line]) -> list[str]:
    """How rules 10 and 11 settled the ties that involve a couple whose place moved."""
    moved = {line.couple for line in lines if line.moved}
    steps = [s for s in what_if.result.steps if moved & set(s.couples)]
    tables = tie_tables(dataclasses.replace(what_if.result, steps=tuple(steps)))
    return [f"{table.caption}. {table.note}" for table in tables]


def _criteria_rules(what_if: WhatIf, stored: dict, lines: list[Line]) -> None:
    rules = {r.entry: r.decided_by for r in what_if.result.ranking}
    stored_rules = {r["entry"]: r["decided_by"] for r in stored.get("ranking", [])}
    for line in lines:
        line.rule, line.stored_rule = rules.get(line.couple, ""), stored_rules.get(line.couple, "")


def _recall_rules(what_if: WhatIf, stored: dict, lines: list[Line]) -> None:
    for line in lines:
        line.rule = "1"
        line.stored_rule = "1"


def _skating_final(what_if: WhatIf, stored: dict, lines: list[Line]) -> tuple[list, list]:
    return _final_rules(what_if, stored, lines), _final_steps(what_if, lines)


def _criteria(what_if: WhatIf, stored: dict, lines: list[Line]) -> tuple[list, list]:
    _criteria_rules(what_if, stored, lines)
    return [], []


def _recalls(what_if: WhatIf, stored: dict, lines: list[Line]) -> tuple[list, list]:
    _recall_rules(what_if, stored, lines)
    return [], []


MAX_STEPS = 40


def _component_steps(what_if: WhatIf, stored: dict, moved: set[str]) -> list[str]:
    """For each mark changed, and with a judge left out each component score of a couple
    whose place moved that changed: the marks, their median, the tolerance band and which
    marks it kept, the score and its weight, beside what was stored."""
    now = what_if.result.to_json()
    before = {
        (d["dance"], c["couple"], k["component"]): k
        for c in stored.get("couples", [])
        for d in c["dances"]
        for k in d["components"]
    }
    after = {
        (d["dance"], c["couple"], k["component"]): k
        for c in now["couples"]
        for d in c["dances"]
        for k in d["components"]
    }
    weights = {c["name"]: c["weight"] for c in now["components"]}
    touched = [(c.dance.name, c.entry.bib_label, c.criterion.name) for c in what_if.changes]
    if what_if.left_out:
        touched += [
            key
            for key, new in after.items()
            if key[1] in moved
            and key not in touched
            and new["weighted"] != before.get(key, {}).get("weighted")
        ]
    steps = []
    for key in touched[:MAX_STEPS]:
        new, old = after.get(key), before.get(key, {})
        if new is None:
            continue
        dance, couple, component = key
        marks = ", ".join(
            f"{m['judge']} {plain(Decimal(m['score']))}"
            + ("" if m["counted"] else " (outside the band)")
            for m in new["marks"]
        )
        steps.append(
            f"{dance} · couple {couple} · {component}: marks {marks}; median {new['median']}, "
            f"band ±{plain(Decimal(now['tolerance']))}; score {new['score']} × weight "
            f"{plain(Decimal(weights[component]))} = "
            f"{new['weighted']}" + (f" (stored {old['weighted']})" if old else "")
        )
    return steps


def _components(what_if: WhatIf, stored: dict, lines: list[Line]) -> tuple[list, list]:
    rules = {c.couple: c.decided_by for c in what_if.result.couples}
    stored_rules = {c["couple"]: c["decided_by"] for c in stored.get("couples", [])}
    for line in lines:
        line.rule, line.stored_rule = rules.get(line.couple, ""), stored_rules.get(line.couple, "")
    return [], _component_steps(what_if, stored, {line.couple for line in lines if line.moved})


# The rules behind each place, by the kind of tabulation; a new scoring method adds its own.
COMPARISONS: dict[str, Callable[[WhatIf, dict, list[Line]], tuple[list, list]]] = {
    "final": _skating_final,
    "criteria": _criteria,
    "recalls": _recalls,
    "components": _components,
}


def _ordinal(place: str) -> str:
    if not place.isdecimal():
        return place
    n = int(place)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _recall_cascade(what_if: WhatIf, lines: list[Line]) -> tuple[list[str], list, list, Any]:
    round_ = what_if.round
    entering = [line.couple for line in lines if line.direction == "in"]
    leaving = [line.couple for line in lines if line.direction == "out"]
    said = []
    if what_if.tied:
        recalled = len(_cut(what_if).recalled)
        options = (recalled, recalled + len(what_if.tied))
        said.append(
            f"Couples {', '.join(what_if.tied)} would tie at the cut-off: the chairman would "
            f"choose to recall {options[0]} or {options[1]}."
        )
    later = list(
        Round.objects.filter(event=round_.event, position__gt=round_.position).order_by("position")
    )
    following = later[0] if later else None
    if following is None or not (entering or leaving or what_if.tied):
        if following is not None:
            said.append(f"The same couples would be recalled: {_name(following)} is not affected.")
        return said, entering, leaving, following
    who = _who(entering, leaving, following)
    if following.status == RoundStatus.PLANNED:
        said.append(
            f"{_name(following)} has not been danced: its heats would be drawn again "
            f"when the correction is made ({who})."
        )
    else:
        said.append(
            f"{_name(following)} has been danced ({following.get_status_display().lower()}): "
            f"{who}. It was judged without the right couples: it would have to be danced "
            "again, or the chairman decides how to remedy it."
        )
        started = [r for r in later[1:] if r.status != RoundStatus.PLANNED]
        if started:
            names = ", ".join(_name(r) for r in started)
            said.append(f"{names} followed from it and would be affected too.")
    return said, entering, leaving, following


def _name(round_: Round) -> str:
    return f"{round_.get_kind_display()} (round {round_.position})"


def _who(entering: list[str], leaving: list[str], following: Round) -> str:
    parts = []
    if entering:
        verb = "would have been in it" if following.status != RoundStatus.PLANNED else "in"
        parts.append(f"couple {', '.join(entering)} {verb}")
    if leaving:
        verb = "would not" if following.status != RoundStatus.PLANNED else "out"
        parts.append(f"couple {', '.join(leaving)} {verb}")
    return "; ".join(parts) or "the cut-off needs the chairman"


def _places_cascade(what_if: WhatIf, lines: list[Line]) -> list[str]:
    round_ = what_if.round
    moved = [line for line in lines if line.moved]
    if not moved:
        return ["Every place would stay as stored."]
    last = not Round.objects.filter(event=round_.event, position__gt=round_.position).exists()
    where = "in the event's result" if last else "in this round"
    said = [
        f"Couple {line.couple} would be {_ordinal(line.what_if)}, not "
        f"{_ordinal(line.stored)}, {where}."
        for line in moved
    ]
    if round_.status == RoundStatus.PUBLISHED:
        said.append("The stored result is published: the public sees it as stored.")
    return said


def _notes(what_if: WhatIf, stored: RoundResult | None) -> list[str]:
    notes = []
    if stored is None:
        notes.append("This round has no stored result to compare with.")
    if what_if.left_out:
        notes.append(
            f"Judge {', '.join(what_if.left_out)} left out: {len(what_if.letters)} judges "
            f"count ({', '.join(what_if.letters)})"
            + (
                f", majority {tabulation.majority(len(what_if.letters))}."
                if what_if.kind == "final"
                else "."
            )
        )
    if is_recall(what_if) and _cut(what_if).tied and not what_if.tied:
        decision = RecallDecision.objects.filter(round=what_if.round).first()
        if decision is not None:
            notes.append(f"The chairman's choice to recall {decision.recall_count} applies.")
    return notes


def what_if_compare(what_if: WhatIf) -> Comparison:
    """``what_if`` beside the round's stored result."""
    stored_row = RoundResult.objects.filter(round=what_if.round).first()
    stored = (stored_row.data or {}).get("result", {}) if stored_row else {}
    lines = _lines(what_if)
    compare = COMPARISONS.get(what_if.kind)
    dances, steps = compare(what_if, stored, lines) if compare else ([], [])
    if is_recall(what_if):
        cascade, entering, leaving, following = _recall_cascade(what_if, lines)
    else:
        cascade, entering, leaving, following = _places_cascade(what_if, lines), [], [], None
    return Comparison(
        what_if=what_if,
        lines=lines,
        dances=dances,
        steps=steps,
        cascade=cascade,
        entering=entering,
        leaving=leaving,
        next_round=following,
        notes=_notes(what_if, stored_row),
    )
