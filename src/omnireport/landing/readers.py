"""SQL that reads one landing file, whole, as contract columns of text.

Each builder returns a DuckDB `select` with the table's contract columns (in contract
order, every one varchar, exactly as exported) and `_row_number` (1-based position in
the file). DuckDB's own readers do the work, so a multi-GB file streams; nothing is
sniffed or typed:

- CSV: the header is read here (first record only), then `read_csv` runs with an explicit
  all-varchar column list, `auto_detect = false` and strict RFC 4180 parsing, so a row with
  the wrong number of fields, a broken quote or bad UTF-8 fails the whole file. Its
  `max_line_size` is the file's size: the contract puts no limit on a field, and DuckDB's
  default (2,000,000 bytes) would refuse a valid record.
- JSONL: `read_json_objects` keeps every line's raw text. Strings are unquoted (an empty
  string is null, as an empty CSV field is), booleans
  read `true`/`false`, nested objects/arrays stay JSON text, and numbers keep the text
  written in the file (`1.50` stays `1.50`): DuckDB re-serialises parsed numbers, so a
  second parse reads a copy of the line in which every number token (outside strings)
  is wrapped in quotes.
- A contract column that appears twice (a repeated CSV header name, a repeated JSONL key,
  a repeated Parquet column) fails the file: which copy is meant cannot be known.
- Parquet: typed columns are cast to text; booleans `true`/`false`, timestamps ISO-8601
  in UTC (`2026-03-01T08:15:00Z`, a 6-digit fraction only when non-zero), never via the
  session time zone; an empty string and a float NaN are null.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.landing.files import LandingFile


class LandingFileError(Exception):
    """A landing file that cannot be read as a whole: `problem`, and `line` when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


# A JSON string (consumed whole, so digits inside it are skipped) or a JSON number token.
_JSON_TOKEN_PATTERN = r'("(?:[^"\\]|\\.)*")|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)'
NOT_AN_OBJECT_MARKER = "is not a JSON object (omnireport jsonl record"
REPEATED_KEY_MARKER = "repeats a key (omnireport jsonl record"
# A header line longer than this is no header (a file of one giant line is read no further).
MAX_HEADER_LINE_BYTES = 1024 * 1024
# DuckDB's own default max_line_size: the least a CSV reader is given.
_DUCKDB_MAX_LINE_SIZE = 2_000_000


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def build_select(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> str:
    """The `select` reading `landing_file` as contract columns + `_row_number`.

    Raises LandingFileError when the file's header or schema already rules it out
    (empty file, missing column, unreadable Parquet footer).
    """
    columns = RAW_TABLES_BY_NAME[landing_file.table].columns
    if landing_file.file_format == "csv":
        return _csv_select(landing_file.path, columns)
    if landing_file.file_format == "jsonl":
        return _jsonl_select(landing_file.path, columns)
    return _parquet_select(con, landing_file.path, columns)


# --- CSV -------------------------------------------------------------------------------


def read_csv_header(path: Path) -> list[str]:
    """The column names of a CSV file: its first record, decoded as strict UTF-8."""

    def decoded_lines() -> Iterator[str]:
        with path.open("rb") as stream:
            line_number = 0
            while raw := stream.readline(MAX_HEADER_LINE_BYTES + 1):
                line_number += 1
                if len(raw) > MAX_HEADER_LINE_BYTES:
                    raise LandingFileError(
                        f"the header row is longer than {MAX_HEADER_LINE_BYTES:,} bytes: the "
                        "first line must name the columns",
                        line=line_number,
                    )
                if line_number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise LandingFileError(
                        f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position "
                        f"{exc.start + 1} of the line); export the file as UTF-8",
                        line=line_number,
                    ) from None

    try:
        return next(csv.reader(decoded_lines(), strict=True))
    except StopIteration:
        raise LandingFileError(
            "the file is empty: a CSV export needs a header row", line=1
        ) from None
    except csv.Error as exc:
        raise LandingFileError(f"unreadable header row: {exc}", line=1) from None


def _check_header(header: list[str], columns: tuple[str, ...]) -> dict[str, int]:
    """Position of each contract column in the header."""
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        positions.setdefault(name, position)
    repeated(header, columns, line=1)
    missing = [column for column in columns if column not in positions]
    if missing:
        raise LandingFileError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header has: {', '.join(header) or 'nothing'}); every contract column "
            "must be present, nullable ones included",
            line=1,
        )
    return positions


