"""The description checked in full before anything is written: DRF serializers give
each problem a path such as ``competitors[3] “Anna Bell”.country``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from competitions.loading.reading import LoadError
from competitions.models import (
    AllocationMode,
    EntryKind,
    Event,
    ResultsReveal,
    RoundKind,
    ScoringMethod,
    country_code_validator,
    validate_timezone,
)


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


class ComponentIn(CriterionIn):
    short_name = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")


class AllocationField(serializers.Field):
    """Who scores what in a component event: ``every_judge``, ``random`` (drawn for each
    dance as a round opens) or a fixed ``{letter: [component name or short name]}``."""

    default_error_messages = {
        "invalid": "Use every_judge, random, or a mapping from judge letters to the "
        "components each one scores.",
    }

    def to_internal_value(self, data):
        if data in (AllocationMode.EVERY_JUDGE, AllocationMode.RANDOM):
            return {"mode": data, "judges": {}}
        if (
            isinstance(data, dict)
            and data
            and all(
                isinstance(names, list) and names and all(isinstance(n, str) for n in names)
                for names in data.values()
            )
        ):
            return {"mode": AllocationMode.FIXED, "judges": {str(k): v for k, v in data.items()}}
        self.fail("invalid")

    def to_representation(self, value):
        return value


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
    components = ComponentIn(many=True, required=False, default=list)
    tolerance = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    allocation = AllocationField(required=False)
    panel = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    rounds = RoundIn(many=True, required=False, default=list)

    def validate_dances(self, dances):
        _unique(dances, "name", "Dances")
        return dances

    def validate_criteria(self, criteria):
        _unique(criteria, "name", "Criteria")
        return criteria

    def validate_components(self, components):
        _unique(components, "name", "Components")
        _unique([c for c in components if c["short_name"]], "short_name", "Short names")
        return components

    def validate_rounds(self, rounds):
        finals = [i for i, r in enumerate(rounds) if r["kind"] == RoundKind.FINAL]
        if rounds and finals != [len(rounds) - 1]:
            raise serializers.ValidationError("An event has exactly one final, as its last round.")
        return rounds

    def validate(self, attrs):
        if attrs["scoring"] == ScoringMethod.COMPONENTS:
            errors = _component_problems(attrs)
        else:
            errors = {
                key: f"Only a component event has {what}."
                for key, what in (
                    ("components", "components"),
                    ("tolerance", "a tolerance"),
                    ("allocation", "an allocation"),
                )
                if attrs.get(key) not in (None, [])
            }
        if errors:
            raise serializers.ValidationError(errors)
        if attrs["scoring"] == ScoringMethod.SKATING:
            if not attrs["dances"]:
                raise serializers.ValidationError(
                    {"dances": "A Skating System event needs dances."}
                )
            if attrs["criteria"]:
                raise serializers.ValidationError(
                    {"criteria": "A Skating System event is scored by placements, not criteria."}
                )
        elif attrs["scoring"] == ScoringMethod.CRITERIA:
            if not attrs["criteria"]:
                raise serializers.ValidationError({"criteria": "A criteria event needs criteria."})
            if attrs["dances"]:
                raise serializers.ValidationError(
                    {"dances": "A criteria event has no dances; list its criteria."}
                )
        return attrs


def _component_problems(attrs: dict) -> dict[str, Any]:
    """What is wrong with a component event: its dances and components, and a fixed
    allocation that names a judge off the panel or an unknown component, or leaves a
    component to nobody."""
    errors: dict[str, Any] = {}
    if not attrs["dances"]:
        errors["dances"] = "A component event needs dances."
    if attrs["criteria"]:
        errors["criteria"] = "A component event lists its components, not criteria."
    if not attrs["components"]:
        errors["components"] = "A component event needs components (e.g. TQ, MM, PS, CP)."
    allocation = attrs.get("allocation") or {"judges": {}}
    names = {}
    for component in attrs["components"]:
        names[component["name"]] = component["name"]
        if component["short_name"]:
            names[component["short_name"]] = component["name"]
    problems, given = [], set()
    for letter, wanted in allocation["judges"].items():
        if letter not in attrs["panel"]:
            problems.append(f"Judge {letter} is not on this event's panel.")
        unknown = [n for n in wanted if n not in names]
        if unknown:
            problems.append(f"Judge {letter}: no component {', '.join(unknown)}.")
        given |= {names[n] for n in wanted if n in names}
    if allocation["judges"] and attrs["components"] and not problems:
        nobody = [c["name"] for c in attrs["components"] if c["name"] not in given]
        if nobody:
            problems.append(f"Nobody scores {', '.join(nobody)}.")
    if problems:
        errors["allocation"] = problems
    return errors


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
