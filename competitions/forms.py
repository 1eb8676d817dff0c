"""Input of the public registration pages. Business rules live in the services; the
forms only shape what a browser sends."""

from __future__ import annotations

import uuid

from django import forms

from competitions.models import EntryKind, Event
from competitions.registration import CompetitorDetails


def _kinds_of(events: list[Event]) -> list[tuple[str, str]]:
    """The entry kinds the events take, in the usual order (couple, solo, group)."""
    taken = {e.entry_kind for e in events}
    return [(value, label) for value, label in EntryKind.choices if value in taken]


class CompetitorRegistrationForm(forms.Form):
    """The competitors' form. Fields that only some kinds need (``kinds``) are shown and
    required by the page's script for those kinds; the service checks them either way."""

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    kind = forms.ChoiceField(
        label="Entering as",
        choices=EntryKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose couple, solo or group."},
    )
    name = forms.CharField(
        label="Name (leader, soloist or group)",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter the name (the leader's, the soloist's or the group's)."},
    )
    birth_year = forms.IntegerField(label="Year of birth", required=False, min_value=1900)
    partner_name = forms.CharField(label="Partner's name", max_length=100, required=False)
    partner_birth_year = forms.IntegerField(
        label="Partner's year of birth", required=False, min_value=1900
    )
    members = forms.CharField(
        label="Members (one per line)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    club = forms.CharField(label="Club or studio", max_length=200, required=False)
    country = forms.CharField(
        label="Country (ISO code, e.g. GB)",
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    email = forms.EmailField(
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter an email address: the confirmation goes there."},
    )
    events = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )

    # Fields for some kinds only, and those of them required for that kind.
    KINDS = {"partner_name": ("couple",), "partner_birth_year": ("couple",), "members": ("group",)}
    REQUIRED_FOR = {"partner_name": "couple"}

    def __init__(self, *args, events: list[Event], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(str(e.pk), e.name) for e in events]
        kinds = _kinds_of(events) or EntryKind.choices
        self.fields["kind"].choices = kinds
        self.fields["kind"].initial = kinds[0][0]
        for name, field in self.fields.items():
            field.kinds = self.KINDS.get(name, ())
            field.required_for = self.REQUIRED_FOR.get(name, "")
        if not self.is_bound:
            self.initial["form_token"] = uuid.uuid4().hex

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def details(self) -> CompetitorDetails:
        """The details as typed; a field the form refused counts as left empty, so the
        service can still say what else is wrong."""
        data = getattr(self, "cleaned_data", {})
        members = tuple(m.strip() for m in data.get("members", "").splitlines() if m.strip())
        return CompetitorDetails(
            kind=data.get("kind", ""),
            name=data.get("name", ""),
            partner_name=data.get("partner_name", ""),
            members=members,
            club=data.get("club", ""),
            country=data.get("country", ""),
            email=data.get("email", ""),
            birth_year=data.get("birth_year"),
            partner_birth_year=data.get("partner_birth_year"),
        )

    def event_ids(self) -> list[int]:
        return [int(pk) for pk in getattr(self, "cleaned_data", {}).get("events", [])]

    def fingerprint_payload(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "form_token"}
        data["events"] = sorted(data["events"])
        return data


class JudgeApplicationForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    letter_preference = forms.CharField(
        label="Preferred judge letter (optional)", max_length=3, required=False
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        max_length=32, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
