"""The landing-file suite as the gate of the load: validate each landing file, then load.

The landing load (``orchestration.assets.landing``) runs
``validate_landing_files`` on every landing file, in load order, beside the load
(``checks.landing_gate``): each file is loaded only once its own findings say it may be.
It reports one ``landing_file_expectations`` check per ``raw/<table>`` from that step:

- a file that cannot be loaded at all (a contract column missing, or unreadable) is
  refused: the load skips it and records it as failed in the load log (retried on every
  run), and the check fails with severity ERROR, naming the file, what is wrong and what
  to do. The other files still load, and dbt builds on them (the check is not blocking).
- bad values (missing ids, unknown enumerations, unparseable timestamps) are counted per
  file and rule, severity WARN: those rows load and dbt quarantines them.
- repeated ids are reported, never a failure (re-exports are allowed).

Files are validated in chunks (``OMNIREPORT_VALIDATION_CHUNK_ROWS``), so a multi-GB file
stays within memory. Small files of one table share GX runs (a run costs about half a
second whatever its rows; the findings are those of each file alone).
``OMNIREPORT_VALIDATION_WORKERS`` (default 1: in this process) processes validate at once,
each one batch of files at a time, one chunk at a time; the findings are the same with
any number of workers and come back in file order. Fewer than ``PARALLEL_MIN_BYTES`` of
files are validated in this process, since a worker first spends seconds importing
Great Expectations. Measured on the 2-core benchmark machine (shared), 2 workers were
slower than 1, hence the default.

A file is validated once: its findings are kept per table in
``<state dir>/validations/landing_cache/<table>.json`` and reused while its size and
modification time are unchanged, so a frequent run does not re-read GBs it has seen.
Each run that validates a file writes GX's results to
``<state dir>/validations/<timestamp>_landing_<table>.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
)

from omnireport.contract import RAW_SCHEMA, RAW_TABLES, RAW_TABLES_BY_NAME

if TYPE_CHECKING:
    from omnireport.landing.files import LandingFile

LANDING_VALIDATION_CHECK_NAME = "landing_file_expectations"
CHUNK_ROWS_ENV = "OMNIREPORT_VALIDATION_CHUNK_ROWS"
WORKERS_ENV = "OMNIREPORT_VALIDATION_WORKERS"
# Below this many bytes of files to validate, no worker processes are started.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
CACHE_DIR_NAME = "landing_cache"
_MAX_LISTED_FILES = 50


def raw_key(table: str) -> AssetKey:
    """Asset key of a raw table (the landing load's output)."""
    return AssetKey([RAW_SCHEMA, table])


def chunk_rows(env: Mapping[str, str] | None = None) -> int:
    """Rows validated at a time: ``OMNIREPORT_VALIDATION_CHUNK_ROWS``, else 200,000."""
    from omnireport.validation.landing_suite import DEFAULT_CHUNK_ROWS

    env = os.environ if env is None else env
    text = env.get(CHUNK_ROWS_ENV, "").strip()
    if not text:
        return DEFAULT_CHUNK_ROWS
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"{CHUNK_ROWS_ENV}={text!r} is not a positive whole number of rows: set it to, "
            f"for example, {DEFAULT_CHUNK_ROWS} (or unset it)."
        )
    return int(text)


def validation_workers(env: Mapping[str, str] | None = None) -> int:
    """Processes validating files at once: ``OMNIREPORT_VALIDATION_WORKERS``, else 1."""
    env = os.environ if env is None else env
    text = env.get(WORKERS_ENV, "").strip()
    if not text:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"{WORKERS_ENV}={text!r} is not a positive whole number of processes: set it to, "
            "for example, 2 (1 validates in the calling process, as when it is unset)."
        )
    return int(text)


# Files up to this size are validated several in one GX run (a run costs about half a
# second whatever its rows); a run takes such files up to this many bytes in all.
SMALL_FILE_BYTES = 16 * 1024 * 1024
BATCH_BYTES = 64 * 1024 * 1024