def repeated(names: list[str], columns: tuple[str, ...], *, line: int | None = None) -> None:
    """Refuse a file that names a contract column more than once (LandingFileError); a
    repeated column the contract does not name is ignored like any extra column."""
    seen: set[str] = set()
    twice = []
    for name in names:
        if name in seen and name in columns and name not in twice:
            twice.append(name)
        seen.add(name)
    if twice:
        plural = "s" if len(twice) > 1 else ""
        raise LandingFileError(
            f"the column{plural} {', '.join(twice)} appear{'' if plural else 's'} more than once: "
            "which copy is meant cannot be known; export each column once",
            line=line,
        )


def _csv_select(path: Path, columns: tuple[str, ...]) -> str:
    header = read_csv_header(path)
    positions = _check_header(header, columns)
    field_names = [f"f{i}" for i in range(len(header))]
    column_types = ", ".join(f"'{name}': 'VARCHAR'" for name in field_names)
    select_list = ",\n    ".join(
        f"f{positions[column]} as {sql_identifier(column)}" for column in columns
    )
    return (
        f"select\n    {select_list},\n    _ordinal as _row_number\n"
        f"from read_csv({sql_string(str(path))}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
        "null_padding = false, ignore_errors = false, "
        f"max_line_size = {_max_line_size(path)}, "
        f"columns = {{{column_types}}}) "
        f"with ordinality as t({', '.join(field_names)}, _ordinal)"
    )


def _max_line_size(path: Path) -> int:
    """No record of the file is longer than the file."""
    return max(_DUCKDB_MAX_LINE_SIZE, path.stat().st_size + 1)


# --- JSONL -----------------------------------------------------------------------------


def _jsonl_select(path: Path, columns: tuple[str, ...]) -> str:
    paths = [sql_string(f'$."{column}"') for column in columns]
    # Number text: wrap every number token in \x01 ... \x02, drop the pair left behind by
    # strings, then turn the markers into quotes, so each number becomes a JSON string
    # holding its own text. Only evaluated for values that are numbers.
    number_text_json = (
        "replace(replace(replace(regexp_replace(_json::varchar, "
        f"{sql_string(_JSON_TOKEN_PATTERN)}, '\\1' || chr(1) || '\\2' || chr(2), 'g'), "
        "chr(1) || chr(2), ''), chr(1), '\"'), chr(2), '\"')"
    )
    value_exprs = []
    for index, (column, json_path) in enumerate(zip(columns, paths, strict=True), start=1):
        kind, text = f"_types[{index}]", f"_texts[{index}]"
        expr = (
            f"case when {kind} = 'VARCHAR' then nullif({text}, '') "
            f"when {kind} in ('NULL', 'BOOLEAN', 'OBJECT', 'ARRAY') then {text} "
            f"when {kind} is not null "
            f"then json_extract_string({number_text_json}, {json_path}) end"
        )
        if index == 1:
            expr = (
                "case when _top_type <> 'OBJECT' then error('record ' || _ordinal || "
                f"' {NOT_AN_OBJECT_MARKER} ' || _ordinal || ')') "
                f"when {_repeated_keys_sql(columns)} <> '' then error('record ' || _ordinal || "
                f"' {REPEATED_KEY_MARKER} ' || _ordinal || ': ' || {_repeated_keys_sql(columns)} "
                f"|| ')') else {expr} end"
            )
        value_exprs.append(f"{expr} as {sql_identifier(column)}")
    select_list = ",\n    ".join(value_exprs)
    path_list = ", ".join(paths)
    return (
        "with parsed as (\n"
        "    select\n"
        "        _json,\n"
        "        _ordinal,\n"
        "        json_type(_json) as _top_type,\n"
        "        case when json_type(_json) = 'OBJECT' then json_keys(_json) end as _keys,\n"
        f"        json_type(_json, [{path_list}]) as _types,\n"
        f"        json_extract_string(_json, [{path_list}]) as _texts\n"
        f"    from read_json_objects({sql_string(str(path))}, format = 'newline_delimited') "
        "with ordinality as t(_json, _ordinal)\n"
        ")\n"
        f"select\n    {select_list},\n    _ordinal as _row_number\nfrom parsed"
    )


