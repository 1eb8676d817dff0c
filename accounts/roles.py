"""The roles of Podium. Each is a group; its permissions are set by a data migration."""

from django.db import models


class Role(models.TextChoices):
    ORGANIZER = "organizer", "Organizer"
    SCRUTINEER = "scrutineer", "Scrutineer"
    CHAIRMAN = "chairman", "Chairman of adjudicators"
    JUDGE = "judge", "Judge"
    ANNOUNCER = "announcer", "Announcer (MC)"
    COMPETITOR = "competitor", "Competitor"
