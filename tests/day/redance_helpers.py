"""A first round danced on the floor (Samba heats 1 and 2) with every judge's Samba
sheet sent, ready for a redance; and the pageant's first performance danced."""

import dataclasses

from adjudication.day.floor import floor_move
from adjudication.models import Sheet
from adjudication.services import SheetInput, round_entries, sheet_submit
from competitions.models import Dance, HeatEntry, Round
from tests.day.helpers import Programme, build_programme


@dataclasses.dataclass
class Danced:
    p: Programme
    round: Round
    samba: Dance
    rumba: Dance

    def sheet(self, judge, dance=None) -> Sheet:
        return Sheet.objects.get(round=self.round, judge=judge, dance=dance or self.samba)


def send(round_, judge, dance, *, key, base_version=0, reason="", crosses=None):
    entries = round_entries(round_)
    chosen = crosses if crosses is not None else entries[:6]
    return sheet_submit(
        data=SheetInput(
            round_id=round_.pk,
            judge_id=judge.pk,
            dance_id=dance.pk,
            marks={entry.pk: 1 for entry in chosen},
            client_key=key,
            base_version=base_version,
            round_revision=round_.revision,
            reason=reason,
        ),
        actor=None,
    )


def danced_first_round(*, timers=False) -> Danced:
    """Samba heats 1 and 2 started and marked danced, every judge's Samba sheet sent;
    Rumba not yet on the floor."""
    p = build_programme(timers=timers)
    for _ in range(2):
        floor_move(competition=p.competition, action="next", actor=None)
        floor_move(competition=p.competition, action="danced", actor=None)
    first = p.round(p.latin)
    first.refresh_from_db()
    samba, rumba = p.latin.dances.order_by("position")
    for judge in p.judges:
        send(first, judge, samba, key=f"{judge.letter}-1")
    return Danced(p, first, samba, rumba)


def pageant_performer(p: Programme, heat_number: int = 1):
    round_ = p.round(p.pageant)
    return HeatEntry.objects.filter(heat__round=round_, heat__number=heat_number).first().entry
