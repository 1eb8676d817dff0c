"""Backups that restore: one file holding everything about one or all competitions.

The file is gzip-compressed JSON::

    {"format": "podium-backup", "version": 1, "created_at": "...",
     "sha256": "<hex of the canonical JSON of content>",
     "hmac_sha256": "<hex HMAC of the canonical JSON of everything else, keyed>",
     "content": {"schema": {app: [applied migrations]},
                 "users": [{"fields": {...}, "groups": [name, ...]}],
                 "tables": [{"model": "competitions.event", "rows": [{"id": 7, "fields": {...}}]}]}}

Every row of every table in ``BACKED_UP`` that belongs to the competitions is kept, field
by field (ids and foreign keys as they were), with the site's accounts (password
hashes too, so staff can sign in again after a restore: keep backups private).

The HMAC is keyed with ``BACKUP_SIGNING_KEY`` (by default derived from ``SECRET_KEY``):
anyone can recompute the checksum of an edited file, only a holder of the key can sign
it. A restore refuses a file unsigned or signed with another key unless told to trust
it, and restores accounts without their staff and superuser flags and with unusable
passwords unless told to restore those too.

``backup_restore`` checks, before writing anything, that the file is a Podium backup,
that it is whole (gzip within the size limit, JSON intact, the checksum over the content
matches), that it is signed with this site's key, that it comes from this version of the
format and a schema this Podium knows, and that none of its competitions exists here.
It then inserts every row in one transaction, parents first, with new ids (foreign keys
mapped), through the database's own checks and guard triggers (``competitions.db_rules``
check inserts of entries, panel seats and heat entries; statuses are written as they
were, which no status guard refuses on INSERT). Anything refused rolls the whole restore
back. Accounts that exist already (same username) are used as they are.

Not kept: Django sessions and tablet sign-in codes (judges sign in again), request
idempotency keys (kept 24 hours) and dead background jobs (``NOT_BACKED_UP``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
import os
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from accounts.models import User
from adjudication.ops.backup_format import (
    BACKED_UP,
    FORMAT,
    SIGNATURE,
    SUFFIX,
    VERSION,
    BackupRefused,
    backup_signature,
    canonical,
    model_fields,
    value_decode,
    value_encode,
)
from competitions.models import (
    Competition,
    CompetitionStaff,
)
from scoring_site.snapshot import read_snapshot

SCHEMA_APPS = ("accounts", "competitions", "adjudication")
USER_FIELDS_SKIPPED = ("id", "last_login")
# Restored only with ``with_staff_credentials``: anything else comes back unable to sign in
# and without the admin's rights.
# bandit: no password here, the fields reset when credentials are left out
USER_CREDENTIALS = {"password": None, "is_staff": False, "is_superuser": False}  # nosec B105
# Rights on a competition: restored only with ``with_staff_credentials`` too.
STAFF_RIGHTS = (CompetitionStaff,)

# Decompressed bytes read at a time while checking the size limit.
CHUNK = 1 << 20


# --- writing ------------------------------------------------------------------------------


def _applied_migrations() -> dict[str, list[str]]:
    applied = MigrationRecorder(connection).applied_migrations()
    return {app: sorted(name for label, name in applied if label == app) for app in SCHEMA_APPS}


def backup_content(competitions: Iterable[Competition]) -> dict[str, Any]:
    """Every row of the competitions, table by table (a query per table)."""
    ids = sorted(c.pk for c in competitions)
    tables = []
    for backed in BACKED_UP:
        lookup = "pk__in" if backed.competition == "pk" else f"{backed.competition}__in"
        fields = model_fields(backed.model)
        rows = []
        for obj in backed.model._base_manager.filter(**{lookup: ids}).order_by("pk"):
            rows.append(
                {
                    "id": obj.pk,
                    "fields": {f.attname: value_encode(f.value_from_object(obj)) for f in fields},
                }
            )
        tables.append({"model": backed.model._meta.label_lower, "rows": rows})
    users = []
    # Every account: the rows name some (judges, who typed or confirmed a sheet), and the
    # organizer, scrutineers and chairman need theirs to run the restored competition.
    for user in User.objects.prefetch_related("groups").order_by("pk"):
        users.append(
            {
                "id": user.pk,
                "fields": {
                    f.attname: value_encode(f.value_from_object(user))
                    for f in model_fields(User)
                    if f.attname not in USER_FIELDS_SKIPPED
                },
                "groups": sorted(g.name for g in user.groups.all()),
            }
        )
    return {"schema": _applied_migrations(), "users": users, "tables": tables}


def backup_build(competitions: Iterable[Competition]) -> bytes:
    """The backup file's bytes (gzip), read in one consistent snapshot of the data:
    sheets keep arriving during an event, and a mark read without its sheet would make
    a backup that cannot be restored."""
    with read_snapshot():
        content = backup_content(list(competitions))
    envelope = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "sha256": hashlib.sha256(canonical(content)).hexdigest(),
        "content": content,
    }
    envelope[SIGNATURE] = backup_signature(envelope)
    text = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode(), compresslevel=6, mtime=0)


def file_write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file in the same
    folder, renamed over it). Raises ``BackupRefused`` naming the path."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BackupRefused(f"Cannot write {path}: the folder {folder} does not exist.")
    if path.exists() and not path.is_file():
        # A device, a folder or a pipe would be replaced by the rename, not written to.
        raise BackupRefused(f"Cannot write {path}: it exists and is not a regular file.")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise BackupRefused(f"Cannot write {path}: {error.strerror or error}.") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BackupRefused(f"Cannot write {path}: {error.strerror or error}.") from None


def backup_write(path: Path, competitions: Iterable[Competition]) -> int:
    """Write a backup of ``competitions`` to ``path`` (readable by its owner only);
    returns its size in bytes."""
    data = backup_build(competitions)
    file_write_atomic(path, data, mode=0o600)
    return len(data)


# --- reading and restoring ------------------------------------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / 2**20:g} MB"


def _gunzip(data: bytes, limit: int) -> bytes:
    """``data`` decompressed, refused as soon as it grows past ``limit`` bytes."""
    out = bytearray()
    rest = data
    while rest:
        if rest[:2] != b"\x1f\x8b":
            raise BackupRefused(
                "The backup is damaged: its compressed data is cut short or corrupt."
            )
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = rest
        while not stream.eof:
            piece = stream.decompress(pending, min(CHUNK, limit + 1 - len(out)))
            pending = stream.unconsumed_tail
            out += piece
            if len(out) > limit:
                raise BackupRefused(
                    f"The backup is larger than {_megabytes(limit)} once decompressed (the "
                    "limit: BACKUP_RESTORE_MAX_MB, or restore --max-mb); nothing was written."
                )
            if not piece and not pending:
                raise BackupRefused(
                    "The backup is damaged: its compressed data is cut short or corrupt."
                )
        rest = stream.unused_data
        if not rest.strip(b"\0"):
            break  # zero padding after the last member, as gzip allows
    return bytes(out)


def backup_read(
    data: bytes, *, trust_unsigned: bool = False, max_bytes: int | None = None
) -> dict[str, Any]:
    """The checked content of a backup file's bytes. Raises ``BackupRefused``, also for a
    file not signed with this site's key unless ``trust_unsigned``, and for one larger
    than ``max_bytes`` decompressed (default ``BACKUP_RESTORE_MAX_MB``)."""
    if data[:2] != b"\x1f\x8b":
        raise BackupRefused("This is not a Podium backup (not a gzip file).")
    limit = settings.BACKUP_RESTORE_MAX_MB * 2**20 if max_bytes is None else max_bytes
    try:
        text = _gunzip(data, limit)
    except zlib.error:
        raise BackupRefused(
            "The backup is damaged: its compressed data is cut short or corrupt."
        ) from None
    try:
        envelope = json.loads(text)
    # ValueError: not JSON, or an integer too long to read; RecursionError: nested too deeply.
    except (ValueError, RecursionError):
        raise BackupRefused("The backup is damaged: its content is not valid JSON.") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise BackupRefused("This is not a Podium backup (its format is not podium-backup).")
    version = envelope.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BackupRefused("The backup is damaged: it has no valid format version.")
    if version > VERSION:
        raise BackupRefused(
            f"The backup was written by a newer Podium (backup format {version}; this Podium "
            f"reads format {VERSION}): restore it with that version or newer."
        )
    content = envelope.get("content")
    checksum = envelope.get("sha256")
    if not isinstance(content, dict) or not isinstance(checksum, str):
        raise BackupRefused("The backup is damaged: its content or checksum is missing.")
    if hashlib.sha256(canonical(content)).hexdigest() != checksum:
        raise BackupRefused(
            "The backup is damaged or was edited: its checksum does not match its content."
        )
    signature = envelope.get(SIGNATURE)
    if not trust_unsigned:
        if not isinstance(signature, str) or not signature:
            raise BackupRefused(
                "The backup is not signed, so it may have been edited: restore it only if you "
                "know where it comes from, with --trust-unsigned."
            )
        if not hmac.compare_digest(signature, backup_signature(envelope)):
            raise BackupRefused(
                "The backup's signature does not match: it was edited, or signed with another "
                "BACKUP_SIGNING_KEY (set the key of the site that wrote it). Restore it only if "
                "you know where it comes from, with --trust-unsigned."
            )
    _check_schema(content.get("schema"))
    return content


def _check_schema(schema: Any) -> None:
    if not isinstance(schema, dict):
        raise BackupRefused("The backup is damaged: it does not say which schema it holds.")
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}"
        for app, names in schema.items()
        for name in (names or [])
        if (app, name) not in known
    )
    if unknown:
        raise BackupRefused(
            "The backup was written by a newer Podium: its database has migrations this one "
            f"does not know ({', '.join(unknown[:3])}{'…' if len(unknown) > 3 else ''})."
        )


@dataclass
class RestoreReport:
    competitions: list[str]
    rows: int
    users_created: int
    users_found: int


def _rows_of(content: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    tables = content.get("tables")
    if not isinstance(tables, list):
        raise BackupRefused("The backup is damaged: it has no tables.")
    known = {backed.model._meta.label_lower for backed in BACKED_UP}
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        model = table.get("model") if isinstance(table, dict) else None
        if model not in known:
            raise BackupRefused(f"The backup holds a table this Podium does not know: {model}.")
        rows[model] = table.get("rows") or []
    return rows


def _build(model: type[models.Model], row: Any, ids: dict[type, dict[int, int]]) -> models.Model:
    label = model._meta.label
    if not isinstance(row, dict) or not isinstance(row.get("fields"), dict):
        raise BackupRefused(f"The backup is damaged: a row of {label} has no fields.")
    if "id" in row and (not isinstance(row["id"], int) or isinstance(row["id"], bool)):
        raise BackupRefused(f"The backup is damaged: a row of {label} has no proper id.")
    values = dict(row["fields"])
    by_attname = {f.attname: f for f in model_fields(model)}
    unknown = sorted(set(values) - set(by_attname))
    if unknown:
        raise BackupRefused(
            f"The backup holds fields of {label} this Podium does not know: "
            f"{', '.join(unknown)} (written by a newer Podium?)."
        )
    kwargs = {}
    for attname, field in by_attname.items():
        if attname not in values:
            if field.has_default() or field.null:
                kwargs[attname] = field.get_default()
                continue
            raise BackupRefused(f"The backup is damaged: {label}.{field.name} is missing.")
        value = values[attname]
        if field.is_relation and value is not None:
            if not isinstance(value, int) or isinstance(value, bool):
                raise BackupRefused(
                    f"The backup is damaged: {label}.{field.name} is {value!r}, not an id."
                )
            target = field.related_model
            mapped = ids.get(target, {}).get(value)
            if mapped is None:
                raise BackupRefused(
                    f"The backup is damaged: {label}.{field.name} points at a "
                    f"{target._meta.verbose_name} ({value}) that is not in it."
                )
            kwargs[attname] = mapped
        else:
            kwargs[attname] = value_decode(field, value)
    return model(**kwargs)


def _insert(model: type[models.Model], objs: list[models.Model]) -> list[int]:
    """Insert rows as they are (``raw``: creation times kept, no signals), returning
    their new ids; the database's constraints and triggers check each one."""
    fields = model_fields(model)
    manager = model._base_manager
    if not connection.features.can_return_rows_from_bulk_insert:
        return [
            manager._insert([obj], fields=fields, returning_fields=[model._meta.pk], raw=True)[0][0]
            for obj in objs
        ]
    size = max(1, connection.ops.bulk_batch_size(fields, objs) or len(objs))
    new_ids: list[int] = []
    for start in range(0, len(objs), size):
        rows = manager._insert(
            objs[start : start + size], fields=fields, returning_fields=[model._meta.pk], raw=True
        )
        new_ids.extend(row[0] for row in rows)
    return new_ids


