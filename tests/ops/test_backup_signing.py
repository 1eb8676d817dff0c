"""Backups that cannot be forged: signed with a key, accounts restored without staff
rights or passwords unless asked, and a decompressed size limit against gzip bombs."""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry, User
from accounts.roles import Role
from adjudication.ops import backups
from adjudication.ops.backups import BackupRefused, backup_build, backup_restore
from competitions.models import Competition, CompetitionStaff, Event, StaffRole
from tests.factories.accounts import UserFactory
from tests.factories.competitions import EventFactory

pytestmark = pytest.mark.django_db

KEY = "a-backup-signing-key-of-this-site-0123456789"
OTHER_KEY = "the-backup-signing-key-of-another-site-9876543210"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def wipe() -> None:
    Competition.objects.all().delete()
    User.objects.exclude(pk__in=AuditEntry.objects.values("actor")).delete()


def counts() -> tuple[int, int, int]:
    return (
        Competition.objects.count(),
        Event.objects.count(),
        User.objects.count(),
    )


def envelope_of(data: bytes) -> dict:
    return json.loads(gzip.decompress(data))


def rechecksummed(envelope: dict) -> bytes:
    """What anyone can do to an edited file: take the SHA-256 again."""
    envelope["sha256"] = hashlib.sha256(backups.canonical(envelope["content"])).hexdigest()
    return gzip.compress(json.dumps(envelope).encode())


@pytest.fixture
def signing_key(settings):
    settings.BACKUP_SIGNING_KEY = KEY
    return KEY


@pytest.fixture
def backup(signing_key, tmp_path):
    """A signed backup of a competition with a superuser and a scrutineer, then an
    empty database."""
    event = EventFactory(name="Adult Latin")
    UserFactory(username="root", is_staff=True, is_superuser=True, password="root-password-1")
    UserFactory(username="scrutineer1", roles=[Role.SCRUTINEER], password="scrutineer-pass-1")
    data = backup_build([event.competition])
    wipe()
    return data


def write(tmp_path, data: bytes):
    path = tmp_path / "b.podium-backup.gz"
    path.write_bytes(data)
    return str(path)


def test_restore_refuses_a_backup_edited_to_add_a_superuser(backup, tmp_path):
    envelope = envelope_of(backup)
    forged = copy.deepcopy(next(u for u in envelope["content"]["users"] if u["fields"]["is_staff"]))
    forged["id"] = 999_999
    forged["fields"].update(
        username="intruder",
        is_staff=True,
        is_superuser=True,
        password=make_password("chosen-password"),
    )
    envelope["content"]["users"].append(forged)
    before = counts()

    with pytest.raises(CommandError, match="signature does not match"):
        run("restore", write(tmp_path, rechecksummed(envelope)))

    assert counts() == before
    assert not User.objects.filter(username="intruder").exists()


def test_restore_refuses_an_unsigned_backup_unless_trusted(backup, tmp_path):
    envelope = envelope_of(backup)
    del envelope[backups.SIGNATURE]
    path = write(tmp_path, rechecksummed(envelope))
    before = counts()

    with pytest.raises(CommandError, match="not signed.*--trust-unsigned"):
        run("restore", path)
    assert counts() == before

    message = run("restore", path, "--trust-unsigned")

    assert "Restored" in message
    assert Event.objects.get().name == "Adult Latin"


def test_restore_refuses_a_backup_signed_with_another_key(backup, settings, tmp_path):
    path = write(tmp_path, backup)
    settings.BACKUP_SIGNING_KEY = OTHER_KEY

    with pytest.raises(CommandError, match="signed with another BACKUP_SIGNING_KEY"):
        run("restore", path)
    assert counts() == (0, 0, User.objects.count())

    settings.BACKUP_SIGNING_KEY = KEY  # the key of the site that wrote it
    assert "Restored" in run("restore", path)


def test_backups_are_signed_with_the_secret_key_when_no_key_is_set(settings):
    settings.BACKUP_SIGNING_KEY = None
    data = backup_build([EventFactory().competition])
    wipe()
    settings.SECRET_KEY = "another-secret-key-" + "x" * 50

    with pytest.raises(BackupRefused, match="signature does not match"):
        backup_restore(data)


def test_restore_leaves_out_staff_flags_and_passwords_without_the_option(backup, tmp_path):
    message = run("restore", write(tmp_path, backup))

    root = User.objects.get(username="root")
    scrutineer = User.objects.get(username="scrutineer1")
    assert (root.is_staff, root.is_superuser, root.has_usable_password()) == (False, False, False)
    assert (scrutineer.is_staff, scrutineer.has_usable_password()) == (False, False)
    assert scrutineer.has_role(Role.SCRUTINEER)
    assert "cannot sign in and have no staff rights" in message


def test_restore_with_staff_credentials_brings_flags_and_passwords_back(backup, tmp_path):
    run("restore", write(tmp_path, backup), "--with-staff-credentials")

    root = User.objects.get(username="root")
    assert (root.is_staff, root.is_superuser) == (True, True)
    assert root.check_password("root-password-1")
    assert User.objects.get(username="scrutineer1").check_password("scrutineer-pass-1")


def test_restore_refuses_a_gzip_bomb_and_writes_nothing(signing_key, tmp_path):
    # 50 MB of zeros compresses to about 50 kB.
    bomb = gzip.compress(b"0" * (50 * 2**20), compresslevel=9)
    path = write(tmp_path, bomb)
    before = counts()

    with pytest.raises(CommandError, match="larger than 1 MB once decompressed"):
        run("restore", path, "--max-mb", "1")

    assert counts() == before


def test_restore_size_limit_comes_from_the_settings(signing_key, settings):
    settings.BACKUP_RESTORE_MAX_MB = 1
    bomb = gzip.compress(b" " * (50 * 2**20), compresslevel=9)

    with pytest.raises(BackupRefused, match="larger than 1 MB once decompressed"):
        backup_restore(bomb)


def test_restore_reads_a_backup_made_of_several_gzip_members(backup):
    whole = gzip.decompress(backup)
    two_members = gzip.compress(whole[:1000]) + gzip.compress(whole[1000:])

    report = backup_restore(two_members)

    assert report.rows == 2  # the competition and its event


@pytest.mark.parametrize("option", [(), ("--with-staff-credentials",)])
def test_competition_staff_assignments_come_back_only_with_the_option(
    signing_key, tmp_path, option
):
    event = EventFactory(name="Adult Latin")
    chairman = UserFactory(username="chair-x", is_staff=True)
    CompetitionStaff.objects.create(
        competition=event.competition, user=chairman, role=StaffRole.CHAIRMAN
    )
    data = backup_build([event.competition])
    wipe()

    run("restore", write(tmp_path, data), *option)

    restored = list(CompetitionStaff.objects.values_list("user__username", "role"))
    assert restored == ([("chair-x", "chairman")] if option else [])


@pytest.mark.parametrize(
    "content", [b"[" * 100_000 + b"]" * 100_000, b'{"format": ' + b"9" * 5000 + b"}"]
)
def test_restore_refuses_unreadable_json_with_a_message(signing_key, tmp_path, content):
    path = write(tmp_path, gzip.compress(content))

    with pytest.raises(CommandError, match="not valid JSON"):
        run("restore", path)
    assert counts() == (0, 0, User.objects.count())
