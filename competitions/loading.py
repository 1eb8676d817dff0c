"""Load a whole competition from a YAML or JSON description.

The file is validated in full before anything is written (DRF serializers give each
problem a path such as ``competitors[3] “Anna Bell”.country``); then one transaction
creates or updates what differs. Loading the same file twice changes nothing.

The format, with every field the loader knows::

    competition: {name, slug, venue, starts_on, ends_on, timezone,
                  registration_opens_at, registration_closes_at, capacity,
                  judge_names_public (true: names beside letters in published results)}
    judges:      [{letter, name, email, phone, country}]
    events:      [{name, style, level, age_group, scoring (skating|criteria),
                   entry_kind (couple|solo|group), entry_limit,
                   results_reveal (published|live_total),
                   drop_extremes (criteria: leave out each entry's highest and lowest
                   score per criterion; needs three judges),
                   heat_seconds, performance_seconds, scoring_seconds,
                   dances: [name | {name, short_name}],
                   criteria: [{name, weight, min, max, step}],
                   panel: [letter, ...],
                   rounds: [{kind, recall}]}]
    competitors: [{bib, name, partner, kind, members, club, country, email, events: [name]}]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from rest_framework import serializers

from competitions.models import (
    Competition,
    CompetitionStatus,
    Competitor,
    Criterion,
    Dance,
    Entry,
    EntryKind,
    Event,
    Judge,
    PanelSeat,
    ResultsReveal,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
    country_code_validator,
    validate_timezone,
)
from competitions.registration import RegistrationRefused, entry_add

EDITABLE_STATUSES = (
    CompetitionStatus.DRAFT,
    CompetitionStatus.REGISTRATION_OPEN,
    CompetitionStatus.REGISTRATION_CLOSED,
)


class LoadError(Exception):
    """The description cannot be loaded; ``problems`` lists each fault with its path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- Reading the file ---------------------------------------------------------------


def read_description(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError([f"{path}: no such file."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError([f"{path}: cannot be read ({exc})."]) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except RecursionError:
        raise LoadError([f"{path}: nested too deeply to read."]) from None
    # ValueError: JSON's errors, and an integer too long to read (over 4,300 digits).
    except (ValueError, yaml.YAMLError) as exc:
        raise LoadError([f"{path}: not valid {path.suffix.lstrip('.').upper()}: {exc}"]) from None
    if not isinstance(data, dict):
        raise LoadError([f"{path}: the top level must be a mapping with a “competition” key."])
    return data


# --- Validation ---------------------------------------------------------------------


class CountryField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=3,
            required=False,
            allow_blank=True,
            validators=[country_code_validator],
            **kwargs,
        )


class CompetitionIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80)
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False)
    timezone = serializers.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    registration_opens_at = serializers.DateTimeField(required=False, allow_null=True)
    registration_closes_at = serializers.DateTimeField(required=False, allow_null=True)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    judge_names_public = serializers.BooleanField(required=False)

    def validate(self, attrs):
        attrs.setdefault("ends_on", attrs["starts_on"])
        if attrs["ends_on"] < attrs["starts_on"]:
            raise serializers.ValidationError({"ends_on": "The competition ends before it starts."})
        opens, closes = attrs.get("registration_opens_at"), attrs.get("registration_closes_at")
        if opens and closes and closes <= opens:
            raise serializers.ValidationError(
                {"registration_closes_at": "Registration must close after it opens."}
            )
        return attrs


class JudgeIn(serializers.Serializer):
    letter = serializers.RegexField(
        r"^[A-Z]{1,3}$", error_messages={"invalid": "Use capital letters only: A, B, … AA."}
    )
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    country = CountryField(default="")


