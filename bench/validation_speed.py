"""How fast the landing suite (Great Expectations) validates landing files: rows per second.

Runs ``orchestration.checks.landing.validate_landing_files`` (what
``omnireport run`` does before loading) on the given files or landing folders, with a
fresh state folder (no findings cache), and prints rows, seconds and rows/s per table and
in total, plus a digest of the findings (failing counts and examples per rule, repeated
ids, refusals) so two runs can be compared. Not part of the tests.

    .venv/bin/python bench/validation_speed.py bench/cache/sessions100000_days30_seed7/landing
    .venv/bin/python bench/validation_speed.py --baseline /tmp/old_src FILE_OR_DIR ...

``--baseline SRC`` first runs the same files with ``PYTHONPATH=SRC`` (a copy of an older
``src/`` folder, e.g. from ``git worktree``) and then the current code, each in its own
process, and prints both, the speed-up and whether the findings are identical.
``OMNIREPORT_VALIDATION_WORKERS`` and ``OMNIREPORT_VALIDATION_CHUNK_ROWS`` apply as in a run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Fields of a file's summary that describe how it was validated, not what was found.
_NOT_FINDINGS = {"seconds", "chunks", "gx_results", "gx_results_left_out", "path"}


def _landing_files(paths: list[Path]) -> tuple[list[Any], Path]:
    """Landing files of ``paths``: a landing folder, a table folder (``messages/``) or files."""
    from omnireport.contract import RAW_TABLES_BY_NAME
    from omnireport.validation.landing_suite import landing_file_for

    files: list[Any] = []
    for path in paths:
        if path.is_file():
            files.append(landing_file_for(path, path.parent.name))
        elif path.name in RAW_TABLES_BY_NAME:
            files.extend(landing_file_for(p, path.name) for p in sorted(path.iterdir()))
        else:
            for table in sorted(RAW_TABLES_BY_NAME):
                if (path / table).is_dir():
                    files.extend(
                        landing_file_for(p, table) for p in sorted((path / table).iterdir())
                    )
    return files, paths[0].parent


def measure(paths: list[Path]) -> dict[str, Any]:
    """Validate ``paths`` once (no cache) and return timings and a findings digest."""
    from orchestration.checks.landing import validate_landing_files

    files, root = _landing_files(paths)
    with tempfile.TemporaryDirectory(prefix="validation_speed_") as state:
        started = time.perf_counter()
        verdicts = validate_landing_files(files, root, Path(state))
        seconds = time.perf_counter() - started
    tables: dict[str, dict[str, Any]] = {}
    findings: dict[str, Any] = {}
    for table, verdict in verdicts.items():
        if not verdict.findings:
            continue
        rows = sum(found.summary["rows"] for found in verdict.findings)
        file_seconds = sum(found.summary["seconds"] for found in verdict.findings)
        tables[table] = {"files": len(verdict.findings), "rows": rows, "seconds": file_seconds}
        for found in verdict.findings:
            findings[found.name] = {
                key: value for key, value in found.summary.items() if key not in _NOT_FINDINGS
            }
            findings[found.name]["refusal"] = verdict.refused.get(found.name)
    text = json.dumps(findings, sort_keys=True)
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "files": len(files),
        "rows": sum(t["rows"] for t in tables.values()),
        "seconds": seconds,
        "tables": tables,
        "digest": hashlib.sha256(text.encode()).hexdigest()[:16],
        "findings": findings,
        "peak_rss_mb": round(usage / 1024, 1),
        "peak_child_rss_mb": round(children / 1024, 1),
    }


def _print(name: str, result: dict[str, Any]) -> None:
    print(
        f"== {name}: {result['files']} file(s), {result['rows']} rows in "
        f"{result['seconds']:.1f} s = {result['rows'] / result['seconds']:,.0f} rows/s "
        f"(peak RSS {result['peak_rss_mb']} MB, workers {result['peak_child_rss_mb']} MB; "
        f"findings digest {result['digest']})"
    )
    for table, numbers in result["tables"].items():
        print(
            f"   {table:<20} {numbers['files']:>4} file(s) {numbers['rows']:>9} rows "
            f"(time spent per file, summed: {numbers['seconds']:.1f} s)"
        )


def _run_in(src: str | None, paths: list[str]) -> dict[str, Any]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [sys.executable, __file__, "--json-out", out.name, *paths], env=env, check=True
        )
        return json.loads(Path(out.name).read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="landing files, table folders or landing folders")
    parser.add_argument("--baseline", help="src/ folder of the code to compare with")
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.json_out:
        result = measure([Path(p) for p in args.paths])
        Path(args.json_out).write_text(json.dumps(result), encoding="utf-8")
        return 0
    results = {}
    if args.baseline:
        results["before"] = _run_in(args.baseline, args.paths)
        _print("before", results["before"])
    results["after"] = _run_in(None, args.paths)
    _print("after" if args.baseline else "current", results["after"])
    if args.baseline:
        before, after = results["before"], results["after"]
        speedup = before["seconds"] / after["seconds"]
        same = before["findings"] == after["findings"]
        print(f"speed-up {speedup:.2f}x; findings identical: {same}")
        if not same:
            for name in sorted(set(before["findings"]) | set(after["findings"])):
                if before["findings"].get(name) != after["findings"].get(name):
                    print(f"   differs: {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
