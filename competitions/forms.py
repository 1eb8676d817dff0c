"""Input of the public registration pages. Business rules live in the services; the
forms only shape what a browser sends."""

from __future__ import annotations

import uuid

from django import forms

from competitions.models import EntryKind, Event
from competitions.registration import CompetitorDetails


class CompetitorRegistrationForm(forms.Form):
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    kind = forms.ChoiceField(
        choices=EntryKind.choices, widget=forms.RadioSelect, initial=EntryKind.COUPLE
    )
    name = forms.CharField(
        label="Name (leader, soloist or group)",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_year = forms.IntegerField(label="Year of birth", required=False, min_value=1900)
    partner_name = forms.CharField(label="Partner's name (couples)", max_length=100, required=False)
    partner_birth_year = forms.IntegerField(
        label="Partner's year of birth", required=False, min_value=1900
    )
    members = forms.CharField(
        label="Members (groups: one per line)",
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
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    events = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, events: list[Event], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(str(e.pk), e.name) for e in events]
        if not self.is_bound:
            self.initial["form_token"] = uuid.uuid4().hex

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def details(self) -> CompetitorDetails:
        data = self.cleaned_data
        members = tuple(m.strip() for m in data["members"].splitlines() if m.strip())
        return CompetitorDetails(
            kind=data["kind"],
            name=data["name"],
            partner_name=data["partner_name"],
            members=members,
            club=data["club"],
            country=data["country"],
            email=data["email"],
            birth_year=data["birth_year"],
            partner_birth_year=data["partner_birth_year"],
        )

    def event_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["events"]]

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
