"""Great Expectations 1.x on pandas DataFrames: rules as data, one suite runner, plain outcomes.

GX's SQL path is broken on DuckDB (every expectation fails with ``list index out of
range``), so every suite validates DataFrames through the pandas path: an ephemeral
context (no files, no analytics, no progress bars), one pandas data source, one
DataFrame asset with a whole-DataFrame batch definition, an ``ExpectationSuite`` and a
``ValidationDefinition`` run with ``batch_parameters={"dataframe": df}``.

A ``Rule`` is one expectation with a readable label (``unknown status``); running a
suite gives one ``RuleOutcome`` per rule (rows checked, rows failing, a few failing
examples) and GX's own result as a JSON-ready dict.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Examples kept per failing rule (values and the columns that locate the row).
EXAMPLES_PER_RULE = 5
# Values GX lists per failing expectation in its SUMMARY result.
PARTIAL_UNEXPECTED_COUNT = 20


@dataclass(frozen=True)
class Rule:
    """One expectation: ``expectation`` is a GX class name (``ExpectColumnValuesToBeInSet``).

    ``label`` names the failure the way a person says it (``unknown status``);
    ``example_columns`` are shown with each failing value to locate its row.
    """

    label: str
    expectation: str
    kwargs: Mapping[str, Any]
    example_columns: tuple[str, ...] = ()

    @property
    def column(self) -> str | None:
        """The column the rule reads, if it reads one."""
        return self.kwargs.get("column")


@dataclass
class RuleOutcome:
    """What one rule found in one DataFrame (or, summed, in many)."""

    label: str
    expectation: str
    column: str | None
    checked: int = 0
    failing: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        """True when no row failed and GX raised nothing."""
        return self.failing == 0 and self.error is None

    def add(self, other: RuleOutcome) -> None:
        """Add the counts (and, up to the limit, the examples) of ``other``."""
        self.checked += other.checked
        self.failing += other.failing
        room = EXAMPLES_PER_RULE - len(self.examples)
        if room > 0:
            self.examples.extend(other.examples[:room])
        self.error = self.error or other.error

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "label": self.label,
            "expectation": self.expectation,
            "column": self.column,
            "checked": self.checked,
            "failing": self.failing,
            "examples": self.examples,
            "error": self.error,
        }


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: NaN/NaT to None, timestamps and dates as ISO text."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, int | float):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None if math.isnan(value) else str(value)
    if isinstance(value, int | float):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


# GX probes these optional Spark Connect modules at import and expects an ImportError when
# they cannot load. With pyspark installed (the `spark` extra) but not Spark Connect's
# grpc, pyspark's check calls sys.exit(0) instead whenever `__main__` has neither a file
# nor a spec, as in Dagster's run worker: the run step would end as if interrupted. GX is
# used on pandas only, so those modules are hidden while GX imports.
_SPARK_CONNECT_MODULES = ("pyspark.sql.connect.dataframe", "pyspark.sql.connect.session")


# Held while GX imports: a caller waits for an import under way in the background instead
# of seeing the half-initialised module in sys.modules.
_IMPORT_LOCK = threading.Lock()


def import_great_expectations() -> Any:
    """``great_expectations``, imported without Spark Connect (see above)."""
    with _IMPORT_LOCK:
        if "great_expectations" in sys.modules:
            return sys.modules["great_expectations"]
        hidden = [name for name in _SPARK_CONNECT_MODULES if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
        try:
            import great_expectations
        finally:
            for name in hidden:
                if sys.modules.get(name, 0) is None:
                    del sys.modules[name]
        return great_expectations


_background_import: threading.Thread | None = None


def import_in_background() -> None:
    """Start importing GX in a thread. Importing GX takes about 2 s of CPU; the dbt step
    starts it once dbt's build runs in its own process, so the checks after the build find
    GX imported. ``wait_for_background_import`` ends it before the process may exit."""
    global _background_import
    if "great_expectations" in sys.modules or _background_import is not None:
        return
    _background_import = threading.Thread(
        target=import_great_expectations, name="gx-import", daemon=True
    )
    _background_import.start()


def wait_for_background_import() -> None:
    """Wait for an import started by ``import_in_background`` (an interpreter that exits
    while a thread imports can fail)."""
    global _background_import
    if _background_import is not None:
        _background_import.join()
        _background_import = None


def new_context() -> Any:
    """An ephemeral GX context: nothing written to disk, no analytics, no progress bars."""
    gx = import_great_expectations()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


class SuiteRunner:
    """One GX suite over DataFrames of one shape, ready to run many times (chunks, files).

    Build it once per suite and process: building costs a fraction of a second, a run
    about that plus the work on the rows.
    """

    def __init__(self, suite_name: str, rules: Sequence[Rule], *, context: Any = None) -> None:
        gx = import_great_expectations()
        import great_expectations.expectations as gxe

        self.suite_name = suite_name
        self.rules = list(rules)
        self.context = context if context is not None else new_context()
        source = self.context.data_sources.add_pandas(f"{suite_name}_source")
        asset = source.add_dataframe_asset(f"{suite_name}_frames")
        batch = asset.add_batch_definition_whole_dataframe(f"{suite_name}_whole_frame")
        suite = self.context.suites.add(gx.ExpectationSuite(name=suite_name))
        for rule in self.rules:
            expectation_class = getattr(gxe, rule.expectation)
            suite.add_expectation(expectation_class(**rule.kwargs, meta={"label": rule.label}))
        self._validation = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite_name}_validation", data=batch, suite=suite)
        )

    def run(self, frame: pd.DataFrame) -> tuple[list[RuleOutcome], dict[str, Any]]:
        """Validate ``frame``: one outcome per rule (in rule order) and GX's result as a dict."""
        result = self._validation.run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT,
            },
        )
        by_label = {
            (item.expectation_config.meta or {}).get("label"): item for item in result.results
        }
        outcomes = [_outcome(rule, by_label.get(rule.label), frame) for rule in self.rules]
        return outcomes, jsonable(result.to_json_dict())


def _outcome(rule: Rule, item: Any, frame: pd.DataFrame) -> RuleOutcome:
    outcome = RuleOutcome(rule.label, rule.expectation, rule.column)
    if item is None:
        outcome.error = f"GX returned no result for '{rule.label}'"
        return outcome
    info = item.exception_info or {}
    if info.get("raised_exception"):
        outcome.error = str(info.get("exception_message") or "GX raised an exception")
        return outcome
    details = item.result or {}
    if rule.column is None:  # a table-level expectation: it passes or fails as a whole
        outcome.checked = 1
        outcome.failing = 0 if item.success else 1
        if not item.success:
            outcome.examples = [jsonable(details)]
        return outcome
    outcome.checked = int(details.get("element_count") or 0)
    outcome.failing = int(details.get("unexpected_count") or 0)
    outcome.examples = _examples(rule, details, frame)
    return outcome


def _examples(rule: Rule, details: Mapping[str, Any], frame: pd.DataFrame) -> list[dict[str, Any]]:
    indexes = list(details.get("partial_unexpected_index_list") or [])[:EXAMPLES_PER_RULE]
    values = list(details.get("partial_unexpected_list") or [])[:EXAMPLES_PER_RULE]
    columns = [name for name in (*rule.example_columns, rule.column) if name in frame.columns]
    columns = list(dict.fromkeys(columns))
    if indexes and columns:
        rows = frame.loc[[index for index in indexes if index in frame.index], columns]
        return [jsonable(record) for record in rows.to_dict(orient="records")]
    return [{rule.column or "value": jsonable(value)} for value in values]
