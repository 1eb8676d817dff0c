"""Changes the services do not announce themselves, announced from their trail.

Every lifecycle move writes a ``StatusChange`` row in the mover's transaction
(``competitions.services``); a round opening and a competition's status change reach
the screens from there, after commit like every announcement.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from competitions.models import RoundStatus, StatusChange
from scoring_site.realtime import announce


@receiver(post_save, sender=StatusChange, dispatch_uid="leaderboard-status-change")
def status_change_announce(sender, instance: StatusChange, created: bool, raw: bool, **kwargs):
    if not created or raw:
        return
    if instance.round_id is None:
        announce(instance.competition_id, "competition.status", {"status": instance.to_status})
    elif instance.from_status == RoundStatus.PLANNED and instance.to_status == RoundStatus.OPEN:
        # Closing, reopening and publishing are announced by adjudication.services.
        announce(instance.competition_id, "round.opened", {"round": instance.round_id})
