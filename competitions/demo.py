"""The demo competition: realistic enough to rehearse a day with, built through the
same loader and services an organizer's own competition goes through."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create_with_role
from accounts.two_factor import backup_codes_issue
from competitions.loading import competition_load
from competitions.models import Competition, CompetitionStatus, Round, RoundKind, TimetableItem
from competitions.services import competition_transition, round_draw_heats
from competitions.timetable import timetable_insert_break, timetable_sync

DEMO_SLUG = "demo"

FIRST_NAMES_LEAD = [
    "James",
    "Luca",
    "Mateusz",
    "Daniel",
    "Tomás",
    "Oliver",
    "Jonas",
    "Mikhail",
    "Ethan",
    "Andrea",
    "Felix",
    "Noah",
    "Kristian",
    "Samuel",
    "Hugo",
    "Aleksander",
    "Matteo",
    "Leon",
    "Viktor",
    "Rafael",
    "Elias",
    "Marco",
    "Adam",
    "Julian",
    "Theo",
    "Nikolai",
    "Oscar",
]
FIRST_NAMES_PARTNER = [
    "Sofia",
    "Emma",
    "Anna",
    "Chiara",
    "Julia",
    "Maja",
    "Elena",
    "Olivia",
    "Alina",
    "Zoe",
    "Laura",
    "Isabel",
    "Mila",
    "Clara",
    "Daria",
    "Lena",
    "Nora",
    "Vera",
    "Ines",
    "Alice",
    "Greta",
    "Hannah",
    "Marta",
    "Eva",
    "Yana",
    "Lucia",
    "Freya",
]
SURNAMES = [
    "Novak",
    "Rossi",
    "Schmidt",
    "Kowalski",
    "Ivanova",
    "García",
    "Müller",
    "Dubois",
    "Smith",
    "Jensen",
    "Horvat",
    "Petrov",
    "Silva",
    "Bianchi",
    "Nowak",
    "Fischer",
    "Moreau",
    "Taylor",
    "Larsen",
    "Popescu",
    "Kovač",
    "Ferrari",
    "Wagner",
    "Lindqvist",
    "Brown",
    "Costa",
    "Weber",
]
CLUBS = [
    ("Dance Academy Vienna", "AT"),
    ("Blackpool Ballroom Club", "GB"),
    ("TSC Rot-Weiss Berlin", "DE"),
    ("Studio Latino Milano", "IT"),
    ("Gala Dance Warsaw", "PL"),
    ("Danse Sportive Lyon", "FR"),
    ("Copenhagen Dance Center", "DK"),
    ("Zagreb Dance Society", "HR"),
]
LATIN = ["Samba", "Cha Cha Cha", "Rumba", "Paso Doble", "Jive"]
LATIN_SHORT = ["S", "C", "R", "P", "J"]
# The four components of WDSF's Absolute Judging System, equally weighted, on its absolute
# scale of 1 to 10 in steps of 0.5 (docs/tabulation.md, "Component scoring").
AJS_COMPONENTS = [
    ("Technical Quality", "TQ"),
    ("Movement to Music", "MM"),
    ("Partnering Skill", "PS"),
    ("Choreography and Presentation", "CP"),
]
# Six judges, two components each, each component scored by three of them.
AJS_ALLOCATION = {
    "A": ["TQ", "MM"],
    "B": ["PS", "CP"],
    "C": ["TQ", "PS"],
    "D": ["MM", "CP"],
    "E": ["TQ", "CP"],
    "F": ["MM", "PS"],
}
JUDGES = [
    ("A", "Margaret Ellison", "GB"),
    ("B", "Stefan Hoffmann", "DE"),
    ("C", "Lucia Bernardi", "IT"),
    ("D", "Piotr Zieliński", "PL"),
    ("E", "Anne-Marie Leclerc", "FR"),
    ("F", "Henrik Sørensen", "DK"),
    ("G", "Ivana Babić", "HR"),
]
PAGEANT_NAMES = [
    "Amelia Hart",
    "Bianca Moreno",
    "Charlotte Quinn",
    "Daniela Ruiz",
    "Eleanor Vance",
    "Fiona Castell",
    "Gabriela Nunes",
    "Helena Marsh",
    "Isla Bennett",
    "Jasmine Okafor",
]

DEMO_PASSWORDS = {
    Role.ORGANIZER: ("organizer", "demo-organizer"),
    Role.SCRUTINEER: ("scrutineer", "demo-scrutineer"),
    Role.CHAIRMAN: ("chairman", "demo-chairman"),
}


def _couples(rng: random.Random, count: int, first_bib: int, events: list[str]) -> list[dict]:
    couples, used = [], set()
    while len(couples) < count:
        lead = f"{rng.choice(FIRST_NAMES_LEAD)} {rng.choice(SURNAMES)}"
        partner = f"{rng.choice(FIRST_NAMES_PARTNER)} {rng.choice(SURNAMES)}"
        if (lead, partner) in used:
            continue
        used.add((lead, partner))
        club, country = rng.choice(CLUBS)
        couples.append(
            {
                "bib": first_bib + len(couples),
                "name": lead,
                "partner": partner,
                "club": club,
                "country": country,
                "events": events,
            }
        )
    return couples


def demo_description(*, seed: int, today: dt.date) -> dict:
    # bandit: demo names and draws, seeded on purpose
    rng = random.Random(seed)  # nosec B311
    day = today + dt.timedelta(days=14)
    now = timezone.now()
    letters = [letter for letter, _, _ in JUDGES]
    return {
        "competition": {
            "name": "Podium Demo Open",
            "slug": DEMO_SLUG,
            "venue": "Winter Gardens, Blackpool",
            "starts_on": day.isoformat(),
            "ends_on": day.isoformat(),
            "timezone": "Europe/London",
            "registration_opens_at": (now - dt.timedelta(days=30)).isoformat(),
            "registration_closes_at": (now + dt.timedelta(days=12)).isoformat(),
            "capacity": 200,
        },
        "judges": [
            {"letter": letter, "name": name, "country": country} for letter, name, country in JUDGES
        ],
        "events": [
            {
                "name": "Adult Latin Open",
                "style": "latin",
                "level": "Open",
                "age_group": "Adult",
                "scoring": "skating",
                "entry_limit": 48,
                "performance_seconds": 90,
                "scoring_seconds": 30,
                "dances": [
                    {"name": n, "short_name": s} for n, s in zip(LATIN, LATIN_SHORT, strict=True)
                ],
                "panel": letters,
                "rounds": [
                    {"kind": "first", "recall": 12},
                    {"kind": "semi_final", "recall": 6},
                    {"kind": "final"},
                ],
            },
            {
                "name": "Junior Waltz",
                "style": "standard",
                "level": "Novice",
                "age_group": "Junior",
                "scoring": "skating",
                "entry_limit": 8,
                "dances": [{"name": "Waltz", "short_name": "W"}],
                "panel": letters[:5],
                "rounds": [{"kind": "final"}],
            },
            {
                "name": "Miss Podium Pageant",
                "style": "pageant",
                "age_group": "Adult",
                "scoring": "criteria",
                "entry_kind": "solo",
                "entry_limit": 20,
                "results_reveal": "live_total",
                "drop_extremes": True,  # five judges: each one's highest and lowest go
                "performance_seconds": 60,
                "scoring_seconds": 30,
                "criteria": [
                    {"name": "Evening gown", "weight": "0.3", "min": 0, "max": 10, "step": "0.5"},
                    {"name": "Interview", "weight": "0.4", "min": 0, "max": 10, "step": "0.5"},
                    {"name": "Talent", "weight": "0.3", "min": 0, "max": 10, "step": "0.5"},
                ],
                "panel": letters[2:],
                "rounds": [{"kind": "final"}],
            },
            {
                "name": "Youth Standard",
                "style": "standard",
                "level": "Open",
                "age_group": "Youth",
                "scoring": "components",
                "entry_limit": 8,
                "dances": [
                    {"name": "Waltz", "short_name": "W"},
                    {"name": "Tango", "short_name": "T"},
                    {"name": "Quickstep", "short_name": "Q"},
                ],
                "components": [
                    {
                        "name": name,
                        "short_name": short,
                        "weight": 1,
                        "min": 1,
                        "max": 10,
                        "step": "0.5",
                    }
                    for name, short in AJS_COMPONENTS
                ],
                "tolerance": "1.5",
                "allocation": AJS_ALLOCATION,
                "panel": list(AJS_ALLOCATION),
                "rounds": [{"kind": "final"}],
            },
        ],
        "competitors": [
            *_couples(rng, 24, 101, ["Adult Latin Open"]),
            *_couples(rng, 6, 201, ["Junior Waltz"]),
            *(
                {
                    "bib": 301 + index,
                    "kind": "solo",
                    "name": name,
                    "club": rng.choice(CLUBS)[0],
                    "country": "GB",
                    "events": ["Miss Podium Pageant"],
                }
                for index, name in enumerate(PAGEANT_NAMES)
            ),
            *_couples(rng, 7, 401, ["Youth Standard"]),
        ],
    }


@dataclass
class DemoReport:
    competition: Competition
    created: bool
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)  # role, user, password
    # Demo only: single-use second-factor codes for each demo staff account, fresh on
    # every run, so a newcomer gets past the two-factor step without an authenticator.
    backup_codes: dict[str, list[str]] = field(default_factory=dict)


DEMO_BACKUP_CODES = 5


def _backup_codes() -> dict[str, list[str]]:
    codes = {}
    for username, _ in DEMO_PASSWORDS.values():
        user = User.objects.filter(username=username).first()
        if user is not None:
            codes[username] = backup_codes_issue(user=user, count=DEMO_BACKUP_CODES)
    return codes


def _sign_ins() -> list[tuple[str, str, str]]:
    return [
        (str(role.label), username, password)
        for role, (username, password) in DEMO_PASSWORDS.items()
    ]


@transaction.atomic
def demo_create(*, seed: int = 2026, reset: bool = False) -> DemoReport:
    """Create the demo competition (slug ``demo``) with its sign-ins, unless it exists."""
    existing = Competition.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None and not reset:
        return DemoReport(
            competition=existing,
            created=False,
            sign_ins=_sign_ins(),
            backup_codes=_backup_codes(),
        )
    if existing is not None:
        existing.delete()

    competition = competition_load(data=demo_description(seed=seed, today=dt.date.today()))
    competition = competition.competition
    for role, (username, password) in DEMO_PASSWORDS.items():
        user_create_with_role(username=username, password=password, role=role)
    judge_group = Group.objects.get(name=Role.JUDGE.value)
    for judge in competition.judges.all():
        user, _ = User.objects.get_or_create(
            username=f"judge-{judge.letter.lower()}",
            defaults={"first_name": judge.name.split()[0], "last_name": judge.name.split()[-1]},
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(judge_group)
        judge.user = user
        judge.save(update_fields=["user"])

    competition_transition(
        competition=competition, to_status=CompetitionStatus.REGISTRATION_OPEN, actor=None
    )
    competition_transition(
        competition=competition,
        to_status=CompetitionStatus.REGISTRATION_CLOSED,
        actor=None,
        note="demo: registration closed early to rehearse the day",
    )
    first_rounds = Round.objects.filter(event__competition=competition, position=1)
    for round_ in first_rounds.select_related("event"):
        heats = 2 if round_.kind == RoundKind.FIRST else 1
        round_draw_heats(round=round_, heat_count=heats, seed=seed)
    timetable_sync(competition=competition)
    latin_final = TimetableItem.objects.get(
        competition=competition,
        round__event__name="Adult Latin Open",
        round__kind=RoundKind.FINAL,
    )
    timetable_insert_break(
        competition=competition,
        after_position=latin_final.position,
        minutes=20,
        title="Break before the finals",
        actor=None,
    )
    return DemoReport(
        competition=competition, created=True, sign_ins=_sign_ins(), backup_codes=_backup_codes()
    )
