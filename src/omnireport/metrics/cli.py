"""``omnireport metrics``: the semantic layer's metrics, listed and queried.

    omnireport metrics list                       every metric: name, type, label, definition
    omnireport metrics dimensions [--metrics M]   what the metrics can be grouped and filtered by
    omnireport metrics saved-queries              the report's views, as saved queries
    omnireport metrics query --metrics M1,M2 --group-by G1,G2 [--where ...] [--from D --to D]
                             [--order [-]NAME,...] [--limit N] [--format table|csv|json]
    omnireport metrics query --saved-query NAME [--from D --to D] ...

Names are MetricFlow's (the same as ``mf query``). MetricFlow compiles the query to SQL
from the dbt project's semantic manifest; the SQL runs on the published snapshot opened
read-only, so a query answers while a build holds the warehouse's writer lock.

Wiring (``omnireport.cli``): ``add_metrics_parser(commands)`` and, for ``args.command ==
"metrics"``, ``run_metrics(args)``.

Exit codes: 0 success; 1 nothing to read (no snapshot yet, the dbt project does not
parse, the snapshot lacks a relation); 2 a wrong command line (unknown metric, dimension
or saved query, a bad date or filter).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from omnireport.metrics.output import FORMATS, write_rows

if TYPE_CHECKING:
    from omnireport.metrics.engine import SemanticLayer
    from omnireport.settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    """Reported with exit code 2."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"invalid date {value!r}: give a local date as YYYY-MM-DD"
        ) from error


def _limit(value: str) -> int:
    if not value.strip().isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"invalid --limit {value!r}: give a positive whole number")
    return int(value)


def _common(parser: argparse.ArgumentParser, *, formats: bool = True) -> None:
    parser.add_argument(
        "--warehouse",
        metavar="FILE",
        type=Path,
        help="the warehouse whose published snapshot to read and whose working folder keeps the "
        "semantic manifest (default: $OMNIREPORT_WAREHOUSE or <project>/data/warehouse.duckdb; "
        "$OMNIREPORT_SNAPSHOT names the snapshot itself)",
    )
    if formats:
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="table",
            help="aligned table (default; decimals rounded to 2 places for display), or CSV / "
            "JSON with exact values and the names as column names",
        )


