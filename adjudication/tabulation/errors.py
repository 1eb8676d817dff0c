"""The one error the tabulation raises: invalid input, with every problem found.

Marks are checked completely before anything is calculated (skating rules 2-4 and rule 1 for
recalls): nothing is ever repaired or half-calculated. Each problem names where it is, so the
scrutineer can send it back through the Chairman to the judge concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and where it is.

    ``couple`` is set for dancesport (finals and recalls), ``entry`` and ``criterion`` for
    criteria scoring. Unset fields are ``None``.
    """

    message: str
    dance: str | None = None
    couple: str | None = None
    judge: str | None = None
    entry: str | None = None
    criterion: str | None = None

    def __str__(self) -> str:
        where = [
            f"{label} {value}"
            for label, value in (
                ("dance", self.dance),
                ("couple", self.couple),
                ("entry", self.entry),
                ("judge", self.judge),
                ("criterion", self.criterion),
            )
            if value is not None
        ]
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TabulationError(ValueError):
    """The input cannot be tabulated; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("TabulationError needs at least one problem")
        super().__init__(self.problems)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines.extend(f"- {problem}" for problem in self.problems)
        return "\n".join(lines)


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise :class:`TabulationError` if ``problems`` is not empty."""
    found = tuple(problems)
    if found:
        raise TabulationError(found)
