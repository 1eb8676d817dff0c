"""The day's incidents: who may mark couples absent, disqualify, order a redance,
replace a judge, accept a miscounted sheet and seed couples."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "organizer": ["record_absence", "seed_entry", "view_incident"],
    "scrutineer": ["record_absence", "order_redance", "seed_entry", "view_incident"],
    "chairman": [
        "record_absence",
        "disqualify_entry",
        "order_redance",
        "replace_judge",
        "accept_miscounted_sheet",
        "view_incident",
    ],
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
        ("accounts", "0008_user_token_generation"),
        ("competitions", "0011_day_incidents_seeding_and_replacements"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
