"""Judges' sign-ups: applications through a judge link, accepted or declined."""

from __future__ import annotations

import re

from django.db import transaction

from competitions.models import Competition, Judge, JudgeApplication, RegistrationLink
from competitions.registration.refusals import LinkRefused, RegistrationRefused, check_name


@transaction.atomic
def judge_apply(
    *, link: RegistrationLink, name: str, letter_preference: str, email: str, phone: str
) -> JudgeApplication:
    if link.kind != RegistrationLink.Kind.JUDGE:
        raise LinkRefused.single("This link is for competitors, not judges.")
    errors: dict[str, list[str]] = {}
    check_name(name, "name", "name", errors)
    letter = letter_preference.strip().upper()
    if letter and not re.fullmatch(r"[A-Z]{1,3}", letter):
        errors["letter_preference"] = ["A judge's letter is one to three letters, e.g. A or AB."]
    if not email.strip():
        errors["email"] = ["Give an email address, so the organizer can confirm you."]
    if phone and not re.fullmatch(r"\+?[0-9 ()\-]{6,20}", phone.strip()):
        errors["phone"] = ["Give the phone number with digits only, e.g. +44 7700 900123."]
    if errors:
        raise RegistrationRefused(errors)
    if JudgeApplication.objects.filter(
        competition=link.competition, email__iexact=email.strip()
    ).exists():
        raise RegistrationRefused.single(
            "A judge with this email address has already signed up.", "email"
        )
    return JudgeApplication.objects.create(
        competition=link.competition,
        link=link,
        name=name.strip(),
        letter_preference=letter,
        email=email.strip(),
        phone=phone.strip(),
    )


def _next_free_letter(taken: set[str]) -> str:
    for width in (1, 2, 3):
        for index in range(26**width):
            letters, n = "", index
            for _ in range(width):
                letters = chr(ord("A") + n % 26) + letters
                n //= 26
            if letters not in taken:
                return letters
    raise RegistrationRefused.single("No judge letters are left.")


@transaction.atomic
def judge_application_accept(*, application: JudgeApplication) -> Judge:
    """Make the applicant a judge of the competition, with their preferred letter if
    it is free (else the first free one). The organizer then seats them on panels."""
    application = JudgeApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != JudgeApplication.Status.PENDING:
        state = application.get_status_display().lower()
        raise RegistrationRefused.single(f"{application.name}'s application is already {state}.")
    Competition.objects.select_for_update().get(pk=application.competition_id)
    taken = set(
        Judge.objects.filter(competition_id=application.competition_id).values_list(
            "letter", flat=True
        )
    )
    letter = application.letter_preference
    if not letter or letter in taken:
        letter = _next_free_letter(taken)
    judge = Judge.objects.create(
        competition_id=application.competition_id,
        letter=letter,
        name=application.name,
        email=application.email,
        phone=application.phone,
    )
    application.status = JudgeApplication.Status.ACCEPTED
    application.judge = judge
    application.save(update_fields=["status", "judge"])
    return judge


@transaction.atomic
def judge_application_decline(*, application: JudgeApplication) -> JudgeApplication:
    updated = JudgeApplication.objects.filter(
        pk=application.pk, status=JudgeApplication.Status.PENDING
    ).update(status=JudgeApplication.Status.DECLINED)
    if not updated:
        raise RegistrationRefused.single("Only a pending application can be declined.")
    application.refresh_from_db()
    return application
