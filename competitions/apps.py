from django.apps import AppConfig


class CompetitionsConfig(AppConfig):
    name = "competitions"

    def ready(self) -> None:
        # The database's lifecycle triggers are (re)installed around every migrate;
        # see competitions.guards for why they do not live in a migration.
        from competitions.guards import GUARDS, connect_guards

        connect_guards(self, GUARDS, "competitions_competition")
