"""The landing-file suite: each export file, read in chunks, checked before dbt stages it.

What is checked (CONTRACT.md sections 2, 4 and 6), with the same wording as the
quarantine reasons:

- columns present: every contract column of the table in the file's header (CSV) or
  schema (Parquet); JSONL has no header (an absent key is null). A missing column is the
  one ERROR: the loader refuses such a file whole.
- required values present (``missing <column>``): every id not marked null, every
  required timestamp and every enumeration. Blank text (only spaces) counts as missing.
- enumerations known, exactly (``unknown <column>``): ``Done`` is not ``done``.
- timestamps parseable (``unparseable <column>``): CONTRACT.md 6.6, impossible dates
  (``2026-02-30``) included; ``rating`` 1-5 and ``is_active`` booleans (``invalid ...``).
- repeated ids within the file (``repeated <key>``): reported, never a failure, since
  re-exports are allowed.

A bad value never blocks loading (dbt quarantines the row); the counts say which file
and how many rows fail each rule. Files are read with DuckDB (the loader's own
readers, all text) and validated ``chunk_rows`` rows at a time, so a multi-GB file stays
within memory; repeated ids are counted by DuckDB over the whole file.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.landing.files import FORMATS_BY_EXTENSION, LandingFile
from omnireport.landing.readers import (
    LandingFileError,
    build_select,
    read_csv_header,
    sql_identifier,
    sql_string,
)
from omnireport.settings import validation_duckdb_config
from omnireport.validation.gx_runtime import (
    EXAMPLES_PER_RULE,
    Rule,
    RuleOutcome,
    SuiteRunner,
    jsonable,
    new_context,
    skip_batch_fingerprint,
)

DEFAULT_CHUNK_ROWS = 200_000
# Bump when the rules change: stored results of an older version are not reused.
SUITE_VERSION = 1
ROW_NUMBER_COLUMN = "_row_number"
MISSING_COLUMNS_LABEL = "missing columns"

# CONTRACT.md 6.6, with the calendar in the pattern: YYYY-MM-DD (a day that exists in
# its month, 29 February in leap years only), `T` or a space, HH:MM, optional :SS with
# an optional 1-6 digit fraction, optional `Z` or +-HH:MM; surrounding spaces ignored.
# Python regular expressions (GX's pandas path): `\Z` is the very end (`$` would
# also accept a trailing newline).
_YEAR = "[0-9]{4}"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_DATE = (
    f"(?:{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    "|(?:0[13-9]|1[0-2])-(?:29|30)"
    "|(?:0[13578]|1[02])-31)"
    f"|{_LEAP_YEAR}-02-29)"
)
_TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,6})?)?"
_OFFSET = "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
TIMESTAMP_PATTERN = rf"^ *{_DATE}[T ]{_TIME}{_OFFSET} *\Z"
RATING_PATTERN = r"^ *[1-5] *\Z"
BOOLEAN_PATTERN = r"^ *(?i:true|false|t|f|1|0|yes|no) *\Z"


@dataclass(frozen=True)
class LandingRules:
    """What the contract requires of one raw table's values."""

    required_ids: tuple[str, ...] = ()
    enumerations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    required_timestamps: tuple[str, ...] = ()
    optional_timestamps: tuple[str, ...] = ()
    patterns: Mapping[str, str] = field(default_factory=dict)  # optional column -> pattern
    key: tuple[str, ...] = ()


