"""The asset checks on the sample data, executed by Dagster.

The warehouse is built once (`omnireport run` on seeds/landing); tests that provoke a
failure work on a copy. The checks run in checks-only jobs. Expected numbers come from
the seed files read with Python's csv module, from the generator's own list of bad rows
(seeds/expected_quarantine.csv), or from dbt's reconciliation relation.
"""

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from omnireport.contract import RAW_TABLES
from orchestration.checks import build_asset_checks
from orchestration.checks.landing import LANDING_VALIDATION_CHECK_NAME
from orchestration.checks.marts import REPORT_CHECK_NAME
from orchestration.resources import WarehouseResource
from tests import sample

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds" / "landing"


def seed_records(table):
    """Every record of the table's seed files, read with Python's csv module."""
    records = []
    for path in sorted((SEEDS / table).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as stream:
            records.extend(csv.DictReader(stream))
    return records


@pytest.fixture(scope="module")
def built(sample_warehouse, tmp_path_factory):
    """A copy of the session's sample warehouse: running the checks writes their results
    into the warehouse's state folder."""
    return sample.copy_build(sample_warehouse, tmp_path_factory.mktemp("checks") / "built")


def copy_warehouse(warehouse, folder):
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "wh.duckdb"
    shutil.copyfile(warehouse, copy)
    return copy


def check_targets():
    keys = set()
    for checks in build_asset_checks():
        for spec in checks.check_specs:
            keys.add(spec.asset_key)
            keys.update(dep.asset_key for dep in spec.additional_deps)
    return keys


def run_checks(warehouse, landing=SEEDS, selection=None):
    """Execute the checks (all, or ``selection``) in process; evaluations by (asset, check)."""
    defs = dg.Definitions(
        assets=[dg.AssetSpec(key) for key in check_targets()],
        asset_checks=build_asset_checks(),
        jobs=[
            dg.define_asset_job(
                "checks_only", selection=selection or dg.AssetSelection.all_asset_checks()
            )
        ],
        resources={
            "warehouse": WarehouseResource(
                landing_dir=str(landing),
                warehouse=str(warehouse),
                dbt_project_dir=str(ROOT / "dbt_project"),
            )
        },
    )
    result = defs.resolve_job_def("checks_only").execute_in_process(raise_on_error=False)
    # a blocking check that fails fails its step too (that is how it blocks); anything
    # else is an error of the check itself
    errors = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    assert all("blocking asset check failed" in message for message in errors), errors
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def meta(evaluation, name):
    value = evaluation.metadata[name]
    return getattr(value, "value", value)


@pytest.fixture(scope="module")
def evaluations(built):
    return run_checks(built)


@pytest.fixture(scope="module")
def reconciliation(built):
    con = duckdb.connect(str(built), read_only=True)
    try:
        rows = con.execute("select * from audit.row_reconciliation").fetchall()
    finally:
        con.close()
    return {row[0]: row[1:] for row in rows}


def test_every_check_ran(evaluations):
    names = Counter(check for _, check in evaluations)
    assert names == {
        LANDING_VALIDATION_CHECK_NAME: len(sample.TABLES),
        REPORT_CHECK_NAME: 7,
        "data_freshness": 1,
        "raw_rows_reconciled": 1,
    }


def expected_quarantine():
    """(table, file) -> the bad rows the sample generator wrote there."""
    with (ROOT / "seeds" / "expected_quarantine.csv").open(newline="", encoding="utf-8") as stream:
        return Counter((row["table"], row["source_file"]) for row in csv.DictReader(stream))


def test_landing_checks_count_loaded_and_quarantined_rows_per_file(evaluations):
    bad = expected_quarantine()
    for table in RAW_TABLES:
        found = evaluations[(f"raw/{table.name}", LANDING_VALIDATION_CHECK_NAME)]
        files = sorted((SEEDS / table.name).glob("*.csv"))
        assert meta(found, "files") == len(files), table.name
        assert meta(found, "rows_loaded") == len(seed_records(table.name)), table.name
        expected_bad = sum(count for (name, _), count in bad.items() if name == table.name)
        assert meta(found, "rows_quarantined") == expected_bad, table.name
        assert meta(found, "refused_files") == {}
        assert not found.passed  # every sample table has a bad row
        assert found.severity == dg.AssetCheckSeverity.WARN


def test_landing_checks_name_each_file_and_rule(evaluations):
    sessions = meta(
        evaluations[("raw/sessions", LANDING_VALIDATION_CHECK_NAME)],
        "quarantined_rows_by_file_and_rule",
    )
    messages = meta(
        evaluations[("raw/messages", LANDING_VALIDATION_CHECK_NAME)],
        "quarantined_rows_by_file_and_rule",
    )
    # by hand from the seed files: status 'Done' in batch 1 and 'Closed' in batch 2;
    # direction 'Outgoing' and content_type 'emoji' in the messages of batch 2
    assert sessions["sessions/2026-03-09_batch1.csv: unknown status"] == 1
    assert sessions["sessions/2026-03-16_batch2.csv: unknown status"] == 1
    assert sessions["sessions/2026-03-16_batch2.csv: done_at before started_at"] == 1
    assert messages["messages/2026-03-16_batch2.csv: unknown direction"] == 1
    assert messages["messages/2026-03-16_batch2.csv: unknown content_type"] == 1
    unknown_status = sum(
        1
        for row in seed_records("sessions")
        if row["status"].strip(" ") and row["status"] not in {"open", "done"}
    )
    assert unknown_status == 2


def test_a_refused_file_fails_its_landing_check(built, tmp_path):
    warehouse = copy_warehouse(built, tmp_path / "refused")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "insert into raw._load_log values (999, 'tags', 'tags/broken.csv', 'x', 10, null, "
            "'failed', 'tags/broken.csv: missing column tag_name', now())"
        )
    finally:
        con.close()
    found = run_checks(warehouse)[("raw/tags", LANDING_VALIDATION_CHECK_NAME)]
    assert not found.passed
    assert found.severity == dg.AssetCheckSeverity.ERROR
    assert meta(found, "refused_files") == {
        "tags/broken.csv": "tags/broken.csv: missing column tag_name"
    }
    assert found.description == (
        "1 landing file(s) of tags refused (nothing of them loaded): "
        "tags/broken.csv: missing column tag_name"
    )
    assert meta(found, "suite_errors") == 0


