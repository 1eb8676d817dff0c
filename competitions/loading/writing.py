"""Writing a checked description: one transaction creates or updates what differs."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from competitions.loading.components import component_values, components_load
from competitions.loading.reading import LoadError
from competitions.loading.records import LoadReport, upsert
from competitions.loading.validation import validate_description
from competitions.models import (
    Competition,
    CompetitionStatus,
    Competitor,
    Criterion,
    Dance,
    Entry,
    Event,
    Judge,
    PanelSeat,
    Round,
    RoundStatus,
    ScoringMethod,
)
from competitions.registration import RegistrationRefused, entry_add

EDITABLE_STATUSES = (
    CompetitionStatus.DRAFT,
    CompetitionStatus.REGISTRATION_OPEN,
    CompetitionStatus.REGISTRATION_CLOSED,
)


@transaction.atomic
def competition_load(*, data: Any) -> LoadReport:
    """Create or update a competition from its description; all or nothing."""
    valid = validate_description(data)
    report = LoadReport()
    competition = _load_competition(report, valid["competition"])
    report.competition = competition
    judges = _load_judges(report, competition, valid["judges"])
    events = {}
    for position, spec in enumerate(valid["events"], start=1):
        events[spec["name"]] = _load_event(report, competition, judges, position, spec)
    for index, spec in enumerate(valid["competitors"]):
        _load_competitor(report, competition, events, index, spec)
    return report


def _load_competition(report: LoadReport, spec: dict) -> Competition:
    """The competition itself, found by its slug; refused once it has started."""
    info = dict(spec)
    slug = info.pop("slug")
    existing = Competition.objects.select_for_update().filter(slug=slug).first()
    if existing is not None and existing.status not in EDITABLE_STATUSES:
        raise LoadError(
            [
                f"competition.slug: “{slug}” is {existing.get_status_display().lower()}; "
                "a competition can be loaded only before it starts."
            ]
        )
    return upsert(report, Competition, {"slug": slug}, info, "competition")


def _load_judges(report: LoadReport, competition: Competition, specs: list) -> dict[str, Judge]:
    """The judges, found by their letter; returns them by letter."""
    judges = {}
    for index, judge in enumerate(specs):
        values = {k: v for k, v in judge.items() if k != "letter"}
        judges[judge["letter"]] = upsert(
            report,
            Judge,
            {"competition": competition, "letter": judge["letter"]},
            values,
            f"judges[{index}]",
        )
    return judges


def _load_event(
    report: LoadReport, competition: Competition, judges: dict, position: int, spec: dict
) -> Event:
    """One event, found by its name, with its dances, criteria (or components and who
    scores them), panel and rounds."""
    where = f"events[{position - 1}] “{spec['name']}”"
    values = {
        "position": position,
        "style": spec["style"],
        "level": spec["level"],
        "age_group": spec["age_group"],
        "scoring_method": spec["scoring"],
        "entry_kind": spec["entry_kind"],
        "results_reveal": spec["results_reveal"],
        "drop_extremes": spec["drop_extremes"],
        "entry_limit": spec.get("entry_limit"),
        "heat_seconds": spec.get("heat_seconds"),
        "performance_seconds": spec.get("performance_seconds"),
        "scoring_seconds": spec.get("scoring_seconds"),
    }
    if spec["scoring"] == ScoringMethod.COMPONENTS:
        values.update(component_values(spec))
    event = upsert(report, Event, {"competition": competition, "name": spec["name"]}, values, where)
    for index, dance in enumerate(spec["dances"], start=1):
        upsert(
            report,
            Dance,
            {"event": event, "name": dance["name"]},
            {"position": index, "short_name": dance["short_name"]},
            f"{where}.dances[{index - 1}]",
        )
    for index, criterion in enumerate(spec["criteria"], start=1):
        upsert(
            report,
            Criterion,
            {"event": event, "name": criterion["name"]},
            {
                "position": index,
                "weight": criterion["weight"],
                "min_score": criterion["min"],
                "max_score": criterion["max"],
                "step": criterion["step"],
            },
            f"{where}.criteria[{index - 1}]",
        )
    for letter in spec["panel"]:
        upsert(report, PanelSeat, {"event": event, "judge": judges[letter]}, {}, where)
    if event.is_components:
        components_load(report, event, judges, spec, where)
    _load_rounds(report, event, spec["rounds"], where)
    return event


def _load_rounds(report: LoadReport, event: Event, specs: list, where: str) -> None:
    """The event's rounds, found by their position; a round that has opened cannot change."""
    for index, round_spec in enumerate(specs, start=1):
        existing_round = Round.objects.filter(event=event, position=index).first()
        values = {"kind": round_spec["kind"], "recall_count": round_spec.get("recall")}
        if (
            existing_round
            and existing_round.status != RoundStatus.PLANNED
            and any(getattr(existing_round, k) != v for k, v in values.items())
        ):
            raise LoadError(
                [f"{where}.rounds[{index - 1}]: this round has opened and cannot change."]
            )
        upsert(
            report,
            Round,
            {"event": event, "position": index},
            values,
            f"{where}.rounds[{index - 1}]",
        )


def _load_competitor(
    report: LoadReport, competition: Competition, events: dict, index: int, spec: dict
) -> None:
    """One competitor, found by bib (or by names), and entered in its events."""
    where = f"competitors[{index}] “{spec['name']}”"
    values = {
        "kind": spec["kind"],
        "name": spec["name"],
        "partner_name": spec["partner"],
        "members": "\n".join(spec["members"]),
        "club": spec["club"],
        "country": spec["country"],
        "email": spec["email"],
    }
    if spec.get("bib"):
        lookup = {"competition": competition, "bib": spec["bib"]}
    else:
        lookup = {
            "competition": competition,
            "name": spec["name"],
            "partner_name": spec["partner"],
        }
        values.pop("name")
        values.pop("partner_name")
    competitor = upsert(report, Competitor, lookup, values, where)
    for name in spec["events"]:
        if Entry.objects.filter(event=events[name], competitor=competitor).exists():
            continue
        # Through the registration service, so the places it holds are counted.
        try:
            entry_add(event=events[name], competitor=competitor)
        except RegistrationRefused as refusal:
            raise LoadError([f"{where}.events: {refusal}"]) from None
        report.count(report.created, Entry)