def _batches(jobs: list[tuple[str, Path, int]]) -> list[tuple[str, list[str]]]:
    """``jobs`` ((table, path, size), in order) as runs of consecutive files of one table."""
    batches: list[tuple[str, list[str]]] = []
    batch_bytes = 0
    for table, path, size in jobs:
        last = batches[-1] if batches else None
        if (
            last is not None
            and last[0] == table
            and size <= SMALL_FILE_BYTES
            and batch_bytes + size <= BATCH_BYTES
        ):
            last[1].append(str(path))
            batch_bytes += size
        else:
            batches.append((table, [str(path)]))
            batch_bytes = size if size <= SMALL_FILE_BYTES else BATCH_BYTES
    return batches


def validate_files(
    jobs: list[tuple[str, Path]],
    rows_per_chunk: int,
    workers: int,
    *,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
) -> Iterator[dict[str, Any]]:
    """The landing suite's findings (``FileValidation.as_dict()``) on each ``(table, path)``.

    In ``jobs`` order, each batch's as soon as it is validated (the load of a file waits for
    its own findings only). Consecutive small files of one table share GX runs
    (``validate_landing_files_together``: the same findings as alone). With ``workers`` > 1,
    two or more runs and at least ``parallel_min_bytes`` of files, a pool of ``workers``
    processes validates them (each one batch of files at a time); else this process does,
    one table's suite reused for its files.
    """
    from omnireport.validation.landing_suite import (
        LandingSuite,
        release_database,
        validate_in_worker,
        validate_landing_files_together,
    )

    sized = []
    for table, path in jobs:
        try:
            size = path.stat().st_size
        except OSError:  # vanished: validating it reports it
            size = SMALL_FILE_BYTES + 1
        sized.append((table, path, size))
    batches = _batches(sized)
    workers = min(workers, len(batches))
    if workers > 1 and sum(size for _, _, size in sized) >= parallel_min_bytes:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the caller (Dagster, DuckDB) may run threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            done = pool.map(
                validate_in_worker,
                [(table, paths, rows_per_chunk) for table, paths in batches],
            )
            for batch in done:
                yield from batch
        return
    suites: dict[str, LandingSuite] = {}
    try:
        for table, paths in batches:
            suite = suites.get(table) or suites.setdefault(table, LandingSuite(table))
            found = validate_landing_files_together(
                paths, table, chunk_rows=rows_per_chunk, suite=suite
            )
            yield from (validation.as_dict() for validation in found)
    finally:
        # the blocks of landing files it cached must not stay in memory through the dbt build
        release_database()


class FindingsCache:
    """Findings per landing file of one table, valid while size and mtime are unchanged."""

    def __init__(self, state_dir: Path, table: str, suite_version: int) -> None:
        self.path = state_dir / "validations" / CACHE_DIR_NAME / f"{table}.json"
        self.suite_version = suite_version
        try:
            self.entries: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    @staticmethod
    def _stamp(path: Path) -> dict[str, int]:
        stat = path.stat()
        return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}

    def get(self, relative_path: str, path: Path) -> dict[str, Any] | None:
        """The stored findings of this exact file, or None."""
        entry = self.entries.get(relative_path)
        if (
            entry
            and entry.get("suite_version") == self.suite_version
            and entry.get("stamp") == self._stamp(path)
        ):
            return entry
        return None

    def put(self, relative_path: str, path: Path, summary: dict[str, Any], results: str) -> None:
        """Remember ``summary`` for this file (stored in the GX results file ``results``)."""
        self.entries[relative_path] = {
            "stamp": self._stamp(path),
            "suite_version": self.suite_version,
            "summary": summary,
            "results_file": results,
        }

    def save(self, keep: set[str]) -> None:
        """Write the cache, keeping only the files in ``keep`` (those still landed)."""
        self.entries = {name: entry for name, entry in self.entries.items() if name in keep}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self.entries, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)


def _summary(validation_dict: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in validation_dict.items() if key != "gx_results"}


@dataclass
class FileFindings:
    """One landing file's findings: validated now (``fresh``) or reused from the cache."""

    name: str
    summary: dict[str, Any]
    fresh: bool
    results_file: str = ""


def _files_table(findings: list[FileFindings]) -> str:
    lines = [
        "| file | rows | failing rows by rule | repeated ids | status |",
        "|---|---|---|---|---|",
    ]
    for found in findings[:_MAX_LISTED_FILES]:
        summary = found.summary
        failing = ", ".join(f"{label}: {count}" for label, count in summary["failing"].items())
        status = summary["error"] or ("bad values" if summary["failing"] else "ok")
        status += "" if found.fresh else " (checked earlier)"
        lines.append(
            f"| {found.name} | {summary['rows']} | {failing or '-'} | {summary['repeated_ids']} "
            f"| {status} |"
        )
    if len(findings) > _MAX_LISTED_FILES:
        lines.append(f"| ... {len(findings) - _MAX_LISTED_FILES} more | | | | |")
    return "\n".join(lines)


