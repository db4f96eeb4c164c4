"""The warehouse's Dagster instance, with an event log that keeps its SQLite connections.

Dagster's SQLite event log creates an SQLAlchemy engine and opens a new SQLite connection
for every event it writes, and a run writes about 1,150 of them (each planned
materialization and check, each step output, materialization and check result): on a
2-core machine that is 8 of the 27 seconds of `omnireport run` on the sample data, and
the same count at any scale. ``PooledSqliteEventLogStorage`` is Dagster's own
``SqliteEventLogStorage`` (the same files, schema and locking, so the UI, the daemon and
``omnireport status`` read them as before) with one engine per database file, whose
connection stays open between writes.

After each commit SQLite copies the write-ahead log into the database file
(``wal_autocheckpoint=1``), as closing the last connection did: Dagster's UI follows a
running run's events by watching that file.

Only the command line's runs write through it (``warehouse_instance``); ``dagster dev``
and its daemon open the same folder with Dagster's defaults.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

# A run writes to two files (its own and the index); a long-lived reader may open many.
_OPEN_ENGINES = 8


def _checkpoint_every_commit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=1")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log with one engine, and one open connection, per file."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: Any, config_value: Mapping[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _checkpoint_every_commit)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            while len(self._engines) >= _OPEN_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
        self._engines[shard] = engine  # the most recently used last
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # The lock serialises every use, as in Dagster's class: one connection per engine.
        with self._db_lock:
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()


def warehouse_instance(dagster_home: Path) -> DagsterInstance:
    """The persistent Dagster instance in ``dagster_home``, its events written through
    ``PooledSqliteEventLogStorage`` into Dagster's default place for them."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    event_log = {
        "module": __name__,
        "class": PooledSqliteEventLogStorage.__name__,
        "config": {"base_dir": str(dagster_home / "history" / "runs")},
    }
    ref = InstanceRef.from_dir(str(dagster_home), overrides={"event_log_storage": event_log})
    return DagsterInstance.from_ref(ref)