class DanceIn(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    short_name = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = {"name": data}
        return super().to_internal_value(data)


class CriterionIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    weight = serializers.DecimalField(max_digits=6, decimal_places=3, default=Decimal("1"))
    min = serializers.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    max = serializers.DecimalField(max_digits=7, decimal_places=2, default=Decimal("10"))
    step = serializers.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.5"))

    def validate(self, attrs):
        if attrs["weight"] <= 0:
            raise serializers.ValidationError({"weight": "The weight must be greater than 0."})
        if attrs["min"] >= attrs["max"]:
            raise serializers.ValidationError({"max": "The maximum must be above the minimum."})
        if attrs["step"] <= 0:
            raise serializers.ValidationError({"step": "The step must be greater than 0."})
        if (attrs["max"] - attrs["min"]) % attrs["step"]:
            raise serializers.ValidationError({"step": "The range is not a whole number of steps."})
        return attrs


class RoundIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    recall = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate(self, attrs):
        if attrs["kind"] == RoundKind.FINAL and attrs.get("recall"):
            raise serializers.ValidationError({"recall": "A final recalls nobody."})
        if attrs["kind"] != RoundKind.FINAL and not attrs.get("recall"):
            raise serializers.ValidationError(
                {"recall": "Say how many couples this round recalls."}
            )
        return attrs


def _unique(items, key, what):
    seen, duplicates = set(), []
    for item in items:
        value = item[key]
        if value in seen:
            duplicates.append(value)
        seen.add(value)
    if duplicates:
        raise serializers.ValidationError(
            f"{what} appear more than once: {', '.join(map(str, duplicates))}."
        )


class EventIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    style = serializers.ChoiceField(choices=Event.Style.choices)
    level = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    age_group = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    scoring = serializers.ChoiceField(choices=ScoringMethod.choices)
    entry_kind = serializers.ChoiceField(choices=EntryKind.choices, default=EntryKind.COUPLE)
    entry_limit = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    results_reveal = serializers.ChoiceField(
        choices=ResultsReveal.choices, default=ResultsReveal.PUBLISHED
    )
    drop_extremes = serializers.BooleanField(default=False)
    heat_seconds = serializers.IntegerField(
        min_value=10, max_value=3600, required=False, allow_null=True
    )
    performance_seconds = serializers.IntegerField(
        min_value=5, max_value=3600, required=False, allow_null=True
    )
    scoring_seconds = serializers.IntegerField(
        min_value=5, max_value=3600, required=False, allow_null=True
    )
    dances = DanceIn(many=True, required=False, default=list)
    criteria = CriterionIn(many=True, required=False, default=list)
    panel = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    rounds = RoundIn(many=True, required=False, default=list)

    def validate_dances(self, dances):
        _unique(dances, "name", "Dances")
        return dances

    def validate_criteria(self, criteria):
        _unique(criteria, "name", "Criteria")
        return criteria

    def validate_rounds(self, rounds):
        finals = [i for i, r in enumerate(rounds) if r["kind"] == RoundKind.FINAL]
        if rounds and finals != [len(rounds) - 1]:
            raise serializers.ValidationError("An event has exactly one final, as its last round.")
        return rounds

    def validate(self, attrs):
        if attrs["scoring"] == ScoringMethod.SKATING:
            if not attrs["dances"]:
                raise serializers.ValidationError(
                    {"dances": "A Skating System event needs dances."}
                )
            if attrs["criteria"]:
                raise serializers.ValidationError(
                    {"criteria": "A Skating System event is scored by placements, not criteria."}
                )
        else:
            if not attrs["criteria"]:
                raise serializers.ValidationError({"criteria": "A criteria event needs criteria."})
            if attrs["dances"]:
                raise serializers.ValidationError(
                    {"dances": "A criteria event has no dances; list its criteria."}
                )
        return attrs


class CompetitorIn(serializers.Serializer):
    bib = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=EntryKind.choices, default=EntryKind.COUPLE)
    name = serializers.CharField(max_length=200)
    partner = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    members = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    club = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    country = CountryField(default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    events = serializers.ListField(child=serializers.CharField(), allow_empty=False)

    def validate(self, attrs):
        if attrs["kind"] == EntryKind.COUPLE and not attrs["partner"]:
            raise serializers.ValidationError({"partner": "A couple needs the partner's name."})
        if attrs["kind"] != EntryKind.COUPLE and attrs["partner"]:
            raise serializers.ValidationError({"partner": "Only a couple has a partner."})
        if attrs["members"] and attrs["kind"] != EntryKind.GROUP:
            raise serializers.ValidationError({"members": "Only a group lists members."})
        return attrs


class DescriptionIn(serializers.Serializer):
    competition = CompetitionIn()
    judges = JudgeIn(many=True, required=False, default=list)
    events = EventIn(many=True, allow_empty=False)
    competitors = CompetitorIn(many=True, required=False, default=list)

    def validate(self, attrs):
        errors: dict[str, Any] = {}
        letters = {judge["letter"] for judge in attrs["judges"]}
        events = {event["name"]: event for event in attrs["events"]}
        try:
            _unique(attrs["judges"], "letter", "Judge letters")
        except serializers.ValidationError as exc:
            errors["judges"] = exc.detail
        try:
            _unique(attrs["events"], "name", "Event names")
        except serializers.ValidationError as exc:
            errors["events"] = exc.detail
        bibs = [c for c in attrs["competitors"] if c.get("bib")]
        try:
            _unique(bibs, "bib", "Bib numbers")
        except serializers.ValidationError as exc:
            errors["competitors"] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)

        event_errors = [
            {"panel": [f"No judge has the letter {letter}." for letter in unknown]}
            if (unknown := [x for x in event["panel"] if x not in letters])
            else {}
            for event in attrs["events"]
        ]
        if any(event_errors):
            errors["events"] = event_errors
        competitor_errors = []
        for competitor in attrs["competitors"]:
            problems = []
            for name in competitor["events"]:
                event = events.get(name)
                if event is None:
                    problems.append(f"There is no event called “{name}”.")
                elif event["entry_kind"] != competitor["kind"]:
                    problems.append(
                        f"“{name}” takes {event['entry_kind']} entries, not {competitor['kind']}."
                    )
            if len(set(competitor["events"])) != len(competitor["events"]):
                problems.append("An event is listed twice.")
            competitor_errors.append({"events": problems} if problems else {})
        if any(competitor_errors):
            errors["competitors"] = competitor_errors
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _labels(data: Any) -> dict[tuple[str, int], str]:
    """Names to show beside list positions in error paths ("competitors[3] “Anna”")."""
    labels: dict[tuple[str, int], str] = {}
    if not isinstance(data, dict):
        return labels
    for key in ("judges", "events", "competitors"):
        items = data.get(key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, dict) and item.get("name"):
                    labels[(key, index)] = str(item["name"])
    return labels


