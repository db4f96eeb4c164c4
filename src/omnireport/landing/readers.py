"""SQL that reads one landing file, whole, as contract columns of text.

Each builder returns a DuckDB `select` with the table's contract columns (in contract
order, every one varchar, exactly as exported) and `_row_number` (1-based position in
the file). DuckDB's own readers do the work, so a multi-GB file streams; nothing is
sniffed or typed:

- CSV: the header is read here (first record only), then `read_csv` runs with an explicit
  all-varchar column list, `auto_detect = false` and strict RFC 4180 parsing, so a row with
  the wrong number of fields, a broken quote or bad UTF-8 fails the whole file.
- JSONL: `read_json_objects` keeps every line's raw text. Strings are unquoted (an empty
  string is null, as an empty CSV field is), booleans
  read `true`/`false`, nested objects/arrays stay JSON text, and numbers keep the text
  written in the file (`1.50` stays `1.50`): DuckDB re-serialises parsed numbers, so a
  second parse reads a copy of the line in which every number token (outside strings)
  is wrapped in quotes.
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
            for line_number, raw in enumerate(stream, start=1):
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
    """Position of each contract column in the header (a repeated name: the first wins)."""
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        positions.setdefault(name, position)
    missing = [column for column in columns if column not in positions]
    if missing:
        raise LandingFileError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header has: {', '.join(header) or 'nothing'}); every contract column "
            "must be present, nullable ones included",
            line=1,
        )
    return positions


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
        f"columns = {{{column_types}}}) "
        f"with ordinality as t({', '.join(field_names)}, _ordinal)"
    )


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
                f"' {NOT_AN_OBJECT_MARKER} ' || _ordinal || ')') else {expr} end"
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
        f"        json_type(_json, [{path_list}]) as _types,\n"
        f"        json_extract_string(_json, [{path_list}]) as _texts\n"
        f"    from read_json_objects({sql_string(str(path))}, format = 'newline_delimited') "
        "with ordinality as t(_json, _ordinal)\n"
        ")\n"
        f"select\n    {select_list},\n    _ordinal as _row_number\nfrom parsed"
    )


# --- Parquet ---------------------------------------------------------------------------


def _parquet_select(con: duckdb.DuckDBPyConnection, path: Path, columns: tuple[str, ...]) -> str:
    source = f"read_parquet({sql_string(str(path))}, file_row_number = true)"
    try:
        schema = con.execute(f"describe select * from read_parquet({sql_string(str(path))})")
        types = {name: column_type for name, column_type, *_ in schema.fetchall()}
    except duckdb.Error as exc:
        raise LandingFileError(f"not a readable Parquet file: {first_error_line(exc)}") from None
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
