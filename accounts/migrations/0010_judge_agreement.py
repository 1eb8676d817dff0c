"""The agreement report (how each judge agreed with the panel): read by the chairman
and the organizer, not by the scrutineer."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "organizer": ["view_judge_agreement"],
    "chairman": ["view_judge_agreement"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="competitions", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"Role {role}: some permissions are missing")
        Group.objects.get(name=role).permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="competitions", codename__in=codenames
        )
        for group in Group.objects.filter(name=role):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_incident_permissions"),
        ("competitions", "0013_shadow_seats_and_agreement_names"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
