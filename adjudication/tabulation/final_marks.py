"""Rules 2-4 of the Skating System: what makes the marks of a final complete. Every
problem is reported at once, with the dance, couple and judge it concerns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from .errors import Problem, raise_if_any


def final_problems(
    dances: object,
    judges: Sequence[str] | None = None,
    not_danced: Mapping[str, Collection[str]] | None = None,
) -> list[Problem]:
    """Every reason the marks of a final cannot be tabulated (empty list: they can).

    Rules 2-4: each judge places every couple in every dance, exactly 1..n with no repeats;
    every couple has a mark from every judge; the same judges mark every dance. Judges are
    named by ``judges`` or numbered 1..J in the order of the marks. ``not_danced`` maps a
    dance to the couples that retired before it: they have no marks there, and the judges
    place the ``m`` couples still dancing 1..m.
    """
    if not isinstance(dances, Mapping) or not dances:
        return [Problem("a final needs at least one dance")]
    problems: list[Problem] = []
    names = _judge_names(judges, problems)

    rows_by_dance: dict[str, dict[str, Sequence[object]]] = {}
    listed: dict[str, list[str]] = {}  # couples named in each dance, well-formed marks or not
    for dance, couples in dances.items():
        if not isinstance(dance, str) or not dance.strip():
            problems.append(Problem(f"dance name {dance!r} must be a non-empty string"))
            continue
        if not isinstance(couples, Mapping) or not couples:
            problems.append(Problem("no couples in this dance", dance=dance))
            continue
        rows: dict[str, Sequence[object]] = {}
        listed[dance] = []
        for couple, marks in couples.items():
            if not isinstance(couple, str) or not couple.strip():
                problems.append(Problem(f"couple {couple!r} must be a non-empty string", dance))
                continue
            listed[dance].append(couple)
            if isinstance(marks, str | bytes) or not isinstance(marks, Sequence):
                problems.append(Problem("marks must be a list, one per judge", dance, couple))
            else:
                rows[couple] = marks
        rows_by_dance[dance] = rows

    lengths = Counter(len(marks) for rows in rows_by_dance.values() for marks in rows.values())
    if names is None:
        judge_count = max(lengths, key=lambda size: (lengths[size], size)) if lengths else 0
        names = tuple(str(number) for number in range(1, judge_count + 1))
    if not names:
        problems.append(Problem("no marks: a final needs at least one judge"))
        return problems

    everyone = list(dict.fromkeys(c for couples in listed.values() for c in couples))
    for dance, rows in rows_by_dance.items():
        away = set((not_danced or {}).get(dance, ()))
        problems.extend(
            Problem("no marks in this dance: every couple dances every dance", dance, couple)
            for couple in everyone
            if couple not in listed[dance] and couple not in away
        )
        problems.extend(
            Problem("retired before this dance but has marks in it", dance, couple)
            for couple in listed[dance]
            if couple in away
        )
        problems.extend(_dance_problems(dance, rows, names, len(rows)))
    return problems


def close_up(marks: Mapping[str, Sequence[int]], present: Collection[str]) -> dict[str, list[int]]:
    """One dance's marks for the ``present`` couples only, each judge's places closed up to
    1..m in that judge's order: a couple set aside (absent, retired, disqualified) leaves no
    gap. Marks already 1..m come back unchanged."""
    rows = {c: list(m) for c, m in marks.items() if c in present}
    if not rows:
        return rows
    for index in range(len(next(iter(rows.values())))):
        order = sorted(rows, key=lambda c: rows[c][index])
        for place, couple in enumerate(order, start=1):
            rows[couple][index] = place
    return rows


def validate_final(
    dances: object,
    judges: Sequence[str] | None = None,
    not_danced: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Raise :class:`~.errors.TabulationError` listing every problem of :func:`final_problems`."""
    raise_if_any(final_problems(dances, judges, not_danced))


def _judge_names(judges: Sequence[str] | None, problems: list[Problem]) -> tuple[str, ...] | None:
    if judges is None:
        return None
    names = tuple(judges)
    for name, times in Counter(names).items():
        if times > 1:
            problems.append(Problem(f"named {times} times in the panel", judge=name))
    return names


def _dance_problems(
    dance: str, rows: Mapping[str, Sequence[object]], names: Sequence[str], n: int
) -> list[Problem]:
    """Rules 2-4 for one dance: each judge gives each of the ``n`` couples one place 1..n."""
    problems: list[Problem] = []
    judge_count = len(names)
    lengths = {len(marks) for marks in rows.values()}
    if len(lengths) == 1 and (size := lengths.pop()) != judge_count:
        missing = ", ".join(names[size:]) if size < judge_count else ""
        detail = f" (no marks from judge {missing})" if missing else ""
        problems.append(
            Problem(
                f"marks from {size} judges, the panel has {judge_count}: "
                f"every judge marks every dance{detail}",
                dance=dance,
            )
        )
        return problems
    for couple, marks in rows.items():
        if len(marks) > judge_count:
            problems.append(Problem(f"{len(marks)} marks for {judge_count} judges", dance, couple))
        for judge in names[len(marks) :]:
            problems.append(Problem("no mark from this judge", dance, couple, judge))

    for index, judge in enumerate(names):
        given: dict[int, list[str]] = {}
        for couple, marks in rows.items():
            if index >= len(marks):
                continue
            mark = marks[index]
            if mark is None:
                problems.append(Problem("no mark from this judge", dance, couple, judge))
            elif isinstance(mark, bool) or not isinstance(mark, int):
                problems.append(
                    Problem(f"mark {mark!r} is not a whole number 1..{n}", dance, couple, judge)
                )
            elif not 1 <= mark <= n:
                problems.append(
                    Problem(
                        f"mark {mark} is outside 1..{n} ({n} couples in the final)",
                        dance,
                        couple,
                        judge,
                    )
                )
            else:
                given.setdefault(mark, []).append(couple)
        for mark, couples in given.items():
            if len(couples) > 1:
                problems.extend(
                    Problem(
                        f"place {mark} given to couples {', '.join(couples)}: "
                        f"each place 1..{n} exactly once",
                        dance,
                        couple,
                        judge,
                    )
                    for couple in couples
                )
    return problems