def _flatten(detail: Any, labels: dict[tuple[str, int], str], path: str = "") -> list[str]:
    """DRF's nested errors as lines "path: message"; list items (int keys or list
    positions) become ``[index]`` followed by the item's name where it has one."""
    if isinstance(detail, list) and all(isinstance(d, str) for d in detail):
        return [f"{path or 'file'}: {message}" for message in detail]
    items = detail.items() if isinstance(detail, dict) else enumerate(detail)
    lines = []
    for key, value in items:
        if isinstance(key, int):
            label = labels.get((path, key))
            sub_path = f"{path}[{key}]" + (f" “{label}”" if label else "")
        elif key == "non_field_errors":
            sub_path = path
        else:
            sub_path = f"{path}.{key}" if path else key
        if isinstance(value, (dict, list)):
            lines.extend(_flatten(value, labels, sub_path))
        else:
            lines.append(f"{sub_path or 'file'}: {value}")
    return lines


def validate_description(data: Any) -> dict[str, Any]:
    serializer = DescriptionIn(data=data)
    if not serializer.is_valid():
        raise LoadError(_flatten(serializer.errors, _labels(data)))
    return serializer.validated_data


# --- Writing ------------------------------------------------------------------------


@dataclass
class LoadReport:
    competition: Competition | None = None
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def count(self, bucket: dict[str, int], model: type[models.Model]) -> None:
        bucket[model._meta.model_name] = bucket.get(model._meta.model_name, 0) + 1

    def summary(self) -> str:
        def name(model_name: str, n: int) -> str:
            meta = apps.get_model("competitions", model_name)._meta
            return str(meta.verbose_name if n == 1 else meta.verbose_name_plural)

        def part(bucket):
            counts = sorted(bucket.items())
            return ", ".join(f"{n} {name(m, n)}" for m, n in counts) or "nothing"

        return f"created {part(self.created)}; updated {part(self.updated)}"


def _upsert(report: LoadReport, model, lookup: dict, values: dict, where: str):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        bucket = report.created
    else:
        changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
        if not changed:
            return obj
        for key, value in changed.items():
            setattr(obj, key, value)
        bucket = report.updated
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise LoadError(
            [f"{where}.{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
        ) from None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        # A rule only the database knows (its triggers); its message names the rule.
        reason = str(exc).splitlines()[0].removeprefix("CONTEXT:").strip()
        raise LoadError([f"{where}: refused by the database: {reason}"]) from None
    report.count(bucket, model)
    return obj


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
    return _upsert(report, Competition, {"slug": slug}, info, "competition")


def _load_judges(report: LoadReport, competition: Competition, specs: list) -> dict[str, Judge]:
    """The judges, found by their letter; returns them by letter."""
    judges = {}
    for index, judge in enumerate(specs):
        values = {k: v for k, v in judge.items() if k != "letter"}
        judges[judge["letter"]] = _upsert(
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
    """One event, found by its name, with its dances, criteria, panel and rounds."""
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
    event = _upsert(
        report, Event, {"competition": competition, "name": spec["name"]}, values, where
    )
    for index, dance in enumerate(spec["dances"], start=1):
        _upsert(
            report,
            Dance,
            {"event": event, "name": dance["name"]},
            {"position": index, "short_name": dance["short_name"]},
            f"{where}.dances[{index - 1}]",
        )
    for index, criterion in enumerate(spec["criteria"], start=1):
        _upsert(
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
        _upsert(report, PanelSeat, {"event": event, "judge": judges[letter]}, {}, where)
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
        _upsert(
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
    competitor = _upsert(report, Competitor, lookup, values, where)
    for name in spec["events"]:
        if Entry.objects.filter(event=events[name], competitor=competitor).exists():
            continue
        # Through the registration service, so the places it holds are counted.
        try:
            entry_add(event=events[name], competitor=competitor)
        except RegistrationRefused as refusal:
            raise LoadError([f"{where}.events: {refusal}"]) from None
        report.count(report.created, Entry)
