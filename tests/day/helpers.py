"""A competition day for the timetable and floor tests: a Latin event of 20 couples
over two dances (a first round of two heats recalling 6, then a final), a single-dance
event with a direct final, and a criteria event of 4 soloists, with a panel of three."""

import dataclasses
import datetime as dt

from competitions.models import Competition, Event, Round
from competitions.registration import registration_close, registration_submit
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.factories.accounts import UserFactory
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    DanceFactory,
    JudgeFactory,
    PanelSeatFactory,
)


@dataclasses.dataclass
class Programme:
    competition: Competition
    latin: Event
    waltz: Event
    pageant: Event
    judges: list

    def round(self, event, position=1) -> Round:
        return Round.objects.get(event=event, position=position)


def solo(n):
    return couple(
        n,
        kind="solo",
        name=f"Soloist {chr(65 + n)}",
        partner_name="",
        club=f"Club {n}",
        email=f"solo{n}@example.org",
    )


def build_programme(*, timers=False, empty_event=False) -> Programme:
    competition, link = open_competition(starts_on=dt.date(2027, 3, 6), ends_on=dt.date(2027, 3, 6))
    latin = skating_event(competition, name="Adult Latin", position=1, max_per_heat=12)
    latin.dances.all().delete()
    for i, name in enumerate(["Samba", "Rumba"], 1):
        DanceFactory(event=latin, name=name, short_name=name[0], position=i)
    waltz = skating_event(competition, name="Junior Waltz", position=2)
    pageant = CriteriaEventFactory(competition=competition, name="Pageant", position=3)
    CriterionFactory(event=pageant, name="Talent")
    if timers:
        for event in (latin, pageant):
            event.performance_seconds, event.scoring_seconds = 90, 30
            event.save()
    if empty_event:  # an event nobody entered
        skating_event(competition, name="Senior Tango", position=4)
    judges = [JudgeFactory(competition=competition, letter=chr(65 + i)) for i in range(3)]
    for event in (latin, waltz, pageant):
        for judge in judges:
            PanelSeatFactory(event=event, judge=judge)
    for n in range(20):
        registration_submit(link=link, details=couple(n, club=f"Club {n}"), event_ids=[latin.pk])
    for n in range(20, 25):
        registration_submit(link=link, details=couple(n), event_ids=[waltz.pk])
    for n in range(4):
        registration_submit(link=link, details=solo(n), event_ids=[pageant.pk])
    Round.objects.create(event=latin, position=1, kind="first", recall_count=6)
    Round.objects.create(event=latin, position=2, kind="final")
    registration_close(competition=competition, actor=None, seed=7)
    competition.refresh_from_db()
    return Programme(competition, latin, waltz, pageant, judges)


def desk_user(role="scrutineer"):
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get(name=role))
    return user
