"""One writer at a time: a file lock beside the warehouse, shared by every writer.

DuckDB allows one writing process per file. ``omnireport run|load|build`` and Dagster
runs (through ``WriterLockResource``) all hold ``<warehouse>.lock`` (``filelock``: an OS
lock the kernel releases when the holder exits, however it exits) while they write. The
holder records its pid, command and start time in ``<warehouse>.lock.holder`` so the one
that has to wait can say who holds it.

The lock is re-entrant within one process: the command line takes it, then the Dagster
job it runs in the same process takes it again without blocking itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

POLL_SECONDS = 0.2
# How long a process that found the lock taken waits for the holder to record who it is.
HOLDER_RECORD_SECONDS = 1.0
UNKNOWN_HOLDER = "an unknown process"


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse's writer lock and did not release it in time."""


def lock_path(warehouse: Path) -> Path:
    """The lock file of ``warehouse``: ``<warehouse>.lock`` in the same folder."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".lock")


def holder_path(warehouse: Path) -> Path:
    """Where the holder of the lock of ``warehouse`` says who it is."""
    return lock_path(warehouse).with_suffix(".lock.holder")


def _lock(warehouse: Path) -> FileLock:
    # One object per lock file in this process (is_singleton), counted across threads: the
    # command line and the Dagster run it starts share it.
    return FileLock(
        lock_path(warehouse),
        mode=0o644,
        thread_local=False,
        is_singleton=True,
        preserve_lock_file=True,
        poll_interval=POLL_SECONDS,
    )


def read_holder(warehouse: Path) -> str:
    """Who holds (or last held) the lock, as a readable phrase."""
    try:
        text = holder_path(warehouse).read_text(encoding="utf-8").strip()
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
    itself just after taking the lock, so a process that lost a close race can find no
    record yet: give the holder a moment to write before calling it unknown."""
    deadline = time.monotonic() + HOLDER_RECORD_SECONDS
    holder = read_holder(warehouse)
    while holder == UNKNOWN_HOLDER and time.monotonic() < deadline:
        time.sleep(0.02)
        holder = read_holder(warehouse)
    return holder


def _record_holder(warehouse: Path, purpose: str) -> None:
    info = {
        "pid": os.getpid(),
        "command": purpose or " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    holder_path(warehouse).write_text(json.dumps(info), encoding="utf-8")


@contextmanager
def warehouse_lock(
    warehouse: Path, *, wait_seconds: float = 0.0, purpose: str = ""
) -> Iterator[Path]:
    """Hold the writer lock of ``warehouse`` for the ``with`` block.

    Waits up to ``wait_seconds`` (0: do not wait) for another holder, then raises
    ``WarehouseBusyError`` naming the holder. Yields the lock file's path.
    """
    warehouse = Path(warehouse).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(warehouse)
    try:
        lock.acquire(timeout=max(0.0, wait_seconds))
    except Timeout:
        waited = f" after waiting {wait_seconds:g} s" if wait_seconds > 0 else ""
        raise WarehouseBusyError(
            f"warehouse {warehouse} is being written by {_busy_holder(warehouse)}{waited}; "
            "DuckDB allows one writer. Wait for it to finish, or pass --wait SECONDS to queue "
            f"behind it (lock file {lock.lock_file})."
        ) from None
    try:
        if lock.lock_counter == 1:
            _record_holder(warehouse, purpose)
        yield Path(lock.lock_file)
    finally:
        if lock.lock_counter == 1:
            holder_path(warehouse).unlink(missing_ok=True)
        lock.release()


def is_held_here(warehouse: Path) -> bool:
    """True when this process holds the writer lock of ``warehouse``."""
    return _lock(Path(warehouse).resolve()).is_locked
