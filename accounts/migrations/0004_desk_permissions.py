"""The results desk's permissions for the scrutineer, the chairman and the organizer."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "scrutineer": [
        "run_results_desk",
        "enter_paper_sheet",
        "confirm_paper_sheet",
        "manage_tablets",
        "view_sheet",
        "view_markchange",
    ],
    "chairman": [
        "run_results_desk",
        "confirm_paper_sheet",
        "unlock_sheet",
        "decide_recall",
        "view_sheet",
        "view_markchange",
    ],
    "organizer": ["run_results_desk", "manage_tablets", "view_sheet", "view_markchange"],
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
            content_type__app_label="adjudication", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"Role {role}: some permissions are missing")
        Group.objects.get(name=role).permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="adjudication", codename__in=codenames
        )
        Group.objects.get(name=role).permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_registration_permissions"),
        ("adjudication", "0001_sheets_marks_and_trail"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