def test_landing_results_are_files_a_user_can_open(evaluations):
    found = evaluations[("raw/sessions", LANDING_VALIDATION_CHECK_NAME)]
    path = meta(found, "validation_results")
    assert Path(path).parent.name == "validations"
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    assert stored["suite"] == "landing_files"
    outcomes = {o["label"]: o for o in stored["sessions"]["outcomes"]}
    assert outcomes["file refused"]["failing"] == 0
    assert outcomes["rows quarantined"]["failing"] == 2  # both session files have bad rows
    assert stored["sessions"]["gx_result"]["success"] is False


def test_report_marts_pass_on_the_sample(evaluations, built):
    for table in ("rpt_overview_daily", "rpt_daily_stats", "rpt_tag_stats"):
        found = evaluations[(f"marts/{table}", REPORT_CHECK_NAME)]
        assert found.passed, found.description
        assert found.severity == dg.AssetCheckSeverity.ERROR
        assert meta(found, "failing_rows") == {}
    results = Path(
        meta(evaluations[("marts/rpt_daily_stats", REPORT_CHECK_NAME)], "validation_results")
    )
    assert results.parent == built.parent / ".omnireport" / built.stem / "validations"
    assert results.name.endswith("_report_marts.json")
    assert json.loads(results.read_text(encoding="utf-8"))["passed"] is True


def test_reconciliation_passes_with_the_numbers(evaluations):
    found = evaluations[("audit/row_reconciliation", "raw_rows_reconciled")]
    assert found.passed
    total = sum(len(seed_records(table.name)) for table in RAW_TABLES)
    assert meta(found, "total_raw_rows") == total
    counts = meta(found, "counts_by_table")["sessions"]
    assert counts["raw_rows"] == len(seed_records("sessions"))
    assert counts["raw_rows"] == (
        counts["staged_rows"] + counts["quarantined_rows"] + counts["superseded_rows"]
    )


def test_freshness_warns_on_old_data_and_passes_with_a_wide_window(built, monkeypatch):
    monkeypatch.setenv("OMNIREPORT_FRESHNESS_HOURS", str(24 * 365 * 100))
    selection = dg.AssetSelection.checks(
        dg.AssetCheckKey(dg.AssetKey(["staging", "stg_crm__messages"]), "data_freshness")
    )
    wide = run_checks(built, selection=selection)[("staging/stg_crm__messages", "data_freshness")]
    assert wide.passed
    # the newest sent_at in the seed files (none later in tag or status events, sessions)
    assert meta(wide, "newest_event_at") == "2026-03-15T20:05:00Z"
    monkeypatch.setenv("OMNIREPORT_FRESHNESS_HOURS", "1")
    narrow = run_checks(built, selection=selection)[("staging/stg_crm__messages", "data_freshness")]
    assert not narrow.passed
    assert narrow.severity == dg.AssetCheckSeverity.WARN
    assert meta(narrow, "age_hours") > 1


