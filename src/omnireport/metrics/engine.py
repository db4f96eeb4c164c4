"""MetricFlow as a compiler: metric queries in, DuckDB SQL out.

``SemanticLayer`` wraps a ``MetricFlowEngine`` built on the semantic manifest with a
compile-only SQL client: MetricFlow plans the query and renders it in DuckDB's dialect
(the same SQL ``mf query --explain`` prints), and never connects to a database; the
caller runs the SQL (``omnireport.metrics.execute``). Names are MetricFlow's own, so a
query means the same here and in ``mf query``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow.engine.models import Dimension, Entity, Metric, SavedQuery
    from metricflow_semantic_interfaces.implementations.semantic_manifest import (
        PydanticSemanticManifest,
    )

METRIC_TIME = "metric_time"
# The day is the finest grain of every time dimension here (local dates).
TIME_GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Quoted literals and {{ ... }} templates in a where clause: left as they are.
_PROTECTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\{\{.*?\}\}", re.S)
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*(?![\w(])")
_SAVED_GROUP_BY = re.compile(
    r"""^\s*(Dimension|Entity|TimeDimension)\(\s*'([^']+)'\s*(?:,\s*'([^']+)'\s*)?\)\s*$"""
)


class QueryError(ValueError):
    """A query that cannot be answered as asked: an unknown name, a bad filter."""


@dataclass(frozen=True)
class MetricQuery:
    """One question to the semantic layer: metrics by group-bys, or a saved query."""

    metrics: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    saved_query: str | None = None
    where: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    order_by: tuple[str, ...] = ()
    limit: int | None = None


@dataclass(frozen=True)
class CompiledQuery:
    """The SQL of a query and what its columns are."""

    sql: str
    metrics: tuple[str, ...]
    group_by: tuple[str, ...]
    order_by: tuple[str, ...] = field(default=())


class _CompileOnlyClient:
    """The SQL client MetricFlow plans and renders with: DuckDB's dialect, no connection."""

    def __init__(self) -> None:
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self.sql_engine_type = SqlEngine.DUCKDB
        self.sql_plan_renderer = DuckDbSqlPlanRenderer()

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise RuntimeError(
            "omnireport.metrics compiles queries only: run the SQL on the published snapshot"
        )

    query = execute = dry_run = render_bind_parameter_key = _refuse

    def close(self) -> None:
        return None


