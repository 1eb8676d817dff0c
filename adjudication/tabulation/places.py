"""Places, shared places and the ordering of couple numbers.

A place is a :class:`~fractions.Fraction`: whole for a place of its own, the mean of the places
occupied when several couples share (2nd/3rd -> 5/2, 3rd-5th -> 4). Fractions keep rule 9 sums
and rule 10 comparisons exact; :func:`place_number` turns a place into ``2`` or ``2.5`` for JSON.
"""

from __future__ import annotations

from fractions import Fraction

Place = Fraction


def shared_place(first: int, count: int) -> Place:
    """The place of each of ``count`` couples sharing the places ``first`` .. ``first+count-1``."""
    return Fraction(2 * first + count - 1, 2)


def place_number(place: Place) -> int | float:
    """``Fraction(3)`` -> ``3``, ``Fraction(5, 2)`` -> ``2.5`` (shared places are halves, exact)."""
    return place.numerator if place.denominator == 1 else float(place)


def place_text(place: Place) -> str:
    """``"3"`` or ``"2.5"``."""
    return str(place_number(place))


def natural_key(name: str) -> tuple[int, int, str]:
    """Sort couple numbers numerically ("9" before "10") and other names after them."""
    if name.isascii() and name.isdecimal():
        return (0, int(name), name)
    return (1, 0, name)