# CONTRACT.md section 2 (enumerations, exact) and 6.3 (required values); the same rules
# as dbt_project/models/staging/crm/base/base_crm__<table>_validated.sql.
LANDING_RULES: dict[str, LandingRules] = {
    "channels": LandingRules(
        required_ids=("channel_id",),
        enumerations={"channel_type": ("facebook", "zalo", "instagram", "livechat")},
        key=("channel_id",),
    ),
    "users": LandingRules(
        required_ids=("user_id",), patterns={"is_active": BOOLEAN_PATTERN}, key=("user_id",)
    ),
    "groups": LandingRules(required_ids=("group_id",), key=("group_id",)),
    "user_groups": LandingRules(required_ids=("user_id", "group_id"), key=("user_id", "group_id")),
    "contacts": LandingRules(
        required_ids=("contact_id", "channel_id", "external_id"), key=("contact_id",)
    ),
    "categories": LandingRules(required_ids=("category_id",), key=("category_id",)),
    "tags": LandingRules(required_ids=("tag_id",), key=("tag_id",)),
    "sessions": LandingRules(
        required_ids=("session_id", "conversation_id", "channel_id", "contact_id"),
        enumerations={"support_type": ("message", "comment"), "status": ("open", "done")},
        required_timestamps=("started_at", "updated_at"),
        optional_timestamps=("done_at",),
        patterns={"rating": RATING_PATTERN},
        key=("session_id",),
    ),
    "messages": LandingRules(
        required_ids=(
            "message_id",
            "conversation_id",
            "session_id",
            "channel_id",
            "from_id",
            "to_id",
        ),
        enumerations={
            "initiated_by": ("user", "business"),
            "direction": ("incoming", "outgoing"),
            "content_type": (
                "text",
                "image",
                "audio",
                "video",
                "file",
                "sticker",
                "template",
                "other",
            ),
            "status": ("sent", "delivered", "read", "failed"),
        },
        required_timestamps=("sent_at", "status_updated_at"),
        key=("message_id",),
    ),
    "tag_events": LandingRules(
        required_ids=("tag_event_id", "tag_id", "contact_id", "channel_id"),
        enumerations={"action": ("added", "removed")},
        required_timestamps=("event_at",),
        key=("tag_event_id",),
    ),
    "agent_status_events": LandingRules(
        required_ids=("event_id", "user_id"),
        enumerations={"status": ("online", "paused", "offline")},
        required_timestamps=("event_at",),
        key=("event_id",),
    ),
}


def _table_columns(table: str) -> tuple[str, ...]:
    try:
        return RAW_TABLES_BY_NAME[table].columns
    except KeyError:
        known = ", ".join(sorted(RAW_TABLES_BY_NAME))
        raise ValueError(f"unknown raw table {table!r}: expected one of {known}") from None


def landing_value_rules(table: str) -> list[Rule]:
    """The value rules of ``table``'s suite, in contract column order."""
    rules = LANDING_RULES[table]
    where = (ROW_NUMBER_COLUMN,)
    required = {*rules.required_ids, *rules.enumerations, *rules.required_timestamps}
    result: list[Rule] = []
    for column in _table_columns(table):
        if column in required:
            result.append(
                Rule(
                    f"missing {column}", "ExpectColumnValuesToNotBeNull", {"column": column}, where
                )
            )
        if column in rules.enumerations:
            result.append(
                Rule(
                    f"unknown {column}",
                    "ExpectColumnValuesToBeInSet",
                    {"column": column, "value_set": list(rules.enumerations[column])},
                    where,
                )
            )
        if column in rules.required_timestamps or column in rules.optional_timestamps:
            result.append(
                Rule(
                    f"unparseable {column}",
                    "ExpectColumnValuesToMatchRegex",
                    {"column": column, "regex": TIMESTAMP_PATTERN},
                    where,
                )
            )
        if column in rules.patterns:
            result.append(
                Rule(
                    f"invalid {column}",
                    "ExpectColumnValuesToMatchRegex",
                    {"column": column, "regex": rules.patterns[column]},
                    where,
                )
            )
    return result


def landing_column_rule(table: str) -> Rule:
    """The table-level rule: every contract column present (extra columns are fine)."""
    return Rule(
        MISSING_COLUMNS_LABEL,
        "ExpectTableColumnsToMatchSet",
        {"column_set": list(_table_columns(table)), "exact_match": False},
    )


