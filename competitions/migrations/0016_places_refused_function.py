"""The function with which the registration's last statement refuses places on
PostgreSQL (competitions/registration/places.py, ``take_last_places``)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION podium_places_refused(reason text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF reason IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'PD001', MESSAGE = reason;
    END IF;
    RETURN false;
END $$
"""
DROP = "DROP FUNCTION IF EXISTS podium_places_refused(text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, None)


class Migration(migrations.Migration):
    dependencies = [
        ("competitions", "0015_outbox_jobs"),
    ]

    operations = [migrations.RunPython(create, drop)]
