"""``omnireport report``: the seed's views on the terminal, as CSV/JSON, or one HTML file.

The lead wires it into ``omnireport.cli`` with::

    from omnireport.report.cli import add_report_parser, run_report
    add_report_parser(subparsers)      # adds `report`, sets func=run_report

Exit codes: 0 success, 1 the warehouse cannot be read, 2 a wrong command line
(unknown filter value, a filter the view cannot honour).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from omnireport.report.filters import FilterArgs, parse_date, parse_yes_no

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

VIEW_HELP = {
    "overview": "the eight overview figures",
    "sessions": "conversation session history (one row per session)",
    "messages": "message history (one row per message)",
    "users": "statistics by user, with the configured SLA columns",
    "hourly": "sessions by local start hour",
    "daily": "sessions by local start date, chat and comment side by side",
    "channels": "sessions by channel, chat and comment side by side, waiting and support times",
    "working-time": "agent pauses by user",
    "tags": "tag events by tag (--by chart), page or staff",
    "replies": "every reply by agent and channel: count, first replies, average, median and "
    "p90 reply time, business-time average",
    "conversations": "conversations by channel: reopens, completed, one- and two-touch",
    "backlog": "sessions still open at the end of each local date: unassigned, older than 24 h",
    "csat": "satisfaction by assignee: rated, satisfied, dissatisfied, CSAT %, average rating",
}
# The views that can show the business-time columns (CONTRACT.md 7.3) beside the calendar ones.
BUSINESS_HOURS_VIEWS = ("overview", "sessions", "users")


def _typed(parse):  # type: ignore[no-untyped-def]
    def convert(value: str):  # type: ignore[no-untyped-def]
        try:
            return parse(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from error

    return convert


def _limit(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"invalid --limit {value!r}: give a positive whole number")
    return int(value)


def _filter_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--warehouse",
        metavar="FILE",
        help="DuckDB file to read, read-only "
        "(default: $OMNIREPORT_WAREHOUSE or <project>/data/warehouse.duckdb)",
    )
    parent.add_argument(
        "--reader",
        action="store_true",
        help="read the reader snapshot, what BI readers see (customers' names and ids hashed, "
        "message texts and notes left out or redacted; the same numbers), instead of the full one",
    )
    group = parent.add_argument_group(
        "filters (the seed's; a view refuses the ones it cannot honour)"
    )
    group.add_argument(
        "--from",
        dest="date_from",
        type=_typed(parse_date),
        metavar="YYYY-MM-DD",
        help="first local date of the view's own date (session start, message sent, "
        "pause start, tag event, reply, backlog snapshot, conversation start)",
    )
    group.add_argument(
        "--to",
        dest="date_to",
        type=_typed(parse_date),
        metavar="YYYY-MM-DD",
        help="last local date, inclusive",
    )
    group.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="ID|NAME",
        help="channel id or name (repeatable: any of them)",
    )
    group.add_argument("--completed", type=_typed(parse_yes_no), metavar="yes|no")
    group.add_argument("--supported", type=_typed(parse_yes_no), metavar="yes|no")
    group.add_argument(
        "--category", metavar="ID|NAME", help="category at any level (its sub-categories included)"
    )
    group.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="ID|NAME",
        help="sessions the user took part in (assignee or sender); on users, "
        "working-time and tags: that user's rows (repeatable)",
    )
    group.add_argument("--group", metavar="NAME", help="like --user, for every member of the group")
    group.add_argument("--support-type", choices=["message", "comment"])
    group.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="ID|NAME",
        help="sessions carrying any of these current tags (repeatable)",
    )
    return parent


def add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report`` with one sub-command per view, and ``html``, to ``subparsers``."""
    report = subparsers.add_parser(
        "report",
        help="print a view of the conversation report, or write the HTML report",
        description="The omnichannel conversation report over the marts: one sub-command per view of "
        "the seed page, and `html` for a self-contained HTML report. Reads the warehouse read-only.",
    )
    report.set_defaults(func=run_report, report_view=None)
    views = report.add_subparsers(dest="report_view", metavar="VIEW")
    parent = _filter_parent()
    for name, text in VIEW_HELP.items():
        view = views.add_parser(
            name, parents=[parent], help=text, description=f"Report view: {text}."
        )
        view.add_argument(
            "--format",
            choices=["table", "csv", "json"],
            default="table",
            help="table (default, with totals), or rows with the marts' column names",
        )
        if name in ("sessions", "messages"):
            view.add_argument("--limit", type=_limit, metavar="N", help="at most N rows")
            view.add_argument(
                "--sort",
                metavar="COLUMN",
                help="sort column, COLUMN:desc (or --sort=-COLUMN) for descending "
                f"(default {'started_at' if name == 'sessions' else 'sent_at'}:desc)",
            )
        if name == "tags":
            view.add_argument(
                "--by", dest="tags_by", choices=["chart", "page", "staff"], default="chart"
            )
        if name in BUSINESS_HOURS_VIEWS:
            view.add_argument(
                "--business-hours",
                action="store_true",
                help="show the business-time columns (seconds while the channel's schedule is "
                "open) beside the calendar ones; null or not counted without a schedule",
            )
    html = views.add_parser(
        "html",
        parents=[parent],
        help="write one self-contained offline HTML report",
        description="Write the whole report with charts to one HTML file that needs "
        "no network (plotly.js inlined).",
    )
    html.add_argument("--out", required=True, type=Path, metavar="FILE", help="HTML file to write")


