"""Differential test: dbt marts vs the independent pandas reference, on generated data.

For a few seeds, `omnireport.generate` writes ~200-300 sessions over 3 batches full of
edge cases; the landing folder is loaded into a temporary DuckDB file, built with dbt, and
every mart is compared with `tests.reference.contract_reference.compute_marts` grain by grain.
The first seed runs `dbt build --exclude-resource-type unit_test` (seeds, models and data
tests); the others leave the data tests out too (they add nothing to the comparison and cost
about 40 s each on this machine), so the whole module stays near 90 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from omnireport.generate import GenerateConfig, generate
from omnireport.landing.loader import load_landing
from tests.reference.compare import compare_warehouse
from tests.reference.contract_reference import compute_marts

pytestmark = pytest.mark.integration

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")

# (seed, sessions, format, bad rate, dup rate, run the data tests)
CASES = (
    (101, 260, "csv", 0.01, 0.02, True),
    (202, 220, "mixed", 0.03, 0.06, False),
)


@pytest.fixture(scope="module")
def dbt_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One target path for the module, so the second dbt run reuses the parsed project."""
    return tmp_path_factory.mktemp("dbt_target")


@pytest.mark.parametrize(("seed", "sessions", "fmt", "bad_rate", "dup_rate", "data_tests"), CASES)
def test_marts_match_the_reference(
    tmp_path: Path,
    dbt_target: Path,
    seed: int,
    sessions: int,
    fmt: str,
    bad_rate: float,
    dup_rate: float,
    data_tests: bool,
) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "warehouse.duckdb"
    generate(
        GenerateConfig(
            out=landing,
            sessions=sessions,
            seed=seed,
            batches=3,
            days=10,
            bad_rate=bad_rate,
            dup_rate=dup_rate,
            format=fmt,
        )
    )
    loaded = load_landing(landing, warehouse)
    assert loaded.ok, [(f.path, f.error) for f in loaded.failed]

    arguments = [str(DBT), "build", "--exclude-resource-type", "unit_test"]
    if not data_tests:
        arguments += ["--exclude-resource-type", "test"]
    arguments += [
        "--profiles-dir",
        ".",
        "--target-path",
        str(dbt_target / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    env = {**os.environ, "OMNIREPORT_WAREHOUSE": str(warehouse)}
    result = subprocess.run(
        arguments, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"dbt build failed for seed {seed}:\n{result.stdout[-4000:]}"

    reference = compute_marts(landing)
    differences = compare_warehouse(warehouse, reference)
    if differences:
        print(f"seed {seed}: {len(differences)} differences, the first 50:")
        print("\n".join(differences[:50]))
    assert differences == [], (
        f"seed {seed}: {len(differences)} differences (first: {differences[0]})"
    )
