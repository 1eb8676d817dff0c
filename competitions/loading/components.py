"""A component event's own parts: its components (criteria with short names), the
tolerance and who scores what; a fixed allocation is kept as the description says."""

from __future__ import annotations

from competitions.loading.reading import LoadError
from competitions.loading.records import LoadReport, upsert
from competitions.models import (
    AllocationMode,
    ComponentAllocation,
    Criterion,
    Event,
    Judge,
    RoundStatus,
)

DEFAULT_TOLERANCE = Event._meta.get_field("component_tolerance").default


def component_values(spec: dict) -> dict:
    """The event's fields a component event sets."""
    allocation = spec.get("allocation") or {"mode": AllocationMode.EVERY_JUDGE}
    tolerance = spec.get("tolerance")
    return {
        "component_tolerance": DEFAULT_TOLERANCE if tolerance is None else tolerance,
        "component_allocation": allocation["mode"],
    }


def components_load(
    report: LoadReport, event: Event, judges: dict[str, Judge], spec: dict, where: str
) -> None:
    """The components, then the fixed allocation: rows missing are added, rows the
    description no longer gives are removed (only before a round of the event opens)."""
    by_name = {}
    for index, component in enumerate(spec["components"], start=1):
        criterion = upsert(
            report,
            Criterion,
            {"event": event, "name": component["name"]},
            {
                "position": index,
                "short_name": component["short_name"],
                "weight": component["weight"],
                "min_score": component["min"],
                "max_score": component["max"],
                "step": component["step"],
            },
            f"{where}.components[{index - 1}]",
        )
        by_name[criterion.name] = by_name[criterion.short_name or criterion.name] = criterion
    allocation = spec.get("allocation") or {"judges": {}}
    wanted = {
        (judges[letter].pk, by_name[name].pk)
        for letter, names in allocation["judges"].items()
        for name in names
    }
    fixed = ComponentAllocation.objects.filter(event=event, round__isnull=True)
    have = {(row.judge_id, row.criterion_id): row for row in fixed}
    if set(have) == wanted:
        return
    if event.rounds.exclude(status=RoundStatus.PLANNED).exists():
        raise LoadError(
            [
                f"{where}.allocation: a round of this event has opened; who scores what "
                "cannot change now."
            ]
        )
    for key in sorted(set(have) - wanted):
        have[key].delete()
        report.count(report.removed, ComponentAllocation)
    for judge_id, criterion_id in sorted(wanted - set(have)):
        upsert(
            report,
            ComponentAllocation,
            {"event": event, "judge_id": judge_id, "criterion_id": criterion_id, "round": None},
            {},
            f"{where}.allocation",
        )