@dataclass
class FileValidation:
    """The landing suite's findings for one file (summed over its chunks)."""

    path: str
    table: str
    rows: int = 0
    chunks: int = 0
    missing_columns: list[str] = field(default_factory=list)
    read_error: str | None = None
    outcomes: dict[str, RuleOutcome] = field(default_factory=dict)
    repeated_ids: int = 0
    repeated_id_examples: list[dict[str, Any]] = field(default_factory=list)
    gx_results: list[dict[str, Any]] = field(default_factory=list)
    gx_results_left_out: int = 0
    seconds: float = 0.0

    @property
    def error(self) -> str | None:
        """Why the file cannot load at all (missing columns, unreadable), else None."""
        if self.missing_columns:
            return f"missing column(s) {', '.join(self.missing_columns)}"
        return self.read_error

    @property
    def failing(self) -> dict[str, int]:
        """Rows failing each value rule (rules with no failure left out)."""
        return {label: o.failing for label, o in self.outcomes.items() if o.failing}

    @property
    def failing_rows(self) -> int:
        """Failures summed over rules (a row failing two rules counts twice)."""
        return sum(self.failing.values())

    @property
    def has_bad_values(self) -> bool:
        """True when some row fails a value rule (dbt will quarantine it)."""
        return bool(self.failing)

    def add_chunk(self, outcomes: Iterable[RuleOutcome], rows: int) -> None:
        """Add one chunk's outcomes."""
        self.rows += rows
        self.chunks += 1
        for outcome in outcomes:
            if outcome.label in self.outcomes:
                self.outcomes[outcome.label].add(outcome)
            else:
                self.outcomes[outcome.label] = outcome

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (GX's per-chunk results included)."""
        return {
            "path": self.path,
            "table": self.table,
            "rows": self.rows,
            "chunks": self.chunks,
            "error": self.error,
            "missing_columns": self.missing_columns,
            "read_error": self.read_error,
            "failing": self.failing,
            "rules": [outcome.as_dict() for outcome in self.outcomes.values()],
            "repeated_ids": self.repeated_ids,
            "repeated_id_examples": self.repeated_id_examples,
            "seconds": round(self.seconds, 3),
            "gx_results": self.gx_results,
            "gx_results_left_out": self.gx_results_left_out,
        }


# GX results kept per file: every chunk with a failure up to this many (the counts
# always cover every chunk).
GX_RESULTS_PER_FILE = 10


def landing_value_columns(table: str) -> list[str]:
    """The columns ``table``'s value rules read or show (contract order, then ``_row_number``).

    Only these go to GX: its pandas engine copies every column of the frame each time it
    drops a rule's null rows, so a column no rule reads (``content``) only costs time.
    """
    rules = landing_value_rules(table)
    read = {name for rule in rules for name in (rule.column, *rule.example_columns)}
    return [column for column in _table_columns(table) if column in read] + [ROW_NUMBER_COLUMN]


class LandingSuite:
    """The GX suites of one raw table: its columns, and its values (run per chunk).

    Build it once per table and process and reuse it for every chunk and file: GX's
    context, suites and validation definitions are built here, not per run.
    """

    def __init__(self, table: str, *, context: Any = None) -> None:
        _table_columns(table)
        self.table = table
        self.context = context if context is not None else new_context()
        skip_batch_fingerprint()
        self.columns_runner = SuiteRunner(
            f"landing_{table}_columns", [landing_column_rule(table)], context=self.context
        )
        self.values_runner = SuiteRunner(
            f"landing_{table}", landing_value_rules(table), context=self.context
        )
        self.value_columns = landing_value_columns(table)
        # Headers the columns suite passed: the verdict depends on the header alone.
        self._passing_headers: set[tuple[str, ...]] = set()

    def check_columns(self, columns: Iterable[str], validation: FileValidation) -> None:
        """Record the contract columns missing from ``columns`` (a file's header)."""
        header = list(dict.fromkeys(columns))
        if tuple(header) in self._passing_headers:
            return
        outcomes, gx_result = self.columns_runner.run(pd.DataFrame(columns=header))
        if outcomes[0].passed:
            self._passing_headers.add(tuple(header))
        else:
            present = set(header)
            validation.missing_columns = [
                column for column in _table_columns(self.table) if column not in present
            ]
            validation.gx_results.append({"columns": header, "result": gx_result})

    def check_chunk(self, frame: pd.DataFrame, validation: FileValidation) -> None:
        """Validate one chunk (contract columns as text, plus ``_row_number``)."""
        prepared = blank_as_missing(frame[self.value_columns])
        outcomes, result = self.values_runner.run_result(prepared)
        first_row = validation.rows + 1
        validation.add_chunk(outcomes, len(prepared))
        if not result.success:
            if len(validation.gx_results) < GX_RESULTS_PER_FILE:
                validation.gx_results.append(
                    {
                        "first_row": first_row,
                        "rows": len(prepared),
                        "result": jsonable(result.to_json_dict()),
                    }
                )
            else:
                validation.gx_results_left_out += 1


def blank_as_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text made only of spaces (or empty) as missing, as dbt staging reads it."""
    prepared = frame.copy()
    for column in prepared.columns:
        if column == ROW_NUMBER_COLUMN:
            continue
        values = prepared[column]
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            blank = values.astype("string").str.strip(" ").eq("").fillna(False).astype(bool)
            if blank.any():
                prepared[column] = values.where(~blank, None)
    return prepared


def _with_row_numbers(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    if ROW_NUMBER_COLUMN in frame.columns:
        return frame
    numbered = frame.copy()
    numbered[ROW_NUMBER_COLUMN] = range(first_row, first_row + len(frame))
    return numbered


def count_repeated_ids(
    con: duckdb.DuckDBPyConnection, relation: str, table: str, validation: FileValidation
) -> None:
    """Rows whose key already appeared earlier in ``relation`` (a SQL relation), with examples.

    Rows with a missing key part are left out (they are ``missing <id>``).
    """
    key = LANDING_RULES[table].key
    keys = ", ".join(sql_identifier(column) for column in key)
    present = " and ".join(
        f"{sql_identifier(column)} is not null and trim({sql_identifier(column)}) <> ''"
        for column in key
    )
    con.execute(
        f"create or replace temp table _repeated as select {keys}, count(*) as copies "
        f"from {relation} as file_rows where {present} group by all having count(*) > 1"
    )
    total = con.execute("select coalesce(sum(copies - 1), 0) from _repeated").fetchone()
    validation.repeated_ids = int(total[0]) if total else 0
    examples = con.execute(
        f"select {keys}, copies from _repeated order by copies desc, {keys} "
        f"limit {EXAMPLES_PER_RULE}"
    ).fetchall()
    validation.repeated_id_examples = [
        {**dict(zip(key, row[:-1], strict=True)), "copies": int(row[-1])} for row in examples
    ]
    con.execute("drop table _repeated")


def validate_landing_frames(
    frames: Iterable[pd.DataFrame],
    table: str,
    *,
    source: str = "<frames>",
    suite: LandingSuite | None = None,
) -> FileValidation:
    """Validate DataFrames of text (the chunks of one export of ``table``) as one file.

    Each frame has the file's columns; ``_row_number`` (1-based position in the file) is
    added when absent. Repeated ids are counted across all frames.
    """
    started = time.perf_counter()
    suite = suite or LandingSuite(table)
    validation = FileValidation(path=source, table=table)
    columns = _table_columns(table)
    kept: list[pd.DataFrame] = []
    header_checked = False
    for frame in frames:
        if not header_checked:
            suite.check_columns([c for c in frame.columns if c != ROW_NUMBER_COLUMN], validation)
            header_checked = True
            if validation.missing_columns:
                break
        chunk = _with_row_numbers(frame, validation.rows + 1)[[*columns, ROW_NUMBER_COLUMN]]
        suite.check_chunk(chunk, validation)
        kept.append(chunk[list(LANDING_RULES[table].key)])
    if kept and not validation.missing_columns:
        con = _connect()
        try:
            con.register("file_rows_frame", pd.concat(kept, ignore_index=True))
            count_repeated_ids(con, "file_rows_frame", table, validation)
        finally:
            con.close()
    validation.seconds = time.perf_counter() - started
    return validation


def landing_file_for(path: Path, table: str) -> LandingFile:
    """The ``LandingFile`` of ``path`` (an export of ``table``)."""
    file_format = FORMATS_BY_EXTENSION.get(Path(path).suffix.lower())
    if file_format is None:
        raise ValueError(f"{path}: not a landing file (expected a .csv, .jsonl or .parquet export)")
    _table_columns(table)
    return LandingFile(table, file_format, Path(path), f"{table}/{Path(path).name}")


def file_columns(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> list[str]:
    """The columns a file declares: CSV header, Parquet schema; JSONL: the contract's."""
    if landing_file.file_format == "csv":
        return read_csv_header(landing_file.path)
    if landing_file.file_format == "parquet":
        try:
            described = con.execute(
                f"describe select * from read_parquet({sql_string(str(landing_file.path))})"
            ).fetchall()
        except duckdb.Error as exc:
            raise LandingFileError(f"not a readable Parquet file: {exc}") from None
        return [row[0] for row in described]
    return list(_table_columns(landing_file.table))


def iter_chunks(
    con: duckdb.DuckDBPyConnection,
    select: str,
    chunk_rows: int,
    columns: Sequence[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """The rows of ``select`` as DataFrames of ``chunk_rows`` rows (the last one fewer), streamed.

    DuckDB hands out smaller Arrow batches than asked for; they are gathered up to
    ``chunk_rows`` so each GX run (a fixed cost of about half a second) covers a full
    chunk, and made one contiguous Arrow array per column (pyarrow's ``take``, which GX's
    row filters call hundreds of times per chunk, is much slower on chunked arrays).
    ``columns``, when given, are the only columns turned into the DataFrame.
    """
    import pyarrow as pa

    def frame(batches: list[pa.RecordBatch]) -> pd.DataFrame:
        table = pa.Table.from_batches(batches)
        if columns is not None:
            table = table.select(list(columns))
        return table.combine_chunks().to_pandas()

    reader = con.sql(select).to_arrow_reader(batch_size=chunk_rows)
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in reader:
        while batch.num_rows:
            take = min(batch.num_rows, chunk_rows - pending_rows)
            pending.append(batch.slice(0, take))
            pending_rows += take
            batch = batch.slice(take)
            if pending_rows == chunk_rows:
                yield frame(pending)
                pending, pending_rows = [], 0
    if pending_rows:
        yield frame(pending)


# One in-memory DuckDB per process: opening one costs tens of milliseconds, a file's
# own connection to it (a cursor) nothing.
_DATABASE: duckdb.DuckDBPyConnection | None = None


def _connect() -> duckdb.DuckDBPyConnection:
    """A new connection to this process's in-memory DuckDB (close it when done)."""
    global _DATABASE
    if _DATABASE is None:
        _DATABASE = duckdb.connect(config=validation_duckdb_config())
    return _DATABASE.cursor()


def release_database() -> None:
    """Close this process's in-memory DuckDB (the next validation opens another), so the
    blocks of landing files it cached do not stay in memory for the rest of a run (the dbt
    build, with its own DuckDB at its own limit, comes next)."""
    global _DATABASE
    if _DATABASE is not None:
        _DATABASE.close()
        _DATABASE = None


def validate_landing_file(
    path: Path | str,
    table: str,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    suite: LandingSuite | None = None,
) -> FileValidation:
    """Run the landing suite on one export file of ``table``, ``chunk_rows`` rows at a time.

    Never raises for the file's content: a missing column or an unreadable file is
    recorded in ``FileValidation.error`` (the loader refuses such a file), bad values
    in the per-rule counts. Pass ``suite`` to reuse one table's GX objects across files.
    """
    from omnireport.landing.read_errors import describe_read_error

    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    started = time.perf_counter()
    landing_file = landing_file_for(Path(path), table)
    suite = suite or LandingSuite(table)
    validation = FileValidation(path=str(path), table=table)
    con = _connect()
    try:
        suite.check_columns(file_columns(con, landing_file), validation)
        if not validation.missing_columns:
            select = build_select(con, landing_file)
            for chunk in iter_chunks(con, select, chunk_rows, suite.value_columns):
                suite.check_chunk(chunk, validation)
            count_repeated_ids(con, f"({select})", table, validation)
    except (LandingFileError, duckdb.Error) as exc:
        problem = describe_read_error(exc, landing_file)
        line = f" (line {problem.line})" if problem.line else ""
        validation.read_error = f"{problem.problem}{line}"
    finally:
        con.close()
    validation.seconds = time.perf_counter() - started
    return validation


@dataclass
class _WholeFile:
    """A small file read whole (one chunk), waiting for a GX run shared with others."""

    position: int
    validation: FileValidation
    frame: pd.DataFrame
    read_seconds: float  # spent on its columns, rows and repeated ids


def _read_whole(
    position: int, path: Path | str, table: str, chunk_rows: int, suite: LandingSuite
) -> _WholeFile | FileValidation | None:
    """``path`` checked for columns and repeated ids and read as one chunk.

    A ``FileValidation`` when there is nothing to run (no rows, or refused for missing
    columns); None when it must be validated alone: longer than one chunk, or unreadable.
    """
    started = time.perf_counter()
    landing_file = landing_file_for(Path(path), table)
    validation = FileValidation(path=str(path), table=table)
    con = _connect()
    try:
        suite.check_columns(file_columns(con, landing_file), validation)
        if validation.missing_columns:
            validation.seconds = time.perf_counter() - started
            return validation
        select = build_select(con, landing_file)
        reading = iter_chunks(con, select, chunk_rows, suite.value_columns)
        chunks = list(itertools.islice(reading, 2))
        if len(chunks) > 1:
            return None
        count_repeated_ids(con, f"({select})", table, validation)
        if not chunks:  # no rows: nothing for GX
            validation.seconds = time.perf_counter() - started
            return validation
    except (LandingFileError, duckdb.Error):
        return None
    finally:
        con.close()
    return _WholeFile(position, validation, chunks[0], time.perf_counter() - started)


def _split_run(files: list[_WholeFile], suite: LandingSuite) -> bool:
    """One GX run (COMPLETE results) over ``files``, its findings split back per file.

    False, with nothing recorded, when GX raised or did not list every failing row:
    then each file is run alone.
    """
    prepared = [blank_as_missing(whole.frame[suite.value_columns]) for whole in files]
    combined = pd.concat(prepared, ignore_index=True)
    run_started = time.perf_counter()
    _outcomes, result = suite.values_runner.run_result(combined, complete=True)
    run_seconds = time.perf_counter() - run_started
    by_label = {(item.expectation_config.meta or {}).get("label"): item for item in result.results}
    failing_rows: dict[str, list[int]] = {}
    for rule in suite.values_runner.rules:
        item = by_label.get(rule.label)
        if item is None or (item.exception_info or {}).get("raised_exception"):
            return False
        details = item.result or {}
        indexes = details.get("unexpected_index_list")
        if (
            rule.column is None
            or int(details.get("element_count") or 0) != len(combined)
            or not isinstance(indexes, list)
            or len(indexes) != int(details.get("unexpected_count") or 0)
        ):
            return False
        failing_rows[rule.label] = [int(index) for index in indexes]
    kept_with: str | None = None
    start = 0
    for whole, frame in zip(files, prepared, strict=True):
        end = start + len(frame)
        outcomes = []
        for rule in suite.values_runner.rules:
            rows = [index for index in failing_rows[rule.label] if start <= index < end]
            outcome = RuleOutcome(rule.label, rule.expectation, rule.column, checked=len(frame))
            outcome.failing = len(rows)
            columns = list(dict.fromkeys((*rule.example_columns, rule.column)))
            shown = combined.loc[rows[:EXAMPLES_PER_RULE], columns]
            outcome.examples = [jsonable(record) for record in shown.to_dict(orient="records")]
            outcomes.append(outcome)
        validation = whole.validation
        validation.add_chunk(outcomes, len(frame))
        if any(outcome.failing for outcome in outcomes):
            entry: dict[str, Any] = {
                "first_row": 1,
                "rows": len(frame),
                "run": {"files": len(files), "rows": len(combined), "file_from_row": start + 1},
            }
            if kept_with is None:
                entry["result"] = jsonable(result.to_json_dict())
                kept_with = validation.path
            else:
                entry["result_kept_with"] = kept_with
            validation.gx_results.append(entry)
        validation.seconds = whole.read_seconds + run_seconds * len(frame) / len(combined)
        start = end
    return True


def validate_landing_files_together(
    paths: Sequence[Path | str],
    table: str,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    suite: LandingSuite | None = None,
) -> list[FileValidation]:
    """``validate_landing_file`` on each of ``paths`` (in order), in fewer GX runs.

    Each GX run costs about half a second whatever its rows, so files of one chunk are
    validated together: one run over several files (up to ``chunk_rows`` rows in all)
    with GX's COMPLETE results, whose failing rows are split back per file. The
    findings are those of ``validate_landing_file`` on each file alone (counts, examples,
    repeated ids, refusals); a file's kept GX result is the shared run's (``run`` says
    which rows are the file's; the full result is kept with the first failing file of
    the run). Larger or unreadable files are validated alone, as is each file of a run
    where GX raised.
    """
    suite = suite or LandingSuite(table)
    if len(paths) == 1:
        return [validate_landing_file(paths[0], table, chunk_rows=chunk_rows, suite=suite)]
    found: list[FileValidation | None] = [None] * len(paths)
    pending: list[_WholeFile] = []

    def flush() -> None:
        if len(pending) < 2 or not _split_run(pending, suite):
            for whole in pending:
                run_started = time.perf_counter()
                suite.check_chunk(whole.frame, whole.validation)
                whole.validation.seconds = whole.read_seconds + time.perf_counter() - run_started
        for whole in pending:
            found[whole.position] = whole.validation
        pending.clear()

    for position, path in enumerate(paths):
        read = _read_whole(position, path, table, chunk_rows, suite)
        if isinstance(read, _WholeFile):
            if sum(len(whole.frame) for whole in pending) + len(read.frame) > chunk_rows:
                flush()
            pending.append(read)
        elif isinstance(read, FileValidation):
            found[position] = read
        else:
            found[position] = validate_landing_file(path, table, chunk_rows=chunk_rows, suite=suite)
    flush()
    return [validation for validation in found if validation is not None]


# The suites a validation worker process has built, one per table (see validate_in_worker).
_WORKER_SUITES: dict[str, LandingSuite] = {}


def validate_in_worker(job: tuple[str, list[str], int]) -> list[dict[str, Any]]:
    """``validate_landing_files_together`` as dicts, for a process pool.

    ``job`` is ``(table, paths, chunk_rows)``. The process keeps one ``LandingSuite`` per
    table, so GX objects are built once per worker and table, not per file.
    """
    table, paths, rows = job
    suite = _WORKER_SUITES.get(table)
    if suite is None:
        suite = _WORKER_SUITES[table] = LandingSuite(table)
    found = validate_landing_files_together(paths, table, chunk_rows=rows, suite=suite)
    return [validation.as_dict() for validation in found]
