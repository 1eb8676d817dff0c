from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def _drop_guards(sender, using, **kwargs):
    from competitions.guards import drop_guards

    drop_guards(connections[using])


def _install_guards(sender, using, plan=None, **kwargs):
    from competitions.guards import install_guards

    connection = connections[using]
    if "competitions_competition" in connection.introspection.table_names():
        install_guards(connection)


class CompetitionsConfig(AppConfig):
    name = "competitions"

    def ready(self) -> None:
        # The database's lifecycle triggers are (re)installed around every migrate;
        # see competitions.guards for why they do not live in a migration.
        pre_migrate.connect(_drop_guards, sender=self, dispatch_uid="competitions_drop_guards")
        post_migrate.connect(
            _install_guards, sender=self, dispatch_uid="competitions_install_guards"
        )
