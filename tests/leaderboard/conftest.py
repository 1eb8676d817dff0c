import importlib

import pytest
from django.core.cache import cache

# Fixtures, registered by import.
from tests.browser.servers import (  # noqa: F401
    asgi_server,
    judge_letters_left_as_found,
    own_channel_prefix,
    server_env,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sequence numbers and built snapshots live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _own_channel_prefix(settings, worker_id):
    own_channel_prefix(settings, worker_id)


@pytest.fixture
def role_groups(db):
    """The role groups of accounts/migrations/0002, which a transactional test's flush
    deletes (tablet codes put the judge in the "judge" group)."""
    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("accounts.migrations.0002_role_groups")
    for role, codenames in migration.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="competitions", codename__in=codenames
            )
        )
