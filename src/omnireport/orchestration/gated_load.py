"""Load the landing files that passed validation; record the refused ones as failed.

``omnireport.landing.loader.load_landing`` loads every file it discovers. The landing
asset validates first (``checks.landing.validate_landing_files``) and loads only what the
suite accepted: this is the loader's loop over a given list of files, where a refused
file is logged in ``raw._load_log`` as ``failed`` with the suite's reason (so
``omnireport status`` shows it and every run retries it, like an unreadable file) and
none of its rows are read. Each accepted file is still one transaction, idempotent by
content, exactly as the loader does it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import duckdb

from omnireport.landing import loader
from omnireport.landing.files import LandingFile, content_hash
from omnireport.landing.load_log import LoadHistory, read_history
from omnireport.landing.raw_schema import ensure_raw_schema

Progress = Callable[[str], None]


def load_accepted_files(
    files: Sequence[LandingFile],
    warehouse: Path,
    refused: Mapping[str, str],
    *,
    warnings: Sequence[str] = (),
    progress: Progress | None = None,
) -> loader.LoadResult:
    """Load ``files`` into ``warehouse`` except those in ``refused`` (relative path -> reason)."""
    report = progress or (lambda _line: None)
    result = loader.LoadResult(warnings=list(warnings))
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set enable_progress_bar = false")
        ensure_raw_schema(con)
        history = read_history(con)
        for landing_file in files:
            reason = refused.get(landing_file.relative_path)
            if reason is None:
                outcome = loader._load_file(con, landing_file, history, report)
            else:
                outcome = _refuse(con, landing_file, reason, history, report)
            result.files.append(outcome)
            result.rows_loaded_by_table[outcome.table] += outcome.rows
    finally:
        con.close()
    return result


def _refuse(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    reason: str,
    history: LoadHistory,
    report: Progress,
) -> loader.FileOutcome:
    try:
        digest = content_hash(landing_file.path)
        file_size = landing_file.path.stat().st_size
    except OSError:  # vanished since validation: nothing to record against its content
        digest, file_size = "", 0
    return loader._record_failure(
        con, landing_file, digest, file_size, reason, history.next_load_id(), history, report,
    )
