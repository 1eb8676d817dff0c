from django.apps import AppConfig


class AdjudicationConfig(AppConfig):
    name = "adjudication"

    def ready(self) -> None:
        # Imported once the app registry is ready: the guards import models.
        from adjudication.db_rules import DB_RULES
        from competitions.db_rules import connect_db_rules

        connect_db_rules(self, DB_RULES, "adjudication_markchange")