def _table_result(table: str, findings: list[FileFindings]) -> AssetCheckResult:
    failing: dict[str, int] = {}
    for found in findings:
        for label, count in found.summary["failing"].items():
            failing[label] = failing.get(label, 0) + count
    errors = [f.name for f in findings if f.summary["error"]]
    bad_files = [f.name for f in findings if f.summary["failing"]]
    rows = sum(f.summary["rows"] for f in findings)
    repeated = sum(f.summary["repeated_ids"] for f in findings)
    examples = {
        f.name: {rule["label"]: rule["examples"] for rule in f.summary["rules"] if rule["failing"]}
        for f in findings
        if f.summary["failing"]
    }
    repeated_examples = {
        f.name: f.summary["repeated_id_examples"] for f in findings if f.summary["repeated_ids"]
    }
    metadata: dict[str, Any] = {
        "files": len(findings),
        "files_validated_this_run": sum(1 for f in findings if f.fresh),
        "files_with_bad_values": len(bad_files),
        "files_with_errors": len(errors),
        "files_refused": len(errors),
        "rows": rows,
        "failing_rows": MetadataValue.json(failing),
        "rule_failures_total": sum(failing.values()),  # a row failing two rules counts twice
        "repeated_ids": repeated,
        "per_file": MetadataValue.md(_files_table(findings)),
        "failing_examples": MetadataValue.json(examples),
        "repeated_id_examples": MetadataValue.json(repeated_examples),
        "validation_results": MetadataValue.json(
            sorted({f.results_file for f in findings if f.results_file})
        ),
    }
    refusals = [refusal_reason(f.name, f.summary) for f in findings if f.summary["error"]]
    if refusals:
        metadata["refused_files"] = MetadataValue.md("\n".join(f"- {line}" for line in refusals))
    if not findings:
        description = f"no landing files of {table}"
    elif refusals:
        description = f"{len(refusals)} file(s) refused, not loaded: " + " ".join(refusals)
    elif failing:
        description = (
            f"{len(bad_files)} of {len(findings)} file(s) have bad values (dbt quarantines "
            "those rows): " + ", ".join(f"{label} {count}" for label, count in failing.items())
        )
    else:
        description = f"{len(findings)} file(s), {rows} rows: every value as the contract says"
    if repeated:
        description += f"; {repeated} repeated id(s) (allowed: re-exports)"
    return AssetCheckResult(
        asset_key=raw_key(table),
        check_name=LANDING_VALIDATION_CHECK_NAME,
        passed=not errors and not failing,
        severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
        metadata=metadata,
        description=description,
    )


def refusal_reason(name: str, summary: Mapping[str, Any]) -> str:
    """Why the landing file ``name`` is not loaded, and what to do about it (one line)."""
    if summary.get("missing_columns"):
        return (
            f"{name}: missing column(s) {', '.join(summary['missing_columns'])}; refused by "
            "the landing checks, not loaded. Re-export it with every column of its table "
            "(CONTRACT.md section 2) and put it in the landing folder again; the other "
            "files are loaded."
        )
    return (
        f"{name}: {summary['error']}; refused by the landing checks, not loaded. Fix or "
        "re-export the file (it is validated again on every run); the other files are loaded."
    )


@dataclass
class TableValidation:
    """The landing suite's verdict on every landing file of one table."""

    table: str
    findings: list[FileFindings]

    @property
    def refused(self) -> dict[str, str]:
        """Files that must not be loaded: landing-relative path -> reason and what to do."""
        return {
            f.name: refusal_reason(f.name, f.summary) for f in self.findings if f.summary["error"]
        }

    def check_result(self) -> AssetCheckResult:
        """The ``landing_file_expectations`` check result of ``raw/<table>``."""
        return _table_result(self.table, self.findings)


