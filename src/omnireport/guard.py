"""One writer at a time: an OS file lock beside the warehouse, shared by every writer.

DuckDB allows one writing process per file. ``omnireport run|load|build`` and Dagster
runs (through ``WriterLockResource``) all take ``<warehouse>.lock`` with ``fcntl.flock``
before they write; the holder writes its pid, command and start time into the lock file
so the one that has to wait can say who holds it. The lock is released by the kernel when
the holder exits, however it exits, so a crashed run never leaves a stale lock.

The lock is re-entrant within one process: the command line takes it, then the Dagster
job it runs in the same process takes it again without blocking itself.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

POLL_SECONDS = 0.2
# How long a process that found the lock taken waits for the holder to record who it is.
HOLDER_RECORD_SECONDS = 1.0
UNKNOWN_HOLDER = "an unknown process"

_held: dict[Path, int] = {}
_held_guard = threading.Lock()


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse's writer lock and did not release it in time."""


def lock_path(warehouse: Path) -> Path:
    """The lock file of ``warehouse``: ``<warehouse>.lock`` in the same folder."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".lock")


def read_holder(warehouse: Path) -> str:
    """Who holds (or last held) the lock, as a readable phrase; 'unknown' when not recorded."""
    try:
        text = lock_path(warehouse).read_text(encoding="utf-8").strip()
        info = json.loads(text) if text else {}
    except (OSError, ValueError):
        return UNKNOWN_HOLDER
    if not info:
        return UNKNOWN_HOLDER
    return (
        f"pid {info.get('pid')} ({info.get('command', '?')}, since {info.get('started_at', '?')})"
    )


def _busy_holder(warehouse: Path) -> str:
    """read_holder, for a process that just failed to take the lock. The holder records
    itself just after taking the lock, so a process that lost a close race can find the
    file still empty: give the holder a moment to write before calling it unknown."""
    deadline = time.monotonic() + HOLDER_RECORD_SECONDS
    holder = read_holder(warehouse)
    while holder == UNKNOWN_HOLDER and time.monotonic() < deadline:
        time.sleep(0.02)
        holder = read_holder(warehouse)
    return holder


def _describe_self(purpose: str) -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "command": purpose or " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


@contextmanager
def warehouse_lock(
    warehouse: Path, *, wait_seconds: float = 0.0, purpose: str = ""
) -> Iterator[Path]:
    """Hold the writer lock of ``warehouse`` for the ``with`` block.

    Waits up to ``wait_seconds`` (0: do not wait) for another holder, then raises
    ``WarehouseBusyError`` naming the holder. Yields the lock file's path.
    """
    path = lock_path(Path(warehouse).resolve())
    with _held_guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _held_guard:
                _held[path] -= 1
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + max(0.0, wait_seconds)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait_seconds:g} s" if wait_seconds > 0 else ""
                    raise WarehouseBusyError(
                        f"warehouse {warehouse} is being written by {_busy_holder(warehouse)}"
                        f"{waited}; DuckDB allows one writer. Wait for it to finish, or pass "
                        f"--wait SECONDS to queue behind it (lock file {path})."
                    ) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_describe_self(purpose)).encode(), 0)
        with _held_guard:
            _held[path] = 1
        try:
            yield path
        finally:
            with _held_guard:
                del _held[path]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_held_here(warehouse: Path) -> bool:
    """True when this process holds the writer lock of ``warehouse``."""
    with _held_guard:
        return lock_path(Path(warehouse).resolve()) in _held
