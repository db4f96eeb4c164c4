"""`--reader-text redacted`: the dbt macro redact_text (the patterns of var
reader_redactions), compiled by dbt and run by DuckDB, turns each Vietnamese and English
sample of tests/redaction_samples.py into its hand-written redaction. The PostgreSQL test
module runs the same compiled SQL on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.redaction_samples import SAMPLES

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
PREFIX, SUFFIX = "select ", " as redacted"


def redaction_expression(work_dir: Path) -> str:
    """The SQL expression redact_text('sample_text') compiles to (DuckDB target; PostgreSQL's
    macros render the same text)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    env["OMNIREPORT_WAREHOUSE"] = str(work_dir / "compile.duckdb")
    done = subprocess.run(
        [
            str(DBT),
            "--quiet",
            "compile",
            "--inline",
            f"{PREFIX}{{{{ omnireport.redact_text('sample_text') }}}}{SUFFIX}",
            "--profiles-dir",
            ".",
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        cwd=REPO / "dbt_project",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    compiled = done.stdout.strip()
    assert compiled.startswith(PREFIX) and compiled.endswith(SUFFIX), compiled
    return compiled[len(PREFIX) : -len(SUFFIX)]


@pytest.fixture(scope="module")
def expression(tmp_path_factory: pytest.TempPathFactory) -> str:
    return redaction_expression(tmp_path_factory.mktemp("redaction"))


def test_every_sample_is_redacted_as_written_on_duckdb(expression: str) -> None:
    con = duckdb.connect()
    try:
        con.execute("create table samples (i integer, sample_text varchar)")
        con.executemany("insert into samples values (?, ?)", list(enumerate(t for t, _ in SAMPLES)))
        got = con.execute(f"select {expression} from samples order by i").fetchall()
    finally:
        con.close()
    assert [row[0] for row in got] == [expected for _, expected in SAMPLES]


def test_null_stays_null(expression: str) -> None:
    con = duckdb.connect()
    try:
        (value,) = con.execute(
            f"select {expression} from (select null::varchar as sample_text)"
        ).fetchone()
    finally:
        con.close()
    assert value is None