def validate_landing_files(
    files: list[LandingFile],
    landing_dir: Path,
    state_dir: Path,
    *,
    rows_per_chunk: int | None = None,
    workers: int | None = None,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    on_verdict: Callable[[str, str | None], None] | None = None,
) -> dict[str, TableValidation]:
    """Validate every landing file in ``files``, table by table (every raw table listed).

    The files of every table not validated before go to one pool of ``workers``
    (default ``OMNIREPORT_VALIDATION_WORKERS``) processes. Files are validated in the order
    of ``files`` (the load order), and ``on_verdict(relative_path, refusal)`` is called for
    each file as soon as its findings are known: ``refusal`` is why it must not be loaded,
    or None.
    """
    by_table: dict[str, list[LandingFile]] = {}
    for landing_file in files:
        if landing_file.table in RAW_TABLES_BY_NAME:
            by_table.setdefault(landing_file.table, []).append(landing_file)
    for table in RAW_TABLES:
        by_table.setdefault(table.name, [])
    return _validate_tables(
        by_table,
        landing_dir,
        state_dir,
        rows_per_chunk=rows_per_chunk,
        workers=workers,
        parallel_min_bytes=parallel_min_bytes,
        on_verdict=on_verdict,
    )


def _validate_tables(
    files_by_table: dict[str, list[LandingFile]],
    landing_dir: Path,
    state_dir: Path,
    *,
    rows_per_chunk: int | None,
    workers: int | None,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    on_verdict: Callable[[str, str | None], None] | None = None,
) -> dict[str, TableValidation]:
    from omnireport.validation.landing_suite import SUITE_VERSION
    from omnireport.validation.results_store import write_validation_result

    caches = {table: FindingsCache(state_dir, table, SUITE_VERSION) for table in files_by_table}
    cached = {
        (table, f.relative_path): caches[table].get(f.relative_path, f.path)
        for table, files in files_by_table.items()
        for f in files
    }
    jobs = [
        (table, f.path)
        for table, files in files_by_table.items()
        for f in files
        if cached[(table, f.relative_path)] is None
    ]
    validated = iter(
        validate_files(
            jobs,
            rows_per_chunk or chunk_rows(),
            validation_workers() if workers is None else workers,
            parallel_min_bytes=parallel_min_bytes,
        )
        if jobs
        else []
    )
    verdicts: dict[str, TableValidation] = {}
    for table, files in files_by_table.items():
        cache = caches[table]
        findings: list[FileFindings] = []
        fresh: list[tuple[FileFindings, dict[str, Any]]] = []
        for landing_file in files:
            entry = cached[(table, landing_file.relative_path)]
            if entry is not None:
                findings.append(
                    FileFindings(
                        landing_file.relative_path, entry["summary"], False, entry["results_file"]
                    )
                )
            else:
                as_dict = {"relative_path": landing_file.relative_path, **next(validated)}
                findings.append(FileFindings(landing_file.relative_path, _summary(as_dict), True))
                fresh.append((findings[-1], as_dict))
            if on_verdict is not None:
                found = findings[-1]
                on_verdict(
                    found.name,
                    refusal_reason(found.name, found.summary) if found.summary["error"] else None,
                )
        if fresh:
            path = str(
                write_validation_result(
                    state_dir,
                    f"landing_{table}",
                    {
                        "table": table,
                        "landing_dir": str(landing_dir),
                        "files": [as_dict for _, as_dict in fresh],
                    },
                )
            )
            for found, as_dict in fresh:
                found.results_file = path
                if as_dict["read_error"] is None:  # an unreadable file is read again next time
                    cache.put(found.name, Path(as_dict["path"]), found.summary, path)
        cache.save(keep={landing_file.relative_path for landing_file in files})
        verdicts[table] = TableValidation(table, findings)
    return verdicts


def landing_check_specs() -> list[AssetCheckSpec]:
    """The ``landing_file_expectations`` specs, one per raw table (reported by the load)."""
    return [
        AssetCheckSpec(
            LANDING_VALIDATION_CHECK_NAME,
            asset=raw_key(table.name),
            blocking=False,
            description=(
                f"Great Expectations on every landing file of `{table.name}`, before it is "
                "loaded: columns present, required values present, enumerations known, "
                "timestamps parseable; repeated ids reported. A file with a missing column "
                "or that cannot be read is refused (error, not loaded; the others load); bad "
                "values warn (dbt quarantines those rows)."
            ),
        )
        for table in RAW_TABLES
    ]
