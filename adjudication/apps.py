from django.apps import AppConfig


class AdjudicationConfig(AppConfig):
    name = "adjudication"

    def ready(self) -> None:
        from adjudication.guards import GUARDS
        from competitions.guards import connect_guards

        connect_guards(self, GUARDS, "adjudication_markchange")
