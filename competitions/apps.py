from django.apps import AppConfig


class CompetitionsConfig(AppConfig):
    name = "competitions"

    def ready(self) -> None:
        # Imported once the app registry is ready: both modules import models. Importing
        # the tasks registers the jobs, which the services queue by name.
        from competitions import tasks  # noqa: F401
        from competitions.db_rules import DB_RULES, connect_db_rules

        # The database's lifecycle triggers are (re)installed around every migrate;
        # see competitions.db_rules for why they do not live in a migration.
        connect_db_rules(self, DB_RULES, "competitions_competition")
