from django.apps import AppConfig


class AdjudicationConfig(AppConfig):
    name = "adjudication"

    def ready(self) -> None:
        # Imported once the app registry is ready: the guards import models.
        from adjudication.db_rules import GUARDS
        from competitions.db_rules import connect_guards

        connect_guards(self, GUARDS, "adjudication_markchange")
