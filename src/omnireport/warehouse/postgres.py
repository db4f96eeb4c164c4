"""Load the landing folder into PostgreSQL's raw schema with COPY; grant the reader layer and
the marts to read-only roles.

`load_landing_postgres` is the PostgreSQL twin of `omnireport.landing.loader.load_landing`:
the same files in the same order (`landing.files`), read by the same DuckDB readers
(`landing.readers.build_select`, an in-memory DuckDB that never touches a warehouse
file), so every raw value is the same text on both engines. The rows stream from DuckDB
as Arrow batches, are written as CSV (strings always quoted, null as an empty unquoted
field, so an empty string and a null stay apart) and go into `raw.<table>` through one
`COPY ... FROM STDIN`. Each file is one transaction: its rows and its `raw._load_log`
row commit together or not at all; the log has the same rows, statuses and ids as on
DuckDB (files seen before by content hash add nothing, failed files are retried).

`grant_serving_roles` creates the serving roles: `omnireport_reader` (BI users) reads
schema `reader` only, the masked marts; `omnireport_analyst` (trusted analysts) reads
`marts` and everything the reader reads. Default privileges make every table dbt re-creates
in those schemas readable too, so the grants survive full rebuilds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from omnireport.build_state import STATE_DDL
from omnireport.contract import LINEAGE_COLUMNS, RAW_SCHEMA, RAW_TABLES, RAW_TABLES_BY_NAME
from omnireport.landing.files import LandingFile, discover_landing_files
from omnireport.landing.load_log import (
    NOT_THE_FILES_FAULT,
    FileOutcome,
    LoadHistory,
    PendingFile,
    SqlLog,
    fail_pending,
    finish_loaded,
    read_error_text,
    read_history,
    skip_file,
    start_file,
    withdraw_failures,
    write_entry,
)
from omnireport.landing.loader import LoadResult
from omnireport.landing.raw_schema import LOAD_LOG_DDL, raw_table_ddl
from omnireport.landing.readers import LandingFileError, build_select, sql_identifier, sql_string
from omnireport.redact import redact, secret_values

Progress = Callable[[str], None]

READER_ROLE = "omnireport_reader"
READER_SCHEMA = "reader"
ANALYST_ROLE = "omnireport_analyst"
SERVED_SCHEMA = "marts"
# Every schema the project creates (generate_schema_name keeps these names exact).
PROJECT_SCHEMAS: tuple[str, ...] = (
    "raw",
    "staging",
    "quarantine",
    "intermediate",
    "marts",
    "reader",
    "audit",
)

_ROWS_PER_BATCH = 50_000
# One loader at a time per database: load ids are handed out from the log.
_LOAD_LOCK_KEY = 0x6F6D6E69  # "omni"


class PostgresLoadError(RuntimeError):
    """The PostgreSQL warehouse cannot be loaded (connection, lock, permissions)."""


def _connect(conninfo: str) -> Any:
    import psycopg2

    try:
        return psycopg2.connect(conninfo)
    except psycopg2.Error as exc:
        where, password = _describe_conninfo(conninfo)
        reason = redact(str(exc).strip(), [password, *secret_values()])
        # `from None`: the library's error is not chained, so the Dagster event log keeps
        # only this redacted text.
        raise PostgresLoadError(
            f"cannot connect to PostgreSQL ({where}): {reason}; check "
            "OMNIREPORT_PG_HOST/PORT/USER/PASSWORD/DBNAME and that the server is running"
        ) from None


def _describe_conninfo(conninfo: str) -> tuple[str, str]:
    """Where a connection string points (never its password), and its password."""
    from psycopg2.extensions import parse_dsn

    try:
        parts = parse_dsn(conninfo)
    except Exception:  # unparseable: say nothing of it, it may hold the password
        return "the OMNIREPORT_PG_* settings", ""
    where = (
        f"postgresql://{parts.get('user', '')}@{parts.get('host', '')}:"
        f"{parts.get('port', '')}/{parts.get('dbname', '')}"
    )
    return where, parts.get("password", "")


class QmarkConnection:
    """DuckDB's connection calls on a psycopg2 cursor: `execute(sql, [params])` with `?`
    placeholders returns something with fetchone()/fetchall(); `begin`/`commit`/`rollback`
    on `connection`. A `landing.load_log.LogConnection`: lets code written for a DuckDB
    connection (`landing.load_log`, `summary.collect_summary`'s queries) run unchanged on
    PostgreSQL. SQL text must hold no other `?` or `%`."""

    def __init__(
        self, cursor: Any, connection: Any | None = None, *, owns_connection: bool = False
    ) -> None:
        self._cursor = cursor
        self._connection = connection
        self._owns_connection = owns_connection

    def execute(self, sql: str, parameters: list[Any] | None = None) -> Any:
        self._cursor.execute(sql.replace("?", "%s"), parameters)
        return self._cursor

    def begin(self) -> None:
        """Nothing to do: psycopg2 opens a transaction with the first statement."""

    def commit(self) -> None:
        self._transactions().commit()

    def rollback(self) -> None:
        self._transactions().rollback()

    def _transactions(self) -> Any:
        if self._connection is None:
            raise RuntimeError(
                "this QmarkConnection was made without its connection: cannot commit"
            )
        return self._connection

    def close(self) -> None:
        """Close the cursor, and the connection when this object opened it."""
        self._cursor.close()
        if self._owns_connection and self._connection is not None:
            self._connection.close()


def connect_qmark(conninfo: str, *, read_only: bool = True) -> QmarkConnection:
    """A QmarkConnection on a new autocommit connection (read-only by default), for
    reading the warehouse as `omnireport.summary` does on DuckDB. Close it after use."""
    pg = _connect(conninfo)
    pg.autocommit = True
    if read_only:
        pg.set_session(readonly=True, autocommit=True)
    return QmarkConnection(pg.cursor(), pg, owns_connection=True)


def raw_table_ddl_postgres(table_name: str, columns: tuple[str, ...]) -> str:
    """`landing.raw_schema.raw_table_ddl` with PostgreSQL's own string type, `text`.

    On DuckDB varchar and text are one type; on PostgreSQL they are two, and every string
    a model computes (`||`, coalesce of literals, string_agg) is `text`. Raw values typed
    `text` keep each mart column one type whether it is passed through or computed, so
    the contracts (`varchar` -> `text`, contract_data_type) and the incremental models'
    schema check (`on_schema_change='fail'` compares a new batch's types with the
    table's) agree.
    """
    return raw_table_ddl(table_name, columns).replace(" varchar", " text")


def ensure_raw_schema_postgres(cursor: Any) -> None:
    """Create schema `raw`, every raw table (all text + lineage), the load log and the build
    state, where missing."""
    cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in RAW_TABLES:
        cursor.execute(raw_table_ddl_postgres(table.name, table.columns))
    cursor.execute(LOAD_LOG_DDL.replace(" varchar", " text"))
    cursor.execute(STATE_DDL)


def read_history_postgres(cursor: Any) -> LoadHistory:
    """The load log as a LoadHistory (`landing.load_log.read_history` on a psycopg2 cursor)."""
    return read_history(QmarkConnection(cursor))


def load_landing_postgres(
    landing_dir: Path, conninfo: str, *, progress: Progress | None = None
) -> LoadResult:
    """Load every new landing file under `landing_dir` into PostgreSQL `raw` (see module doc)."""
    discovery = discover_landing_files(Path(landing_dir))
    report = progress or (lambda _line: None)
    for warning in discovery.warnings:
        report(f"warning: {warning}")
    return load_files_postgres(
        discovery.files, conninfo, warnings=discovery.warnings, progress=report
    )


def load_files_postgres(
    files: Sequence[LandingFile],
    conninfo: str,
    *,
    warnings: Sequence[str] = (),
    progress: Progress | None = None,
) -> LoadResult:
    """Load `files` into PostgreSQL `raw`, in the order given.

    Files whose bytes were loaded before add nothing; unreadable files are recorded as
    failed and retried on the next run; the other files still load. Raises
    PostgresLoadError when the database cannot be reached or another load is running.
    """
    import psycopg2

    report = progress or (lambda _line: None)
    result = LoadResult(warnings=list(warnings))
    pg = _connect(conninfo)
    reader = duckdb.connect()
    try:
        reader.execute("set enable_progress_bar = false")
        with pg.cursor() as cursor:
            cursor.execute("select pg_try_advisory_lock(%s)", [_LOAD_LOCK_KEY])
            if not cursor.fetchone()[0]:
                raise PostgresLoadError(
                    "another omnireport load is running on this database; wait for it to "
                    "finish, then run the load again"
                )
            try:
                ensure_raw_schema_postgres(cursor)
                pg.commit()
            except psycopg2.Error as exc:
                pg.rollback()
                raise PostgresLoadError(
                    f"cannot create the raw schema: {str(exc).strip()}; the user needs "
                    "CREATE on the database (or an existing raw schema it owns)"
                ) from exc
            history = read_history_postgres(cursor)
            pg.commit()
            for landing_file in files:
                result.add(_load_file(pg, cursor, reader, landing_file, history, report))
            withdraw_failures(QmarkConnection(cursor, pg), result.present())
    finally:
        reader.close()
        pg.close()  # also releases the advisory lock
    return result


def _load_file(
    pg: Any,
    cursor: Any,
    reader: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    history: LoadHistory,
    report: Progress,
) -> FileOutcome:
    import psycopg2

    table = landing_file.table
    con = QmarkConnection(cursor, pg)
    log = SqlLog(con)
    pending = start_file(log, landing_file, history, report)
    if not isinstance(pending, PendingFile):
        return pending
    stream: _CsvStream | None = None
    try:
        select = build_select(reader, landing_file)
        stream = _CsvStream(
            _arrow_batches(reader, landing_file, select, pending.load_id, pending.loaded_at)
        )
        columns = RAW_TABLES_BY_NAME[table].columns
        target_columns = ", ".join(sql_identifier(c) for c in (*columns, *LINEAGE_COLUMNS))
        cursor.copy_expert(
            f"copy {RAW_SCHEMA}.{sql_identifier(table)} ({target_columns}) from stdin "
            "with (format csv, header false)",
            stream,
            size=1 << 20,
        )
        rows = stream.rows
        if changed := pending.changed():
            pg.rollback()
            return skip_file(landing_file, changed, report)
        write_entry(con, pending.loaded_entry(rows), replaces_status=pending.replaces_status)
        pg.commit()
    except (
        LandingFileError,
        duckdb.Error,
        OSError,
        psycopg2.DataError,
        psycopg2.IntegrityError,
        psycopg2.errors.QueryCanceled,
    ) as exc:
        pg.rollback()
        cause = stream.error if stream is not None and stream.error is not None else exc
        if isinstance(cause, NOT_THE_FILES_FAULT):
            raise cause from None
        if changed := pending.changed():
            return skip_file(landing_file, changed, report)
        return fail_pending(log, pending, _error_text(cause, landing_file), history, report)
    except BaseException:
        pg.rollback()
        raise
    return finish_loaded(pending, rows, history, report)


def _arrow_batches(
    reader: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    select: str,
    load_id: int,
    now: datetime,
) -> Iterator[Any]:
    """The file's rows with their lineage columns, as Arrow record batches of text."""
    columns = RAW_TABLES_BY_NAME[landing_file.table].columns
    source_columns = ", ".join(sql_identifier(c) for c in columns)
    loaded_at = now.isoformat(sep=" ", timespec="microseconds")
    query = (
        f"select {source_columns}, {sql_string(landing_file.relative_path)} as _source_file, "
        f"_row_number, {int(load_id)} as _load_id, {sql_string(loaded_at)} as _loaded_at\n"
        f"from (\n{select}\n) as file_rows"
    )
    yield from reader.sql(query).to_arrow_reader(_ROWS_PER_BATCH)


class _CsvStream(io.RawIOBase):
    """A file-like object COPY reads from: Arrow batches written as PostgreSQL CSV.

    An error raised while reading the file (a bad CSV record, malformed JSON) is kept in
    `error`: psycopg2 turns it into a cancelled COPY, and the caller reports the original.
    """

    def __init__(self, batches: Iterator[Any]) -> None:
        super().__init__()
        self._batches = batches
        self._buffer = b""
        self._offset = 0
        self._done = False
        self.rows = 0
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            while not self._done and (size < 0 or len(self._buffer) - self._offset < size):
                batch = next(self._batches, None)
                if batch is None:
                    self._done = True
                    break
                self.rows += batch.num_rows
                self._buffer = self._buffer[self._offset :] + _batch_csv(batch)
                self._offset = 0
        except BaseException as exc:
            self.error = exc
            raise
        end = len(self._buffer) if size < 0 else min(len(self._buffer), self._offset + size)
        chunk = self._buffer[self._offset : end]
        self._offset = end
        return chunk


def _batch_csv(batch: Any) -> bytes:
    import pyarrow.csv as pa_csv

    sink = io.BytesIO()
    # "needed": every string quoted (so "" is an empty string), null an empty field.
    pa_csv.write_csv(batch, sink, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    return sink.getvalue()


def _error_text(exc: BaseException, landing_file: LandingFile) -> str:
    """`<path>: line <n>: <problem>`, or what PostgreSQL refused."""
    if _is_postgres_error(exc):
        problem = (
            str(getattr(exc, "pgerror", None) or exc)
            .strip()
            .splitlines()[0]
            .removeprefix("ERROR:  ")
        )
        return f"{landing_file.shown}: PostgreSQL refused the rows: {problem}"
    return read_error_text(exc, landing_file)


def _is_postgres_error(exc: BaseException) -> bool:
    import psycopg2

    return isinstance(exc, psycopg2.Error)


# --- Serving -------------------------------------------------------------------------------


def _role_name(role: str) -> str:
    if not role or not role.replace("_", "").isalnum():
        raise ValueError(f"role name {role!r}: use letters, digits and underscores only")
    return role


def grant_serving_roles(
    conninfo: str,
    *,
    reader_role: str = READER_ROLE,
    analyst_role: str = ANALYST_ROLE,
    reader_password: str | None = None,
    analyst_password: str | None = None,
) -> None:
    """Create the serving roles where missing and give each its schema, nothing else.

    - `reader_role` (BI users): `usage` on schema reader and `select` on every table and
      view in it; nothing on marts (revoked, for warehouses granted before the reader
      layer existed), raw, staging, quarantine, intermediate or audit.
    - `analyst_role` (trusted analysts): `select` on marts, and member of `reader_role`.
    - Default privileges make every table the connecting user (the one dbt builds with)
      creates there later readable too: the grants survive full rebuilds, where dbt
      replaces each table by a new one; running this after every build re-grants anyway.
    - No write privilege anywhere; `create`/`temporary` on the database stay as PostgreSQL
      grants them to PUBLIC (revoke those from PUBLIC on a shared server).
    - Without a password a role cannot log in (grant it to people's own login roles:
      `grant omnireport_reader to alice`); with one, it logs in with that password.
    Idempotent.
    """
    import psycopg2
    from psycopg2 import sql

    reader = sql.Identifier(_role_name(reader_role))
    analyst = sql.Identifier(_role_name(analyst_role))
    reader_schema = sql.Identifier(READER_SCHEMA)
    marts = sql.Identifier(SERVED_SCHEMA)
    statements = [
        ("create schema if not exists {}", (reader_schema,)),
        ("create schema if not exists {}", (marts,)),
        # the reader: schema reader only
        ("grant usage on schema {} to {}", (reader_schema, reader)),
        ("grant select on all tables in schema {} to {}", (reader_schema, reader)),
        (
            "alter default privileges in schema {} grant select on tables to {}",
            (reader_schema, reader),
        ),
        ("revoke all on all tables in schema {} from {}", (marts, reader)),
        ("revoke all on schema {} from {}", (marts, reader)),
        ("alter default privileges in schema {} revoke all on tables from {}", (marts, reader)),
        # the analyst: marts, and what the reader reads
        ("grant usage on schema {} to {}", (marts, analyst)),
        ("grant select on all tables in schema {} to {}", (marts, analyst)),
        ("alter default privileges in schema {} grant select on tables to {}", (marts, analyst)),
        ("grant {} to {}", (reader, analyst)),
    ]
    pg = _connect(conninfo)
    try:
        with pg.cursor() as cursor:
            for role, password in (
                (reader_role, reader_password),
                (analyst_role, analyst_password),
            ):
                ident = sql.Identifier(role)
                cursor.execute("select 1 from pg_roles where rolname = %s", [role])
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("create role {} nologin").format(ident))
                if password is not None:
                    cursor.execute(
                        sql.SQL("alter role {} login password %s").format(ident), [password]
                    )
            for statement, identifiers in statements:
                cursor.execute(sql.SQL(statement).format(*identifiers))
        pg.commit()
    except psycopg2.Error as exc:
        pg.rollback()
        raise PostgresLoadError(
            f"cannot grant {READER_SCHEMA} to role {reader_role} and {SERVED_SCHEMA} to role "
            f"{analyst_role}: {str(exc).strip()}; the connecting user needs CREATEROLE (or "
            "existing roles) and must own the reader and marts schemas"
        ) from exc
    finally:
        pg.close()