def add_metrics_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``metrics`` and its sub-commands to the ``omnireport`` sub-parsers."""
    metrics = subparsers.add_parser(
        "metrics",
        help="list and query the semantic layer's metrics (MetricFlow) on the published snapshot",
        description="The metrics of the semantic layer (dbt_project/models/semantic/, "
        "docs/metrics.md), compiled by MetricFlow and run read-only on the published snapshot.",
    )
    metrics.set_defaults(metrics_command=None)
    commands = metrics.add_subparsers(dest="metrics_command", metavar="SUBCOMMAND")

    listing = commands.add_parser(
        "list", help="every metric: name, type, label, definition", description="List the metrics."
    )
    _common(listing)

    dimensions = commands.add_parser(
        "dimensions",
        help="what metrics can be grouped and filtered by",
        description="List the group-by names (dimensions, entities, metric_time grains) valid "
        "for every one of --metrics, or every dimension of every semantic model without it.",
    )
    dimensions.add_argument("--metrics", metavar="M1,M2", help="comma-separated metric names")
    _common(dimensions)

    saved = commands.add_parser(
        "saved-queries",
        help="the report's views as saved queries",
        description="List the saved queries (one per view of the report): metrics and group-bys.",
    )
    _common(saved)

    query = commands.add_parser(
        "query",
        help="query metrics by dimensions on the published snapshot",
        description="Compile a metric query with MetricFlow and run it on the published "
        "snapshot, read-only. Example: omnireport metrics query --metrics "
        "sessions,avg_waiting_time_s --group-by metric_time__month,session__channel_type",
    )
    query.add_argument("--metrics", metavar="M1,M2", help="comma-separated metric names")
    query.add_argument(
        "--group-by",
        metavar="G1,G2",
        help="comma-separated group-bys: metric_time__day|week|month|quarter|year, dimensions "
        "such as session__channel_type, entities such as user (see `metrics dimensions`)",
    )
    query.add_argument(
        "--saved-query", metavar="NAME", help="run a saved query (see `metrics saved-queries`)"
    )
    query.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="SQL",
        help="a filter applied before aggregation, in MetricFlow's syntax "
        "(\"{{ Dimension('session__channel_type') }} = 'zalo'\") or with bare names "
        "(\"session__channel_type = 'zalo'\"); repeat to AND several",
    )
    query.add_argument(
        "--from",
        dest="date_from",
        type=_date,
        metavar="YYYY-MM-DD",
        help="first local date of metric_time (the session's started_date, the pause's "
        "pause_date, the tag event's event_date), inclusive",
    )
    query.add_argument(
        "--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="last local date, inclusive"
    )
    query.add_argument(
        "--order",
        metavar="[-]NAME,...",
        help="order by metrics or group-bys of the query, '-' for descending "
        "(default: the group-bys, ascending)",
    )
    query.add_argument("--limit", type=_limit, metavar="N", help="at most N rows")
    query.add_argument(
        "--explain",
        action="store_true",
        help="print the SQL MetricFlow wrote instead of running it (needs no snapshot)",
    )
    _common(query)


def _settings(args: argparse.Namespace) -> Settings:
    from omnireport.settings import load_settings

    return load_settings(warehouse=args.warehouse)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_layer(settings: Settings) -> SemanticLayer:
    """The semantic layer of the dbt project, from a fresh semantic manifest."""
    from omnireport.metrics.engine import SemanticLayer
    from omnireport.metrics.manifest import (
        ensure_semantic_manifest,
        load_semantic_manifest,
        own_manifest_path,
        parse_semantic_manifest,
    )

    path = ensure_semantic_manifest(settings, say=_say)
    try:
        manifest = load_semantic_manifest(path)
    except ValueError:
        if path == own_manifest_path(settings):
            raise
        # the build was writing its copy: parse our own
        manifest = load_semantic_manifest(parse_semantic_manifest(settings))
    return SemanticLayer(manifest)


def _list(layer: SemanticLayer, args: argparse.Namespace) -> int:
    columns = ("name", "type", "label", "description")
    rows = [
        (metric.name, metric.type.value, metric.label, " ".join((metric.description or "").split()))
        for metric in layer.metrics()
    ]
    write_rows(
        columns,
        rows,
        args.format,
        title=f"{len(rows)} metrics",
        numeric=False,
        max_widths={"description": 80, "label": 30},
    )
    return EXIT_OK


def _dimensions(layer: SemanticLayer, args: argparse.Namespace) -> int:
    from omnireport.metrics.engine import split_names

    if args.metrics:
        metrics = split_names(args.metrics)
        layer.check_metrics(metrics)
        names = layer.group_by_names(metrics)
        rows = [(name,) for name in names]
        write_rows(("group_by",), rows, args.format, title=f"Group-bys of {', '.join(metrics)}")
        return EXIT_OK
    rows = sorted(
        {
            (
                dimension.dunder_name,
                dimension.type.value,
                " ".join((dimension.description or "").split()),
            )
            for dimension in layer.dimensions()
        }
    )
    write_rows(
        ("dimension", "type", "description"),
        rows,
        args.format,
        title="Dimensions (time dimensions take a grain: __day, __week, __month, ...)",
        numeric=False,
        max_widths={"description": 80},
    )
    return EXIT_OK


def _saved_queries(layer: SemanticLayer, args: argparse.Namespace) -> int:
    rows = []
    for saved in layer.saved_queries():
        metrics, group_by = layer.saved_query_shape(saved.name)
        rows.append((saved.name, saved.label or "", ", ".join(group_by), ", ".join(metrics)))
    write_rows(
        ("name", "label", "group_by", "metrics"),
        rows,
        args.format,
        title=f"{len(rows)} saved queries",
        numeric=False,
        max_widths={"metrics": 70},
    )
    return EXIT_OK


def _query(layer: SemanticLayer, settings: Settings, args: argparse.Namespace) -> int:
    import duckdb

    from omnireport.metrics.engine import MetricQuery, split_names
    from omnireport.metrics.execute import resolve_snapshot, run_sql
    from omnireport.publish import read_publish_info

    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise _UsageError(f"--from {args.date_from} is after --to {args.date_to}")
    query = MetricQuery(
        metrics=split_names(args.metrics or ""),
        group_by=split_names(args.group_by or ""),
        saved_query=args.saved_query,
        where=tuple(args.where),
        date_from=args.date_from,
        date_to=args.date_to,
        order_by=split_names(args.order or ""),
        limit=args.limit,
    )
    compiled = layer.compile(query)
    if args.explain:
        print(compiled.sql)
        return EXIT_OK
    snapshot = resolve_snapshot(settings.warehouse)
    try:
        result = run_sql(snapshot, compiled.sql)
    except duckdb.CatalogException as error:
        raise RuntimeError(
            f"the snapshot {snapshot} lacks a relation the semantic layer reads ({error}); "
            "publish a build of this dbt project first (`omnireport run`)"
        ) from error
    except (duckdb.BinderException, duckdb.ParserException) as error:
        if args.where:
            raise _UsageError(f"the --where filter does not run: {error}") from error
        raise
    rows = result.rows
    info = read_publish_info(snapshot) or {}
    source = f"snapshot {snapshot}, published {info.get('published_at', 'at an unknown time')}"
    if args.format == "table":
        what = f"saved query {args.saved_query}" if args.saved_query else "metrics query"
        write_rows(
            result.columns,
            rows,
            "table",
            title=f"{what}: {len(rows)} row{'s' if len(rows) != 1 else ''}",
        )
        print(f"Source: {source}")
    else:
        _say(source)
        write_rows(result.columns, rows, args.format)
    return EXIT_OK


def run_metrics(args: argparse.Namespace) -> int:
    """Run ``omnireport metrics SUBCOMMAND ...``; returns the exit code."""
    from omnireport.metrics.engine import QueryError
    from omnireport.metrics.execute import SnapshotMissingError

    command = args.metrics_command
    prefix = f"omnireport metrics{f' {command}' if command else ''}"
    if command is None:
        print(
            f"{prefix}: give a sub-command: list, dimensions, saved-queries, query", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        settings = _settings(args)
        if command == "query" and not args.explain:
            from omnireport.metrics.execute import resolve_snapshot

            resolve_snapshot(settings.warehouse)  # before compiling: say what to do at once
        layer = load_layer(settings)
        if command == "list":
            return _list(layer, args)
        if command == "dimensions":
            return _dimensions(layer, args)
        if command == "saved-queries":
            return _saved_queries(layer, args)
        return _query(layer, settings, args)
    except (QueryError, _UsageError) as error:
        print(f"{prefix}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SnapshotMissingError as error:
        print(f"{prefix}: FAILED: {error}", file=sys.stderr)
        return EXIT_FAILED
    except (FileNotFoundError, RuntimeError) as error:
        print(f"{prefix}: FAILED: {error}", file=sys.stderr)
        return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m omnireport.metrics SUBCOMMAND ...``."""
    parser = argparse.ArgumentParser(prog="omnireport")
    add_metrics_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["metrics", *(sys.argv[1:] if argv is None else argv)])
    return run_metrics(args)
