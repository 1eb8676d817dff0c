import datetime as dt
from decimal import Decimal

import factory
from faker.providers.person.en_US import Provider as _People

from competitions.models import (
    Competition,
    Competitor,
    Criterion,
    Dance,
    Entry,
    EntryKind,
    Event,
    FailedJob,
    Heat,
    HeatEntry,
    IdempotencyKey,
    Judge,
    JudgeApplication,
    PanelSeat,
    RegistrationLink,
    Round,
    RoundKind,
    ScoringMethod,
    StatusChange,
)

_FIRST = list(_People.first_names)
_LAST = list(_People.last_names)


def person_name(n: int) -> str:
    """A realistic name that no other of the next 69,000 calls repeats.

    Faker's random names collide now and then (two "Robert Miller" in one
    competition break its unique-names constraint and made CI flaky); walking
    the first and last names in step gives pairs that only repeat after
    lcm(690, 1000) names, and 7919 (prime) scatters the first names.
    """
    return f"{_FIRST[(n * 7919) % len(_FIRST)]} {_LAST[n % len(_LAST)]}"


class CompetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competition

    name = factory.Sequence(lambda n: f"City Open {n}")
    slug = factory.Sequence(lambda n: f"city-open-{n}")
    venue = "Town Hall"
    starts_on = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda c: c.starts_on)
    timezone = "Europe/London"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    competition = factory.SubFactory(CompetitionFactory)
    name = factory.Sequence(lambda n: f"Adult Latin {n}")
    style = Event.Style.LATIN
    scoring_method = ScoringMethod.SKATING
    entry_kind = EntryKind.COUPLE


class CriteriaEventFactory(EventFactory):
    name = factory.Sequence(lambda n: f"Pageant {n}")
    style = Event.Style.PAGEANT
    scoring_method = ScoringMethod.CRITERIA
    entry_kind = EntryKind.SOLO


class DanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dance

    event = factory.SubFactory(EventFactory)
    name = factory.Iterator(["Samba", "Cha Cha Cha", "Rumba", "Paso Doble", "Jive"])
    position = factory.Sequence(lambda n: n + 1)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    event = factory.SubFactory(CriteriaEventFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("1")
    min_score = Decimal("0")
    max_score = Decimal("10")
    step = Decimal("0.5")


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competitor

    competition = factory.SubFactory(CompetitionFactory)
    kind = EntryKind.COUPLE
    bib = factory.Sequence(lambda n: 100 + n)
    name = factory.Sequence(person_name)
    partner_name = factory.Sequence(lambda n: person_name(n + 34_500))
    club = "Dance Club"
    country = "GB"


class SoloCompetitorFactory(CompetitorFactory):
    kind = EntryKind.SOLO
    partner_name = ""


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    event = factory.SubFactory(EventFactory)
    competitor = factory.SubFactory(
        CompetitorFactory, competition=factory.SelfAttribute("..event.competition")
    )


def judge_letter(n: int) -> str:
    """A, B, … Z, AA, AB, … ZZZ, then round again: always one to three capitals."""
    n %= 26 + 26**2 + 26**3
    width = 1 if n < 26 else 2 if n < 26 + 26**2 else 3
    n -= sum(26**w for w in range(1, width))
    letters = ""
    for _ in range(width):
        letters = chr(ord("A") + n % 26) + letters
        n //= 26
    return letters


class JudgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judge

    competition = factory.SubFactory(CompetitionFactory)
    letter = factory.Sequence(lambda n: judge_letter(n))
    name = factory.Faker("name")


class PanelSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PanelSeat

    event = factory.SubFactory(EventFactory)
    judge = factory.SubFactory(
        JudgeFactory, competition=factory.SelfAttribute("..event.competition")
    )


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    event = factory.SubFactory(EventFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = RoundKind.FINAL
    recall_count = None


class HeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Heat

    round = factory.SubFactory(RoundFactory)
    number = factory.Sequence(lambda n: n + 1)


class HeatEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HeatEntry

    heat = factory.SubFactory(HeatFactory)
    entry = factory.SubFactory(EntryFactory, event=factory.SelfAttribute("..heat.round.event"))


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    competition = factory.SubFactory(CompetitionFactory)
    from_status = "draft"
    to_status = "registration_open"


class RegistrationLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationLink

    competition = factory.SubFactory(CompetitionFactory)
    kind = RegistrationLink.Kind.COMPETITOR
    token = factory.Sequence(lambda n: f"test-token-{n:012d}")


class JudgeApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JudgeApplication

    competition = factory.SubFactory(CompetitionFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"judge{n}@example.org")


class FailedJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FailedJob

    task_name = "competitions.send_reminder"
    task_id = factory.Sequence(lambda n: f"task-{n}")
    args = factory.LazyFunction(lambda: [1])
    error = "SMTPServerDisconnected: gone"


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyKey

    scope = "test"
    key = factory.Sequence(lambda n: f"key-{n}")
    fingerprint = "0" * 64
