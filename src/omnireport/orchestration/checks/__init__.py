"""Asset checks of omnireport beyond the dbt tests (which dagster-dbt turns into checks).

| check | asset(s) | severity | blocking |
|---|---|---|---|
| ``landing_file_expectations`` | ``raw/<table>`` (11) | WARN; ERROR: missing column | no |
| ``report_expectations`` | ``marts/rpt_*`` (7) | ERROR | yes |
| ``data_freshness`` | ``staging/stg_crm__messages`` | WARN | no |
| ``raw_rows_reconciled`` | ``audit/row_reconciliation`` | ERROR | yes |

Great Expectations suites live in ``omnireport.validation``; their results are stored as
JSON under ``<warehouse dir>/.omnireport/<warehouse stem>/validations/``. Building the
checks is cheap: nothing heavy (GX, pandas, a database) is imported or opened until a
check runs. Every check needs the ``warehouse`` resource (``WarehouseResource``).
"""

from __future__ import annotations

from dagster import AssetChecksDefinition

from omnireport.orchestration.checks.freshness import build_freshness_check
from omnireport.orchestration.checks.landing import build_landing_checks
from omnireport.orchestration.checks.marts import build_report_checks
from omnireport.orchestration.checks.reconciliation import build_reconciliation_check


def build_asset_checks(*, include_dbt: bool = True) -> list[AssetChecksDefinition]:
    """Every check above; ``include_dbt=False`` keeps only those on the raw tables."""
    checks = [build_landing_checks()]
    if include_dbt:
        checks += [build_report_checks(), build_freshness_check(), build_reconciliation_check()]
    return checks


__all__ = ["build_asset_checks"]
