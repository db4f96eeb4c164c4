"""Where a build's time went: dbt's per-node timings from a run_results.json.

    .venv/bin/python bench/dbt_timings.py <warehouse.duckdb | run_results.json> [--top 15]

`omnireport run` keeps dbt's target folder per warehouse under
``<warehouse folder>/.omnireport/<warehouse stem>/dbt_target``; the benchmark calls this
after its full and incremental steps, so each result says which models and tests cost most.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def run_results_path(path: Path) -> Path:
    """The run_results.json of a warehouse file, or the path itself when it is one."""
    if path.name == "run_results.json":
        return path
    return path.parent / ".omnireport" / path.stem / "dbt_target" / "run_results.json"


def node_timings(path: Path) -> list[tuple[str, float]]:
    """(unique_id, seconds) of every node of the last dbt invocation, slowest first."""
    results = json.loads(run_results_path(path).read_text(encoding="utf-8"))["results"]
    timings = [
        (result["unique_id"], float(result.get("execution_time") or 0.0)) for result in results
    ]
    return sorted(timings, key=lambda item: item[1], reverse=True)


def summary(path: Path, top: int = 15) -> dict[str, object]:
    """Total node seconds per resource type and the `top` slowest nodes."""
    timings = node_timings(path)
    by_type: dict[str, float] = defaultdict(float)
    for unique_id, seconds in timings:
        by_type[unique_id.split(".")[0]] += seconds
    return {
        "node_seconds_by_type": {
            kind: round(seconds, 2) for kind, seconds in sorted(by_type.items())
        },
        "slowest_nodes": [[unique_id, round(seconds, 2)] for unique_id, seconds in timings[:top]],
    }


def format_summary(name: str, data: dict[str, object]) -> str:
    lines = [f"dbt node time of '{name}' (seconds, summed over 2 threads):"]
    by_type = data["node_seconds_by_type"]
    assert isinstance(by_type, dict)
    lines.append("  " + ", ".join(f"{kind} {seconds:,.1f}" for kind, seconds in by_type.items()))
    slowest = data["slowest_nodes"]
    assert isinstance(slowest, list)
    for unique_id, seconds in slowest:
        lines.append(f"  {seconds:>8,.2f}  {unique_id}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a warehouse .duckdb file or a run_results.json")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    print(format_summary(args.path.name, summary(args.path, args.top)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