def _without(row: Any, later: tuple[str, ...]) -> Any:
    """The row with the foreign keys restored later left empty."""
    if not later or not isinstance(row, dict) or not isinstance(row.get("fields"), dict):
        return row
    return {**row, "fields": {**row["fields"], **dict.fromkeys(later)}}


def _restore_later(rows: dict[str, list[dict[str, Any]]], ids: dict[type, dict[int, int]]) -> None:
    """Set the foreign keys of a cycle (``BackedUp.later``) now that every table is in."""
    for backed in BACKED_UP:
        for attname in backed.later:
            target = next(
                f for f in model_fields(backed.model) if f.attname == attname
            ).related_model
            for row in rows.get(backed.model._meta.label_lower, []):
                value = row["fields"].get(attname)
                if value is None:
                    continue
                mapped = ids.get(target, {}).get(value) if isinstance(value, int) else None
                if mapped is None:
                    raise BackupRefused(
                        f"The backup is damaged: {backed.model._meta.label}.{attname} points "
                        f"at a {target._meta.verbose_name} ({value!r}) that is not in it."
                    )
                backed.model._base_manager.filter(pk=ids[backed.model][row["id"]]).update(
                    **{attname: mapped}
                )


def _restore_users(
    users: Any, ids: dict[type, dict[int, int]], *, with_staff_credentials: bool
) -> tuple[int, int]:
    if not isinstance(users, list):
        raise BackupRefused("The backup is damaged: its list of accounts is missing.")
    created = found = 0
    mapping: dict[int, int] = {}
    for user in users:
        fields = user.get("fields") if isinstance(user, dict) else None
        username = fields.get("username") if isinstance(fields, dict) else None
        if not isinstance(username, str) or not username or not isinstance(user.get("id"), int):
            raise BackupRefused("The backup is damaged: an account has no username.")
    names = [user["fields"]["username"] for user in users]
    existing = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    groups = {g.name: g for g in Group.objects.all()}
    for user in users:
        username = user["fields"]["username"]
        if username in existing:
            mapping[user["id"]] = existing[username]
            found += 1
            continue
        obj = _build(User, {"fields": user["fields"]}, ids)
        if not with_staff_credentials:
            for name, value in USER_CREDENTIALS.items():
                setattr(obj, name, make_password(None) if name == "password" else value)
        (new_id,) = _insert(User, [obj])
        mapping[user["id"]] = new_id
        wanted = [groups[name] for name in user.get("groups", []) if name in groups]
        if wanted:
            User.objects.get(pk=new_id).groups.add(*wanted)
        created += 1
    ids[User] = mapping
    return created, found


