from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from accounts import audit, guards, tokens

        guards.connect(self)
        audit.connect_signals()
        tokens.connect_signals()


class PodiumAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Podium's site: staff verify a second factor before it opens."""

    default = False
    default_site = "accounts.admin_site.PodiumAdminSite"
