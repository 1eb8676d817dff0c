"""The results desk's websocket (``ws/desk/<slug>/``, ``adjudication.run_results_desk``).

It joins ``competition.<id>`` for the small nudges of ``scoring_site.realtime`` and
answers them with a fresh desk snapshot (``scoring_site.sockets.NudgedConsumer``): desks
are few, so they may read the database. It pushes; it never writes. Refusals are close
codes after accepting: 4403 (not allowed), 4404 (no such competition).
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from adjudication.desk.snapshot import desk_snapshot
from competitions.access import staff_can, staff_can_somewhere
from competitions.models import Competition
from scoring_site.sockets import FORBIDDEN, NOT_FOUND, NudgedConsumer, dumps, serving_loop_seen


def _desk_competition(user, slug: str) -> tuple[Competition | None, bool]:
    if user is None or not user.is_authenticated:
        return None, False
    permission = "adjudication.run_results_desk"
    if not staff_can_somewhere(user, permission):
        return None, False
    competition = Competition.objects.filter(slug=slug).first()
    if competition is not None and not staff_can(user, permission, competition):
        return None, False
    return competition, True


class DeskConsumer(NudgedConsumer):
    async def connect(self):
        serving_loop_seen()
        await self.accept()
        slug = self.scope["url_route"]["kwargs"]["slug"]
        competition, allowed = await database_sync_to_async(_desk_competition)(
            self.scope.get("user"), slug
        )
        if not allowed:
            await self.close(code=FORBIDDEN)
            return
        if competition is None:
            await self.close(code=NOT_FOUND)
            return
        self.competition = competition
        await self.join(competition.pk)
        await self.push(set())

    async def push(self, kinds: set[str]) -> None:
        snapshot = await database_sync_to_async(desk_snapshot)(self.competition)
        await self.send(
            text_data=dumps({"type": "desk", "seq": self._seq, "kinds": sorted(kinds), **snapshot})
        )