def build_then_publish(warehouse):
    """Run a stand-in for the dbt model rpt_daily_stats, its checks, then a publish step.

    Returns the report check's evaluation and whether publish ran.
    """
    rpt_daily = dg.AssetKey(["marts", "rpt_daily_stats"])
    published = []

    @dg.asset(key=rpt_daily)
    def rpt_daily_stats():
        """Stands in for the dbt model (already built in the warehouse)."""

    @dg.asset(deps=[rpt_daily])
    def publish():
        published.append(True)

    others = [dg.AssetSpec(key) for key in check_targets() if key != rpt_daily]
    defs = dg.Definitions(
        assets=[rpt_daily_stats, publish, *others],
        asset_checks=build_asset_checks(),
        jobs=[
            dg.define_asset_job("build", selection=dg.AssetSelection.assets(rpt_daily, "publish"))
        ],
        resources={
            "warehouse": WarehouseResource(
                landing_dir=str(SEEDS),
                warehouse=str(warehouse),
                dbt_project_dir=str(ROOT / "dbt_project"),
            )
        },
    )
    result = defs.resolve_job_def("build").execute_in_process(raise_on_error=False)
    (found,) = result.get_asset_check_evaluations()
    assert (found.asset_key, found.check_name) == (rpt_daily, REPORT_CHECK_NAME)
    return found, bool(published)


def test_a_good_report_is_published(built, tmp_path):
    found, published = build_then_publish(copy_warehouse(built, tmp_path / "good_report"))
    assert found.passed
    assert published


def test_a_bad_report_fails_and_blocks_the_publish(built, tmp_path):
    warehouse = copy_warehouse(built, tmp_path / "bad_report")
    con = duckdb.connect(str(warehouse))
    try:
        first = con.execute(
            "select started_date, support_type from marts.rpt_daily_stats "
            "order by started_date, support_type limit 1"
        ).fetchone()
        con.execute(
            "update marts.rpt_daily_stats set pct_complete = 120 "
            "where started_date = ? and support_type = ?",
            list(first),
        )
    finally:
        con.close()
    found, published = build_then_publish(warehouse)
    assert not found.passed
    assert found.severity == dg.AssetCheckSeverity.ERROR
    assert meta(found, "failing_rows") == {"pct_complete outside 0-100": 1}
    (example,) = meta(found, "failing_examples")["pct_complete outside 0-100"]
    assert example["pct_complete"] == 120.0
    assert example["support_type"] == first[1]
    assert example["started_date"].startswith(first[0].isoformat())
    assert not published  # the blocking check kept the publish step from running


def run_reconciliation_check(warehouse):
    """The result of the reconciliation check alone on ``warehouse``."""
    selection = dg.AssetSelection.checks(
        dg.AssetCheckKey(dg.AssetKey(["audit", "row_reconciliation"]), "raw_rows_reconciled")
    )
    return run_checks(warehouse, selection=selection)[
        ("audit/row_reconciliation", "raw_rows_reconciled")
    ]


def test_a_reconciliation_gap_fails(built, tmp_path):
    warehouse = copy_warehouse(built, tmp_path / "gap")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("alter table audit.row_reconciliation rename to row_reconciliation_built")
        con.execute(
            "create view audit.row_reconciliation as select table_name, raw_rows, "
            "staged_rows - case when table_name = 'messages' then 1 else 0 end as staged_rows, "
            "quarantined_rows, superseded_rows from audit.row_reconciliation_built"
        )
    finally:
        con.close()
    found = run_reconciliation_check(warehouse)
    assert not found.passed
    assert found.severity == dg.AssetCheckSeverity.ERROR
    assert meta(found, "mismatched_tables") == 1
    assert "messages: raw" in found.description and "(+1)" in found.description


def test_a_file_that_does_not_reconcile_is_named(built, tmp_path):
    warehouse = copy_warehouse(built, tmp_path / "file_gap")
    con = duckdb.connect(str(warehouse))
    try:
        (load_id, path) = con.execute(
            "select counts._load_id, log.file_path from audit.row_reconciliation_by_load as counts "
            "join raw._load_log as log on log.load_id = counts._load_id "
            "where counts.table_name = 'messages' order by counts._load_id limit 1"
        ).fetchone()
        # A staged row lost in that file: its counts, and its table's sum, no longer add up.
        con.execute(
            "update audit.row_reconciliation_by_load set staged_rows = staged_rows - 1 where _load_id = ?",
            [load_id],
        )
        con.execute(
            "update audit.row_reconciliation set staged_rows = staged_rows - 1 where table_name = 'messages'"
        )
    finally:
        con.close()
    found = run_reconciliation_check(warehouse)
    assert not found.passed
    assert f"(+1), in {path} (+1)" in found.description
