"""The arithmetic of the agreement report, without Django: ranks with ties averaged,
Spearman's rho, the mean absolute place difference and the deviation from the panel's
median in steps. Exact (``Fraction``) until the figure is shown; docs/tabulation.md,
"How each judge agreed with the panel", gives the formulas and their sources."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from statistics import median


def average_ranks(values: Mapping[Hashable, Fraction]) -> dict[Hashable, Fraction]:
    """Each key's rank by its value, 1 for the lowest; equal values share the mean of the
    ranks they span (two couples tied for 2nd and 3rd both rank 2.5)."""
    ordered = sorted(values.items(), key=lambda item: item[1])
    ranks: dict[Hashable, Fraction] = {}
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1][1] == ordered[start][1]:
            end += 1
        shared = Fraction(start + 1 + end + 1, 2)
        for key, _ in ordered[start : end + 1]:
            ranks[key] = shared
        start = end + 1
    return ranks


def spearman_rho(
    judge: Mapping[Hashable, Fraction], result: Mapping[Hashable, Fraction]
) -> Decimal | None:
    """Spearman's rho between a judge's places and the result's, over the couples both
    place: Pearson's correlation of their average ranks. None for fewer than two couples
    or when either side ranks them all equal (no correlation is defined)."""
    common = [key for key in judge if key in result]
    if len(common) < 2:
        return None
    x = average_ranks({key: Fraction(judge[key]) for key in common})
    y = average_ranks({key: Fraction(result[key]) for key in common})
    n = len(common)
    mean = Fraction(n + 1, 2)  # the mean of any n average ranks
    cov = sum((x[k] - mean) * (y[k] - mean) for k in common)
    var_x = sum((x[k] - mean) ** 2 for k in common)
    var_y = sum((y[k] - mean) ** 2 for k in common)
    if var_x == 0 or var_y == 0:
        return None
    product = var_x * var_y
    with localcontext() as context:
        context.prec = 40
        root = (Decimal(product.numerator) / Decimal(product.denominator)).sqrt()
        rho = Decimal(cov.numerator) / Decimal(cov.denominator) / root
    return shown(rho, 3)


def mean_place_difference(
    judge: Mapping[Hashable, Fraction], result: Mapping[Hashable, Fraction]
) -> Decimal | None:
    """The mean of |judge's place − result's place| over the couples both place."""
    common = [key for key in judge if key in result]
    if not common:
        return None
    total = sum(abs(Fraction(judge[k]) - Fraction(result[k])) for k in common)
    return shown(Fraction(total) / len(common), 2)


@dataclass(frozen=True)
class Deviation:
    """One judge's scores against the panel's medians: how many, the mean absolute
    deviation in steps, and how many were two steps or more away."""

    scores: int
    mean_steps: Decimal | None
    far: int


def median_deviation(
    scores: Mapping[Hashable, Mapping[Hashable, Fraction]],
    panel: Iterable[Hashable],
    judge: Hashable,
    step: Mapping[Hashable, Fraction],
) -> Deviation:
    """``scores``: per item (an entry and criterion; components will use a dance, an
    entry and a component), each judge's score. The median is taken over the counting
    ``panel``'s scores of the item; ``step`` gives each item's step (keyed like
    ``scores``). Items the judge did not score, or no counting judge scored, are left
    out."""
    panel = list(panel)
    deviations: list[Fraction] = []
    for item, by_judge in scores.items():
        if judge not in by_judge:
            continue
        counted = [Fraction(by_judge[j]) for j in panel if j in by_judge]
        if not counted:
            continue
        centre = Fraction(median(counted))
        deviations.append(abs(Fraction(by_judge[judge]) - centre) / Fraction(step[item]))
    if not deviations:
        return Deviation(0, None, 0)
    mean = sum(deviations, Fraction(0)) / len(deviations)
    return Deviation(len(deviations), shown(mean, 2), sum(1 for d in deviations if d >= 2))


def outside_band(
    scores: Mapping[Hashable, Mapping[Hashable, Fraction]],
    panel: Iterable[Hashable],
    judge: Hashable,
    tolerance: Fraction,
) -> int:
    """How many of ``judge``'s scores lie further than ``tolerance`` from the counting
    ``panel``'s median of their item: those the band would have discarded had the judge
    sat on the panel (a shadow judge's)."""
    panel = list(panel)
    found = 0
    for by_judge in scores.values():
        counted = [Fraction(by_judge[j]) for j in panel if j in by_judge]
        if judge in by_judge and counted:
            found += abs(Fraction(by_judge[judge]) - Fraction(median(counted))) > tolerance
    return found


def share(part: int, whole: int) -> Decimal | None:
    return shown(Fraction(part, whole), 3) if whole else None


def shown(value: Fraction | Decimal, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, for display and export."""
    if isinstance(value, Fraction):
        with localcontext() as context:
            context.prec = 40
            value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
