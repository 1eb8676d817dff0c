"""Seed a drill's competition in the database the environment names; print the plan.

Run as a script by the drills (``bench/drills.py``), in the
environment of the throwaway servers::

    python bench/drill_seed.py --judges 15 --entries 20

A pageant (one criteria event, two criteria), ``--entries`` solo entries, ``--judges``
judges with sign-in accounts on its panel, its final open. Prints one JSON document:
the competition's slug, the round's id, and every sheet a tablet would send (judge by
judge, entry by entry) with the judge's access token, plus a competitor with an email
for the email drill.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--judges", type=int, default=15)
    parser.add_argument("--entries", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scoring_site.settings.base")
    import django

    django.setup()
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.tokens import StampedRefreshToken
    from competitions.models import (
        Competition,
        Competitor,
        Criterion,
        Entry,
        Event,
        Judge,
        PanelSeat,
        Round,
    )
    from competitions.services import round_draw_heats, round_transition
    from leaderboard.broadcast import public_changed
    from scoring_site import realtime

    realtime.remove_listener(public_changed)  # no live pushes while seeding
    tag = uuid.uuid4().hex[:8]
    today = dt.date.today()
    competition = Competition.objects.create(
        name=f"Drill {tag}", slug=f"drill-{tag}", starts_on=today, ends_on=today
    )
    for status in ("registration_open", "registration_closed", "in_progress"):
        Competition.objects.filter(pk=competition.pk).update(status=status)
    event = Event.objects.create(
        competition=competition,
        name="Pageant",
        style=Event.Style.PAGEANT,
        scoring_method="criteria",
        entry_kind="solo",
    )
    criteria = [
        Criterion.objects.create(event=event, name=name, weight=Decimal(w), position=i)
        for i, (name, w) in enumerate((("Gown", "1"), ("Talent", "2")), 1)
    ]
    entries = []
    for n in range(args.entries):
        competitor = Competitor.objects.create(
            competition=competition,
            kind="solo",
            bib=100 + n,
            name=f"Contestant {n:03d}",
            email=f"contestant{n}@example.org",
        )
        entries.append(Entry.objects.create(event=event, competitor=competitor))
    judge_group, _ = Group.objects.get_or_create(name="judge")
    judges = []
    for i in range(args.judges):
        user = User.objects.create(username=f"drill-{tag}-judge-{i}")
        user.groups.add(judge_group)
        letter = chr(65 + i) if i < 26 else f"Z{i}"
        judge = Judge.objects.create(
            competition=competition, letter=letter, name=f"Judge {i}", user=user
        )
        PanelSeat.objects.create(event=event, judge=judge)
        judges.append(judge)
    final = Round.objects.create(event=event, position=1, kind="final")
    round_draw_heats(round=final, heat_count=1, seed=1)
    round_transition(round=final, to_status="open", actor=None)
    final.refresh_from_db()
    tokens = {j.pk: str(StampedRefreshToken.for_user(j.user).access_token) for j in judges}
    plan = {
        "slug": competition.slug,
        "round": final.pk,
        "criteria": len(criteria),
        "competitor": {"id": entries[0].competitor_id, "entry": entries[0].pk},
        "tablets": [
            {
                "judge": judge.letter,
                "sheets": [
                    {
                        "token": tokens[judge.pk],
                        "body": {
                            "entry_id": entry.pk,
                            "marks": {
                                str(criteria[0].pk): str(5 + (judge.pk + entry.pk) % 5),
                                str(criteria[1].pk): str(4 + (judge.pk * entry.pk) % 6) + ".5",
                            },
                            "client_key": f"drill-{judge.letter}-{entry.pk}",
                            "base_version": 0,
                            "round_revision": final.revision,
                        },
                    }
                    for entry in entries
                ],
            }
            for judge in judges
        ],
    }
    print(json.dumps(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
