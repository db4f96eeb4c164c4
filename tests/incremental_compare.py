"""What the incremental property tests share (DuckDB: test_incremental_equals_full_refresh.py,
Spark: test_spark_incremental.py): the generated batches, copied into a landing folder one
at a time, and the comparison of two builds' marts by grain."""

from __future__ import annotations

import shutil
from pathlib import Path

from omnireport.generate import GenerateConfig, generate
from tests.reference.compare import _same
from tests.reference.contract_reference import MART_KEYS

# The grain of every mart: the contract's (MART_KEYS) and the extra marts'.
GRAINS = {
    **MART_KEYS,
    "dim_tags": ["tag_id"],
    "fct_agent_participations": ["session_id", "user_id"],
    "metricflow_time_spine": ["date_day"],
    "fct_session_measures": ["session_id"],
    "fct_participation_measures": ["session_id", "user_id"],
}


def generate_batches(
    out: Path, *, seed: int, sessions: int, batches: int, bad_rate: float, dup_rate: float
) -> Path:
    """`omnireport generate` over 10 days in `batches` export batches, in mixed formats,
    with re-exports, late rows across batches and bad rows."""
    generate(
        GenerateConfig(
            out=out,
            sessions=sessions,
            seed=seed,
            batches=batches,
            days=10,
            bad_rate=bad_rate,
            dup_rate=dup_rate,
            format="mixed",
        )
    )
    return out


def copy_batch(generated: Path, landing: Path, batch: int, suffix: str = "") -> None:
    """Copy batch `batch` of every table into the landing folder (optionally renamed)."""
    for table_dir in sorted(p for p in generated.iterdir() if p.is_dir()):
        for file in sorted(table_dir.glob(f"batch_{batch:04d}.*")):
            destination = landing / table_dir.name
            destination.mkdir(parents=True, exist_ok=True)
            shutil.copy(file, destination / f"{file.stem}{suffix}{file.suffix}")


def differences(expected: dict[str, list[dict]], actual: dict[str, list[dict]]) -> list[str]:
    """Every difference by grain: missing or extra rows, duplicate keys, other values."""
    problems: list[str] = []
    if set(expected) != set(actual):
        problems.append(f"marts differ: {sorted(set(expected) ^ set(actual))}")
    for mart in sorted(set(expected) & set(actual)):
        keys = GRAINS.get(mart)
        if keys is None:
            problems.append(f"{mart}: no grain known; add it to GRAINS in this test")
            continue
        by_key: list[dict[tuple, dict]] = []
        for rows in (expected[mart], actual[mart]):
            keyed = {tuple(row[k] for k in keys): row for row in rows}
            if len(keyed) != len(rows):
                problems.append(f"{mart}: {len(rows) - len(keyed)} duplicate grain rows")
            by_key.append(keyed)
        want, got = by_key
        if not want:
            problems.append(
                f"{mart}: empty in the full refresh, the comparison would prove nothing"
            )
        for key in sorted(set(want) - set(got), key=str):
            problems.append(f"{mart}: row {key} missing from the incremental build")
        for key in sorted(set(got) - set(want), key=str):
            problems.append(f"{mart}: row {key} not in the full refresh")
        for key in sorted(set(want) & set(got), key=str):
            if set(want[key]) != set(got[key]):
                problems.append(f"{mart}: columns differ: {sorted(set(want[key]) ^ set(got[key]))}")
                break
            for column, value in want[key].items():
                if not _same(value, got[key][column], column):
                    problems.append(
                        f"{mart}: row {key} {column}: full {value!r}, incremental {got[key][column]!r}"
                    )
    return problems
