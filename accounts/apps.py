from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        # These modules import models, which exist only once the app registry is ready.
        from accounts import audit, db_rules, signin, tokens

        db_rules.connect(self)
        audit.connect_signals()
        signin.connect_signals()
        tokens.connect_signals()


class PodiumAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Podium's site: staff verify a second factor before it opens."""

    default = False
    default_site = "accounts.admin_site.PodiumAdminSite"
