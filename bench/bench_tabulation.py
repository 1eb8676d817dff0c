"""Benchmark of adjudication.tabulation: prints JSON figures (median and p95, in ms).

Run: ``.venv/bin/python bench/bench_tabulation.py [--runs N]``. Marks are random but valid,
from a fixed seed; every run includes the validation of the input. Targets: under 1 ms per
final dance, under 20 ms for a first round of 300 couples.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adjudication.tabulation import (  # noqa: E402
    ByCriterion,
    ByJudgesPreference,
    Criterion,
    OutlierRule,
    score_criteria,
    tabulate_final,
    tabulate_recalls,
)

SEED = 20240601
INPUTS_PER_CASE = 20


def final_marks(rng: random.Random, couples: int, dances: int, judges: int) -> dict[str, Any]:
    names = [str(100 + i) for i in range(couples)]
    final = {}
    for dance in range(dances):
        sheets = [rng.sample(range(1, couples + 1), couples) for _ in range(judges)]
        final[f"D{dance + 1}"] = {c: [s[i] for s in sheets] for i, c in enumerate(names)}
    return final


def recall_round(
    rng: random.Random, couples: int, dances: int, judges: int, requested: int
) -> dict[str, Any]:
    names = [str(100 + i) for i in range(couples)]
    panel = [f"J{i}" for i in range(judges)]
    crosses = {f"D{d + 1}": {j: rng.sample(names, requested) for j in panel} for d in range(dances)}
    return {"crosses": crosses, "couples": names, "judges": panel, "requested": requested}


def criteria_round(rng: random.Random, entries: int, judges: int, criteria: int) -> dict[str, Any]:
    spec = [
        Criterion(f"C{i}", Decimal(0), Decimal(10), Decimal("0.25"), weight=Decimal(1 + i % 3))
        for i in range(criteria)
    ]
    panel = [f"J{i}" for i in range(judges)]
    scores = {
        f"E{e}": {j: {c.name: Decimal(rng.randint(16, 40)) / 4 for c in spec} for j in panel}
        for e in range(entries)
    }
    return {
        "scores": scores,
        "criteria": spec,
        "judges": panel,
        "trim": True,
        "tie_break": [ByCriterion("C0"), ByJudgesPreference()],
        "outliers": OutlierRule(fraction_of_range=Decimal("0.3")),
    }


def measure(call: Callable[[Any], object], inputs: list[Any], runs: int) -> dict[str, float]:
    for item in inputs:  # warm-up
        call(item)
    times = []
    for run in range(runs):
        item = inputs[run % len(inputs)]
        start = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(times), 4),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 4),
    }


def per_dance(figures: dict[str, float], dances: int) -> dict[str, float]:
    return {
        **figures,
        "dances": dances,
        "per_dance_median_ms": round(figures["median_ms"] / dances, 4),
        "per_dance_p95_ms": round(figures["p95_ms"] / dances, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400, help="timed runs per case")
    runs = parser.parse_args().runs
    rng = random.Random(SEED)

    def finals(couples: int, dances: int, judges: int) -> list[Any]:
        return [final_marks(rng, couples, dances, judges) for _ in range(INPUTS_PER_CASE)]

    five = measure(tabulate_final, finals(8, 5, 15), runs)
    ten = measure(tabulate_final, finals(8, 10, 9), runs)
    rounds = [recall_round(rng, 300, 5, 15, 150) for _ in range(INPUTS_PER_CASE)]
    recall = measure(lambda args: tabulate_recalls(**args), rounds, max(runs // 4, 20))
    panels = [criteria_round(rng, 50, 9, 6) for _ in range(INPUTS_PER_CASE)]
    criteria = measure(lambda args: score_criteria(**args), panels, max(runs // 4, 20))

    cases = {
        "final_8_couples_5_dances_15_judges": per_dance(five, 5),
        "final_10_dance_8_couples_9_judges": per_dance(ten, 10),
        "recall_300_couples_15_judges_5_dances_150_crosses": recall,
        "criteria_50_entries_9_judges_6_criteria_trimmed": criteria,
    }
    worst_dance = max(
        cases[name]["per_dance_p95_ms"]
        for name in ("final_8_couples_5_dances_15_judges", "final_10_dance_8_couples_9_judges")
    )
    print(
        json.dumps(
            {
                "python": platform.python_version(),
                "machine": platform.machine(),
                "seed": SEED,
                "cases": cases,
                "targets": {
                    "per_final_dance_ms": 1.0,
                    "recall_300_couples_ms": 20.0,
                    "per_final_dance_met_at_p95": worst_dance < 1.0,
                    "recall_300_couples_met_at_p95": recall["p95_ms"] < 20.0,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
