"""Asset checks of omnireport beyond the dbt tests (which dagster-dbt turns into checks).

| check | asset(s) | severity | blocking |
|---|---|---|---|
| ``landing_file_expectations`` | ``raw/<table>`` (11) | WARN; ERROR: file refused | no (1) |
| ``report_expectations`` | ``marts/rpt_*`` (7) | ERROR | yes |
| ``data_freshness`` | ``staging/stg_crm__messages`` | WARN | no |
| ``raw_rows_reconciled`` | ``audit/row_reconciliation`` | ERROR | yes |

(1) The landing checks are reported by the landing load itself, which validates every
landing file before it loads any (``checks.landing``): a refused file (missing column,
unreadable) is not loaded, the others are. They are the load's ``check_specs``, not in
``build_asset_checks``.

Great Expectations suites live in ``omnireport.validation``; their results are stored as
JSON under ``<warehouse dir>/.omnireport/<warehouse stem>/validations/``. Building the
checks is cheap: nothing heavy (GX, pandas, a database) is imported or opened until a
check runs. Every check needs the ``warehouse`` resource (``WarehouseResource``).
"""

from __future__ import annotations

from dagster import AssetChecksDefinition

from orchestration.checks.freshness import build_freshness_check
from orchestration.checks.marts import build_report_checks
from orchestration.checks.reconciliation import build_reconciliation_check


def build_asset_checks(*, include_dbt: bool = True) -> list[AssetChecksDefinition]:
    """The checks above on dbt's assets (none when ``include_dbt=False``)."""
    if not include_dbt:
        return []
    return [build_report_checks(), build_freshness_check(), build_reconciliation_check()]


__all__ = ["build_asset_checks"]