def _repeated_keys_sql(columns: tuple[str, ...]) -> str:
    """The contract keys a record holds more than once, comma-separated ('' for none). The
    quick test (distinct keys as many as keys) spares the search on every other record."""
    names = "[" + ", ".join(sql_string(column) for column in columns) + "]"
    return (
        "(case when len(_keys) = len(list_distinct(_keys)) then '' else array_to_string("
        f"list_filter(list_distinct(_keys), lambda k: list_contains({names}, k) "
        "and len(list_filter(_keys, lambda j: j = k)) > 1), ', ') end)"
    )


# --- Parquet ---------------------------------------------------------------------------


def _parquet_select(con: duckdb.DuckDBPyConnection, path: Path, columns: tuple[str, ...]) -> str:
    source = f"read_parquet({sql_string(str(path))}, file_row_number = true)"
    try:
        schema = con.execute(f"describe select * from read_parquet({sql_string(str(path))})")
        types = {name: column_type for name, column_type, *_ in schema.fetchall()}
    except duckdb.Error as exc:
        raise LandingFileError(f"not a readable Parquet file: {first_error_line(exc)}") from None
    repeated(_parquet_top_level_names(con, path), columns)
    missing = [column for column in columns if column not in types]
    if missing:
        raise LandingFileError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the file has: {', '.join(types) or 'nothing'}); every contract column "
            "must be present, nullable ones included"
        )
    select_list = ",\n    ".join(
        f"{_parquet_text(sql_identifier(column), types[column])} as {sql_identifier(column)}"
        for column in columns
    )
    return f"select\n    {select_list},\n    file_row_number + 1 as _row_number\nfrom {source}"


def _parquet_top_level_names(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The file's own column names, repeats included (DuckDB renames a repeated one)."""
    rows = con.execute("select name, num_children from parquet_schema(?)", [str(path)]).fetchall()
    names: list[str] = []
    pending = [rows[0][1] or 0] if rows else []  # children left to visit, per open group
    for name, children in rows[1:]:
        if len(pending) == 1:
            names.append(name)
        pending[-1] -= 1
        if children:
            pending.append(children)
        while pending and pending[-1] == 0 and len(pending) > 1:
            pending.pop()
    return names


def _parquet_text(column: str, column_type: str) -> str:
    """Text form of a typed Parquet value (see the module docstring)."""
    if column_type == "VARCHAR":
        return f"nullif({column}, '')"
    if column_type in ("FLOAT", "DOUBLE"):
        return f"case when not isnan({column}) then cast({column} as varchar) end"
    if column_type == "BOOLEAN":
        return f"case when {column} then 'true' when not {column} then 'false' end"
    if column_type == "TIMESTAMP WITH TIME ZONE":
        return _iso_utc(f"timezone('UTC', {column})")
    if column_type.startswith("TIMESTAMP"):
        return _iso_utc(f"cast({column} as timestamp)")
    return f"cast({column} as varchar)"


def _iso_utc(utc_timestamp: str) -> str:
    fraction = f"strftime({utc_timestamp}, '%f')"
    return (
        f"strftime({utc_timestamp}, '%Y-%m-%dT%H:%M:%S') "
        f"|| case when {fraction} = '000000' then '' else '.' || {fraction} end || 'Z'"
    )


def first_error_line(error: BaseException | str) -> str:
    """The first line of a reader error, without DuckDB's error-class prefix."""
    stripped = str(error).strip()
    first = stripped.splitlines()[0] if stripped else "unreadable file"
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: "):
        first = first.removeprefix(prefix)
    return first
