"""The organizer reads the audit log in the admin (superusers read everything)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"organizer": ["view_auditentry"]}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="accounts", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"Role {role}: some permissions are missing")
        Group.objects.get(name=role).permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="accounts", codename__in=codenames
        )
        Group.objects.get(name=role).permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_log")]

    operations = [migrations.RunPython(grant, revoke)]
