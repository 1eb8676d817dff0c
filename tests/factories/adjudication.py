import datetime as dt

import factory
from django.utils import timezone

from adjudication.models import MarkChange, RecallDecision, RoundResult, Sheet, TabletSession
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory, RoundFactory


class SheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sheet

    round = factory.SubFactory(RoundFactory)
    judge = factory.SubFactory(
        JudgeFactory, competition=factory.SelfAttribute("..round.event.competition")
    )
    dance = factory.SubFactory(
        "tests.factories.competitions.DanceFactory", event=factory.SelfAttribute("..round.event")
    )
    round_revision = 1
    client_key = factory.Sequence(lambda n: f"device-{n}")
    source = Sheet.Source.TABLET
    submitted_at = factory.LazyFunction(timezone.now)


class MarkChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarkChange

    sheet = factory.SubFactory(SheetFactory)
    round = factory.SelfAttribute("sheet.round")
    judge = factory.SelfAttribute("sheet.judge")
    kind = MarkChange.Kind.SUBMITTED
    sheet_version = 1
    source = "tablet"
    at = factory.LazyFunction(timezone.now)


class TabletSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TabletSession

    judge = factory.SubFactory(JudgeFactory)
    session_key = factory.Sequence(lambda n: f"session-{n}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=12))


class RecallDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecallDecision

    round = factory.SubFactory(RoundFactory, kind="first", recall_count=6)
    recall_count = 6
    decided_by = factory.SubFactory(UserFactory)


class RoundResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundResult

    round = factory.SubFactory(RoundFactory)
    computed_at = factory.LazyFunction(timezone.now)
    data = factory.LazyFunction(dict)
