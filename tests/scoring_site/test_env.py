"""Configuration from the environment fails loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from scoring_site import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("No", False), ("1", True)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("PODIUM_FLAG", raw)

    assert env.env_bool("PODIUM_FLAG", default=not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("PODIUM_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="PODIUM_FLAG='maybe' is not a boolean"):
        env.env_bool("PODIUM_FLAG", default=False)


def test_env_int_refuses_words_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("PODIUM_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env.env_int("PODIUM_N", 1)
    monkeypatch.setenv("PODIUM_N", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum of 1"):
        env.env_int("PODIUM_N", 1, minimum=1)


def test_env_list_splits_and_refuses_empty(monkeypatch):
    monkeypatch.setenv("PODIUM_HOSTS", "a.example, b.example")
    assert env.env_list("PODIUM_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("PODIUM_HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured, match="lists nothing"):
        env.env_list("PODIUM_HOSTS", [])


def test_env_secret_reads_a_file_and_refuses_both(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("PODIUM_TOKEN_FILE", str(secret))
    assert env.env_secret("PODIUM_TOKEN") == "s3cret"
    monkeypatch.setenv("PODIUM_TOKEN", "other")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env.env_secret("PODIUM_TOKEN")


def test_env_url_checks_the_scheme(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://localhost/db")

    with pytest.raises(ImproperlyConfigured, match="must start with one of postgres://"):
        env.env_url("DATABASE_URL", schemes=("postgres", "postgresql"))


def load_settings(tmp_path, **variables):
    """Import the base settings in a fresh interpreter with only ``variables`` set."""
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")}
    clean.update({"PODIUM_DATA_DIR": str(tmp_path), **variables})
    code = (
        "import django.conf, os; os.environ['DJANGO_SETTINGS_MODULE']='scoring_site.settings.base';"
        "from django.conf import settings; s=settings;"
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'],"
        " s.CELERY_TASK_ALWAYS_EAGER)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_embedded_default_without_database_or_redis(tmp_path):
    result = load_settings(tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",  # no debug pages (they show the settings) unless DEBUG is set
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "True",
    ]
    assert (tmp_path / "secret_key").exists()


def test_development_secret_is_generated_once(tmp_path):
    load_settings(tmp_path)
    first = (tmp_path / "secret_key").read_text()

    load_settings(tmp_path)

    assert (tmp_path / "secret_key").read_text() == first
    assert len(first) >= 50


def test_production_with_redis_and_postgres(tmp_path):
    result = load_settings(
        tmp_path,
        PODIUM_ENV="production",
        SECRET_KEY="x" * 60,
        PODIUM_RECEIPT_KEY="r" * 40,
        ALLOWED_HOSTS="podium.example.org",
        DATABASE_URL="postgres://podium@db/podium",
        REDIS_URL="redis://cache:6379/0",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.postgresql",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "False",
    ]
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"PODIUM_ENV": "production", "ALLOWED_HOSTS": "x"}, "SECRET_KEY (or SECRET_KEY_FILE)"),
        ({"PODIUM_ENV": "production", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS is required"),
        (
            {
                "PODIUM_ENV": "production",
                "SECRET_KEY": "x" * 60,
                "ALLOWED_HOSTS": "x",
                "DEBUG": "1",
            },
            "DEBUG must be false",
        ),
        ({"SECRET_KEY": "short"}, "at least 50 characters"),
        ({"BACKUP_SIGNING_KEY": "short"}, "BACKUP_SIGNING_KEY must be at least 32 characters"),
        (
            {"PODIUM_ENV": "production", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "x"},
            "PODIUM_RECEIPT_KEY (or PODIUM_RECEIPT_KEY_FILE) is required",
        ),
        ({"PODIUM_RECEIPT_KEY": "short"}, "PODIUM_RECEIPT_KEY must be at least 32 characters"),
        ({"PODIUM_ENV": "staging"}, "PODIUM_ENV='staging' must be one of"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL must start with one of"),
    ],
)
def test_bad_configuration_fails_loudly(tmp_path, variables, message):
    result = load_settings(tmp_path, **variables)

    assert result.returncode != 0
    assert message in result.stderr


def test_every_variable_the_settings_read_is_documented_in_env_example():
    import re

    settings_source = (ROOT / "scoring_site/settings/base.py").read_text()
    read = set(re.findall(r'env_[a-z]+\(\s*"([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^#?\s?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert read - documented == set()


def production_setting(tmp_path, name, **variables):
    """One setting of the production configuration, as the settings module computes it."""
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")}
    clean.update(
        {
            "PODIUM_DATA_DIR": str(tmp_path),
            "PODIUM_ENV": "production",
            "SECRET_KEY": "x" * 60,
            "PODIUM_RECEIPT_KEY": "r" * 40,
            "ALLOWED_HOSTS": "podium.example.org",
            **variables,
        }
    )
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='scoring_site.settings.base';"
        f"from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("variable", "expected"), [(None, "False"), ("false", "False"), ("true", "True")]
)
def test_hsts_preload_follows_its_variable_and_is_off_unless_set(tmp_path, variable, expected):
    variables = {} if variable is None else {"SECURE_HSTS_PRELOAD": variable}

    assert production_setting(tmp_path, "SECURE_HSTS_PRELOAD", **variables) == expected


@pytest.mark.parametrize(("variable", "expected"), [(None, 12 * 3600), ("8", 8 * 3600)])
def test_session_age_follows_session_hours(tmp_path, variable, expected):
    variables = {} if variable is None else {"SESSION_HOURS": variable}

    assert production_setting(tmp_path, "SESSION_COOKIE_AGE", **variables) == str(expected)
