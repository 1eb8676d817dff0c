"""Changes made by other processes, on the embedded default (in-memory channel layer).

The in-memory layer reaches only the sockets of the process that sends: a change made
by ``manage.py simulate``, a shell or a second server process would never reach the
screens open on the web process. So, on the default set-up, every process appends each
committed change to one file in the data folder (``PODIUM_LIVE_CHANGE_LOG``, one JSON
line: process id, competition, kind, payload), and each process that serves sockets
runs one watcher on its event loop: every ``PODIUM_LIVE_WATCH_MS`` it looks at the
file's size (one ``stat``, per process, not per socket), reads the lines other
processes appended and hands them to ``scoring_site.realtime`` as if the changes had
been made here. With Redis (production) the setting is None: no file, no watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# The file is renamed to "<name>.1" past this size; a watcher reads the rest of the
# renamed file before it moves on to the new one.
ROTATE_AT = 1 << 20

Change = tuple[int, str, dict[str, Any]]


def log_path() -> Path | None:
    path = getattr(settings, "PODIUM_LIVE_CHANGE_LOG", None)
    return Path(path) if path else None


def record(competition_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Append one committed change for the other processes' watchers (no-op with Redis)."""
    path = log_path()
    if path is None:
        return
    line = json.dumps([os.getpid(), competition_id, kind, payload], separators=(",", ":"))
    data = (line + "\n").encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)  # one write with O_APPEND: lines of two processes never mix
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size > ROTATE_AT:
        with contextlib.suppress(FileNotFoundError):  # another process rotated it first
            os.replace(path, path.with_name(path.name + ".1"))


class Reader:
    """Reads the lines other processes append to the log, from where it started."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self._ino: int | None = None
        self._offset = 0
        self._rest = b""
        self._open(from_end=True)

    def _open(self, from_end: bool) -> None:
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            self._fd = None
            return
        stat = os.fstat(self._fd)
        self._ino = stat.st_ino
        self._offset = stat.st_size if from_end else 0
        self._rest = b""

    def changes(self) -> list[Change]:
        """What other processes appended since the last call (one ``stat`` if nothing)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            stat = None
        found: list[Change] = []
        if self._fd is not None and (stat is None or stat.st_ino != self._ino):
            found += self._read()  # rotated: the rest of the old file first
            os.close(self._fd)
            self._fd = None
        if self._fd is None:
            if stat is None:
                return found
            self._open(from_end=False)  # created or rotated since: all of it is new
        if stat is not None and stat.st_size > self._offset:
            found += self._read()
        return found

    def _read(self) -> list[Change]:
        chunks = [self._rest]
        while chunk := os.pread(self._fd, 1 << 16, self._offset):
            chunks.append(chunk)
            self._offset += len(chunk)
        data = b"".join(chunks)
        complete, _, self._rest = data.rpartition(b"\n")  # a line being written waits
        me = os.getpid()
        found = []
        for line in complete.decode().split("\n") if complete else ():
            try:
                pid, competition_id, kind, payload = json.loads(line)
            except ValueError:
                logger.warning("unreadable line in the live change log %s", self.path)
                continue
            if pid != me:
                found.append((competition_id, kind, payload))
        return found

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def interval() -> float:
    return getattr(settings, "PODIUM_LIVE_WATCH_MS", 200) / 1000


_watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = (
    weakref.WeakKeyDictionary()
)


def watch(relay: Callable[[int, str, dict[str, Any]], None]) -> None:
    """Start this loop's watcher, once: each change another process logs is handed to
    ``relay`` on this loop. Called when a consumer connects; a no-op with Redis."""
    path = log_path()
    if path is None:
        return
    loop = asyncio.get_running_loop()
    task = _watchers.get(loop)
    if task is None or task.done():
        _watchers[loop] = loop.create_task(_watch(Reader(path), relay), name="podium-change-log")


async def _watch(reader: Reader, relay: Callable[[int, str, dict[str, Any]], None]) -> None:
    try:
        while True:
            await asyncio.sleep(interval())
            try:
                changes = reader.changes()
            except OSError:
                logger.warning("live change log %s not readable", reader.path, exc_info=True)
                continue
            # A burst (a simulation) is folded per tick: each kind once per competition,
            # with its latest payload; the relay coalesces the pushes further.
            folded: dict[tuple[int, str], dict[str, Any]] = {}
            for competition_id, kind, payload in changes:
                folded.pop((competition_id, kind), None)
                folded[(competition_id, kind)] = payload
            for (competition_id, kind), payload in folded.items():
                try:
                    relay(competition_id, kind, payload)
                except Exception:
                    logger.exception("change %s of %s not relayed", kind, competition_id)
    finally:
        reader.close()