def _split_names(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


class SemanticLayer:
    """The metrics, dimensions and saved queries of one semantic manifest, and its compiler."""

    def __init__(self, manifest: PydanticSemanticManifest) -> None:
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        self._manifest = manifest
        self._engine: MetricFlowEngine = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(manifest),
            sql_client=_CompileOnlyClient(),
        )
        self._all_names: frozenset[str] | None = None

    # ------------------------------------------------------------------ catalogue

    def metrics(self) -> list[Metric]:
        """Every metric, sorted by name."""
        return sorted(self._engine.list_metrics(include_dimensions=False), key=lambda m: m.name)

    def metric_names(self) -> list[str]:
        return [metric.name for metric in self.metrics()]

    def saved_queries(self) -> list[SavedQuery]:
        """Every saved query, sorted by name."""
        return sorted(self._engine.list_saved_queries(), key=lambda q: q.name)

    def saved_query_names(self) -> list[str]:
        return [query.name for query in self.saved_queries()]

    def group_bys(self, metric_names: Sequence[str]) -> list[Entity | Dimension]:
        """The entities and dimensions every one of ``metric_names`` can be grouped by."""
        return list(self._engine.list_group_bys(list(metric_names)))

    def group_by_names(self, metric_names: Sequence[str]) -> list[str]:
        """Names to pass to --group-by for ``metric_names``: time dimensions with each grain."""
        from metricflow.engine.models import Dimension

        names: set[str] = set()
        for item in self.group_bys(metric_names):
            if not isinstance(item, Dimension):
                names.add(item.name)
            elif item.type_params is not None and item.type_params.time_granularity is not None:
                base = item.dunder_name.removesuffix("__day")
                names.update(f"{base}__{grain}" for grain in TIME_GRAINS)
            else:
                names.add(item.dunder_name)

        def order(name: str) -> tuple[bool, str, int]:
            base, _, grain = name.rpartition("__")
            if grain in TIME_GRAINS:
                return (not name.startswith(METRIC_TIME), base, TIME_GRAINS.index(grain))
            return (True, name, -1)

        return sorted(names, key=order)

    def dimensions(self) -> list[Dimension]:
        """Every dimension of every semantic model."""
        return list(self._engine.list_dimensions())

    def _every_group_by_name(self) -> frozenset[str]:
        """Every name a filter may use: dimensions (with grains), entities, metric_time."""
        if self._all_names is None:
            names = {f"{METRIC_TIME}__{grain}" for grain in TIME_GRAINS}
            for semantic_model in self._manifest.semantic_models:
                prefix = semantic_model.primary_entity or next(
                    (e.name for e in semantic_model.entities if e.type.value == "primary"), ""
                )
                names.update(entity.name for entity in semantic_model.entities)
                for dimension in semantic_model.dimensions:
                    base = f"{prefix}__{dimension.name}"
                    if dimension.type.value == "time":
                        names.update(f"{base}__{grain}" for grain in TIME_GRAINS)
                    names.add(base)
            for semantic_model in self._manifest.semantic_models:
                for entity in semantic_model.entities:
                    for other in self._manifest.semantic_models:
                        if any(
                            e.name == entity.name and e.type.value == "primary"
                            for e in other.entities
                        ):
                            names.update(f"{entity.name}__{d.name}" for d in other.dimensions)
            self._all_names = frozenset(names)
        return self._all_names

    # ------------------------------------------------------------------ checks

    def check_metrics(self, metrics: Sequence[str]) -> None:
        known = self.metric_names()
        unknown = [name for name in metrics if name not in known]
        if unknown:
            raise QueryError(
                f"unknown metric{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
                f"Valid metrics: {', '.join(known)} (`omnireport metrics list` describes them)"
            )

    def _check_group_by(self, metrics: Sequence[str], group_by: Sequence[str]) -> None:
        valid = self.group_by_names(metrics)
        unknown = [name for name in group_by if name not in valid]
        if unknown:
            raise QueryError(
                f"unknown group-by {', '.join(unknown)} for {', '.join(metrics)}. "
                f"Valid group-bys for these metrics: {', '.join(valid)}"
            )

    def _check_saved_query(self, name: str) -> None:
        known = self.saved_query_names()
        if name not in known:
            raise QueryError(f"unknown saved query {name}. Saved queries: {', '.join(known)}")

    def saved_query_shape(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(metrics, group-by names) of the saved query ``name``."""
        self._check_saved_query(name)
        query = next(q for q in self.saved_queries() if q.name == name)
        params = query.query_params
        group_by: list[str] = []
        for item in params.group_by:
            match = _SAVED_GROUP_BY.match(item)
            if match is None:
                raise QueryError(f"saved query {name}: cannot read its group-by {item!r}")
            kind, element, grain = match.groups()
            group_by.append(f"{element}__{grain}" if kind == "TimeDimension" and grain else element)
        return tuple(params.metrics), tuple(group_by)

    # ------------------------------------------------------------------ compile

    def templated_where(self, where: str) -> str:
        """``where`` with every bare group-by name (``session__channel_type``) written as
        MetricFlow's template (``{{ Dimension('session__channel_type') }}``); quoted text and
        templates are kept. A bare ``x__y`` that names nothing is an error listing the names."""
        known = self._every_group_by_name()
        entities = {
            entity.name
            for semantic_model in self._manifest.semantic_models
            for entity in semantic_model.entities
        }

        def template(match: re.Match[str]) -> str:
            name = match.group(0)
            if name.startswith(f"{METRIC_TIME}__") and name in known:
                return f"{{{{ TimeDimension('{METRIC_TIME}', '{name.split('__')[-1]}') }}}}"
            if name in entities:
                return f"{{{{ Entity('{name}') }}}}"
            if name in known:
                parts = name.split("__")
                if parts[-1] in TIME_GRAINS and "__".join(parts[:-1]) in known and len(parts) > 2:
                    return f"{{{{ TimeDimension('{'__'.join(parts[:-1])}', '{parts[-1]}') }}}}"
                return f"{{{{ Dimension('{name}') }}}}"
            if "__" in name:
                raise QueryError(
                    f"--where names {name}, which is no dimension or entity. Names a filter can "
                    f"use: {', '.join(sorted(known))}"
                )
            return name

        pieces: list[str] = []
        position = 0
        for protected in _PROTECTED.finditer(where):
            pieces.append(_IDENTIFIER.sub(template, where[position : protected.start()]))
            pieces.append(protected.group(0))
            position = protected.end()
        pieces.append(_IDENTIFIER.sub(template, where[position:]))
        return "".join(pieces)

    def _where(self, query: MetricQuery) -> list[str]:
        where = [self.templated_where(clause) for clause in query.where if clause.strip()]
        day = f"{{{{ TimeDimension('{METRIC_TIME}', 'day') }}}}"
        if query.date_from is not None:
            where.append(f"{day} >= '{query.date_from.isoformat()}'")
        if query.date_to is not None:
            where.append(f"{day} <= '{query.date_to.isoformat()}'")
        return where

    def compile(self, query: MetricQuery) -> CompiledQuery:
        """The DuckDB SQL of ``query``. Raises ``QueryError`` for anything MetricFlow refuses."""
        from metricflow.engine.metricflow_engine import (
            MetricFlowQueryRequest,
            OutputColumnOrderMode,
        )
        from metricflow_semantics.errors.error_classes import MetricFlowException

        if query.saved_query is not None:
            if query.metrics or query.group_by:
                raise QueryError("give either --saved-query or --metrics/--group-by, not both")
            metrics, group_by = self.saved_query_shape(query.saved_query)
        else:
            if not query.metrics:
                raise QueryError("give at least one metric: --metrics M1,M2 (or --saved-query)")
            self.check_metrics(query.metrics)
            self._check_group_by(query.metrics, query.group_by)
            metrics, group_by = query.metrics, query.group_by
        selected = {*metrics, *group_by}
        for name in query.order_by:
            if name.lstrip("-") not in selected:
                raise QueryError(
                    f"--order {name}: order by one of the query's metrics or group-bys "
                    f"({', '.join([*group_by, *metrics])}), '-' in front for descending"
                )
        # Without --order, rows come in group-by order (a limit keeps the first ones).
        order_by = query.order_by or group_by
        request = MetricFlowQueryRequest.create(
            saved_query_name=query.saved_query,
            metric_names=None if query.saved_query else list(metrics),
            group_by_names=None if query.saved_query else list(group_by),
            where_constraints=self._where(query) or None,
            order_by_names=list(order_by) or None,
            limit=query.limit,
            # group-bys first (time, entities, dimensions), then the metrics as asked
            output_column_order_mode=OutputColumnOrderMode.TYPE_GROUPED,
        )
        try:
            explained = self._engine.explain(request)
        except MetricFlowException as error:
            raise QueryError(str(error).strip()) from error
        return CompiledQuery(
            sql=explained.sql_statement.sql,
            metrics=tuple(metrics),
            group_by=tuple(group_by),
            order_by=tuple(order_by),
        )


def split_names(value: str) -> tuple[str, ...]:
    """``"a, b,c"`` -> ``("a", "b", "c")``; names are checked against the manifest later."""
    names = _split_names(value)
    for name in names:
        if not _NAME.fullmatch(name.lstrip("-")):
            raise QueryError(f"{name!r} is not a metric or dimension name (lower-case, a-z 0-9 _)")
    return names