def filter_args(args: argparse.Namespace) -> FilterArgs:
    return FilterArgs(
        date_from=args.date_from,
        date_to=args.date_to,
        pages=tuple(args.page),
        completed=args.completed,
        supported=args.supported,
        category=args.category,
        users=tuple(args.user),
        group=args.group,
        support_type=args.support_type,
        tags=tuple(args.tag),
    )


def out_path_problem(out: Path) -> str | None:
    """Why ``--out`` cannot name the HTML file to write, or None."""
    if out.is_dir():
        return f"--out {out} is a folder: give a file name, for example {out / 'report.html'}"
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"--out {out}: {parent} is a file, not a folder: give a path in a folder"
            return None
    return None


def run_report(args: argparse.Namespace) -> int:
    """Run ``omnireport report VIEW ...``; returns the exit code."""
    from omnireport.report.filters import FilterError, resolve_filters
    from omnireport.report.render import print_rich, to_csv, to_json, view_table
    from omnireport.report.source import SourceError, build_info, open_marts, report_database
    from omnireport.report.views import ViewOptions, check_view, run_view

    if not args.report_view:
        print("omnireport report: give a view: " + ", ".join([*VIEW_HELP, "html"]), file=sys.stderr)
        return EXIT_USAGE
    if args.report_view == "html" and (problem := out_path_problem(args.out)):
        print(f"omnireport report html: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    path = report_database(args.warehouse, reader=args.reader)
    try:
        con = open_marts(path)
    except SourceError as error:
        print(f"omnireport report: {error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        build = build_info(path)
        wanted = filter_args(args)
        if args.report_view != "html":
            check_view(args.report_view, wanted)
        filters = resolve_filters(con, wanted)
        if args.report_view == "html":
            from omnireport.report.html import write_html

            write_html(con, filters, build, args.out)
            print(f"wrote {args.out} from {build.describe()}; filters: {filters.describe()}")
            return EXIT_OK
        options = ViewOptions(
            sort=getattr(args, "sort", None),
            limit=getattr(args, "limit", None),
            tags_by=getattr(args, "tags_by", "chart"),
            business_hours=getattr(args, "business_hours", False),
        )
        table = run_view(con, args.report_view, filters, options)
    except FilterError as error:
        print(f"omnireport report {args.report_view}: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        con.close()
    header = (
        f"{table.title}: {build.describe()}; filters: {filters.describe()}; source: {table.source}"
    )
    if args.format == "csv":
        print(header, file=sys.stderr)
        sys.stdout.write(to_csv(table))
    elif args.format == "json":
        print(header, file=sys.stderr)
        meta = {
            "warehouse": str(build.path),
            "build_time": build.built_at.isoformat(),
            "filters": list(filters.labels),
        }
        print(to_json(table, meta))
    else:
        print(header)
        print_rich(view_table(table))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m omnireport.report VIEW ...``."""
    parser = argparse.ArgumentParser(prog="omnireport")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *(sys.argv[1:] if argv is None else argv)])
    return run_report(args)
