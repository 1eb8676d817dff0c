"""The roles as groups, with their permissions (data only; see 0001 for the schema)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SETUP_MODELS = [
    "competition",
    "event",
    "dance",
    "criterion",
    "competitor",
    "entry",
    "judge",
    "panelseat",
    "round",
    "heat",
    "heatentry",
]


def _crud(models):
    return [
        f"{action}_{model}" for model in models for action in ("add", "change", "delete", "view")
    ]


def _view(models):
    return [f"view_{model}" for model in models]


ROLE_PERMISSIONS = {
    # Sets up competitions in the admin and moves them through their lifecycle.
    "organizer": _crud(SETUP_MODELS) + ["transition_competition", "transition_round"],
    # Runs the results desk: sees everything, draws heats, opens, closes and publishes rounds.
    "scrutineer": _view(SETUP_MODELS)
    + ["change_round", "add_heat", "change_heat", "delete_heat"]
    + ["add_heatentry", "change_heatentry", "delete_heatentry", "transition_round"],
    # Chairman of adjudicators: sees everything, decides recalls, opens and closes rounds.
    "chairman": _view(SETUP_MODELS) + ["transition_round"],
    # Judges and competitors use their own pages, not the admin.
    "judge": [],
    "competitor": [],
}


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = list(
            Permission.objects.filter(
                content_type__app_label="competitions", codename__in=codenames
            )
        )
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise RuntimeError(f"Role {role}: unknown permissions {sorted(missing)}")
        group.permissions.set(permissions)


def delete_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_custom_user"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("competitions", "0001_competition_structure"),
    ]

    operations = [migrations.RunPython(create_role_groups, delete_role_groups)]