def _points_at_itself(model: type[models.Model]) -> bool:
    """Whether rows of ``model`` may point at other rows of it (a replacement judge's
    panel seat names the seat it replaces)."""
    return any(f.is_relation and f.related_model is model for f in model_fields(model))


def _restore_one_by_one(model: type[models.Model], table: list, ids: dict) -> int:
    """Rows of a table pointing at itself, oldest first, each once the row it points at
    has its new id."""
    ids[model] = {}
    ordered = sorted(table, key=lambda row: row.get("id", 0) if isinstance(row, dict) else 0)
    for row in ordered:
        ids[model][row["id"]] = _insert(model, [_build(model, row, ids)])[0]
    return len(ordered)


def backup_restore(
    data: bytes,
    *,
    trust_unsigned: bool = False,
    with_staff_credentials: bool = False,
    max_bytes: int | None = None,
) -> RestoreReport:
    """Restore every competition of a backup file's bytes, all or nothing. Raises
    ``BackupRefused`` (nothing written) for a damaged, foreign, newer, unsigned or too
    large file (``backup_read``), or when a competition of it exists here already.
    Accounts created come without staff and superuser flags and with unusable passwords
    unless ``with_staff_credentials``."""
    content = backup_read(data, trust_unsigned=trust_unsigned, max_bytes=max_bytes)
    rows = _rows_of(content)
    slugs = [
        row.get("fields", {}).get("slug")
        for row in rows.get(Competition._meta.label_lower, [])
        if isinstance(row, dict)
    ]
    if not slugs:
        raise BackupRefused("The backup holds no competition.")
    if not all(isinstance(slug, str) and slug for slug in slugs):
        raise BackupRefused("The backup is damaged: a competition has no proper slug.")
    present = sorted(Competition.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if present:
        raise BackupRefused(
            f"A competition with the slug {', '.join(present)} exists already: restore into "
            "an empty database (or delete that competition first). Nothing was written."
        )
    total = 0
    try:
        with transaction.atomic(durable=True):
            ids: dict[type, dict[int, int]] = {}
            created, found = _restore_users(
                content.get("users"), ids, with_staff_credentials=with_staff_credentials
            )
            for backed in BACKED_UP:
                model = backed.model
                if model in STAFF_RIGHTS and not with_staff_credentials:
                    continue
                table = rows.get(model._meta.label_lower, [])
                if _points_at_itself(model):
                    total += _restore_one_by_one(model, table, ids)
                    continue
                objs = [_build(model, _without(row, backed.later), ids) for row in table]
                new_ids = _insert(model, objs) if objs else []
                ids[model] = {row["id"]: new for row, new in zip(table, new_ids, strict=True)}
                total += len(objs)
            _restore_later(rows, ids)
    except (IntegrityError, DatabaseError) as error:
        reason = str(error).splitlines()[0].strip() if str(error) else type(error).__name__
        raise BackupRefused(
            f"The database refused the backup ({reason}); nothing was written."
        ) from None
    return RestoreReport(sorted(slugs), total, created, found)


# --- during an event: a backup every few minutes, the last few kept ------------------------


def backup_rotate(
    *, folder: Path, keep: int, competitions: Iterable[Competition], now: dt.datetime
) -> list[Path]:
    """Write one backup per competition into ``folder/<slug>/`` and delete all but the
    newest ``keep`` there; returns the files written."""
    written = []
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for competition in competitions:
        own = Path(folder) / competition.slug
        try:
            own.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BackupRefused(f"Cannot create {own}: {error.strerror or error}.") from None
        path = own / f"{competition.slug}-{stamp}{SUFFIX}"
        backup_write(path, [competition])
        written.append(path)
        for old in sorted(own.glob(f"*{SUFFIX}"))[: -max(keep, 1)]:
            old.unlink(missing_ok=True)
    return written
