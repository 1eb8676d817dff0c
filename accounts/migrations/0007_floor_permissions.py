"""Running the day: the floor and timetable for the desk roles, and the announcer's role."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "organizer": [
        "run_floor",
        "announce",
        "view_timetableitem",
        "add_timetableitem",
        "change_timetableitem",
        "delete_timetableitem",
        "view_floormove",
    ],
    "scrutineer": [
        "run_floor",
        "announce",
        "view_timetableitem",
        "add_timetableitem",
        "change_timetableitem",
        "delete_timetableitem",
        "view_floormove",
    ],
    "chairman": ["run_floor", "announce", "view_timetableitem", "view_floormove"],
    "announcer": ["announce"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name="announcer")
    for role, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="competitions", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"Role {role}: some permissions are missing")
        Group.objects.get(name=role).permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="announcer").delete()
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="competitions", codename__in=codenames
        )
        for group in Group.objects.filter(name=role):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_audit_log_permission"),
        ("competitions", "0006_timetable_and_floor"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
