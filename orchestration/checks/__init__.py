"""Asset checks of omnireport beyond the dbt tests (which dagster-dbt turns into checks).

| check | asset(s) | severity | blocking |
|---|---|---|---|
| ``landing_file_expectations`` | ``raw/<table>`` (one per table) | WARN; ERROR: file refused | no |
| ``report_expectations`` | ``marts/rpt_*`` (7) | ERROR | yes |
| ``data_freshness`` | ``staging/stg_crm__messages`` | WARN | no |
| ``raw_rows_reconciled`` | ``audit/row_reconciliation`` | ERROR | yes |

The landing checks run after the build, on what each landing file became (the load log
and the quarantine counts per rule); the loader's own ``landing_files_loaded`` check
says at once which files it could not read.

Great Expectations suites (``gx_runtime``, ``landing``, ``marts_suite``) keep their
results as JSON under ``<warehouse dir>/.omnireport/<warehouse stem>/validations/``. Building the
checks is cheap: nothing heavy (GX, pandas, a database) is imported or opened until a
check runs. Every check needs the ``warehouse`` resource (``WarehouseResource``).
"""

from __future__ import annotations

from dagster import AssetChecksDefinition

from orchestration.checks.freshness import build_freshness_check
from orchestration.checks.landing import build_landing_checks
from orchestration.checks.marts import build_report_checks
from orchestration.checks.reconciliation import build_reconciliation_check


def build_asset_checks(*, include_dbt: bool = True) -> list[AssetChecksDefinition]:
    """The checks above on dbt's assets (none when ``include_dbt=False``)."""
    if not include_dbt:
        return []
    return [
        build_landing_checks(),
        build_report_checks(),
        build_freshness_check(),
        build_reconciliation_check(),
    ]


__all__ = ["build_asset_checks"]
