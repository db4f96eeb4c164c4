"""Generated landing folders that mix valid exports with hostile entries, and what the data
contract says must become of each entry (CONTRACT.md section 2, "Landing files").

``landing_folders()`` is a Hypothesis strategy of entry lists; ``write_landing`` puts them on
disk; ``expected_outcomes`` says, from the contract alone, what a first load does with each
entry:

- ``loaded``: a readable export (CSV with a BOM, CRLF, reordered or extra columns, a field
  over 2 MB, header only; JSONL, empty included; Parquet) whose bytes were not loaded
  before in its table: every row once, as exported;
- ``already_loaded``: the same bytes as a file loaded before it (a copy under another
  name): nothing added;
- ``failed``: a file that cannot be read as a whole (an empty CSV, Latin-1 or UTF-16, a
  repeated or missing column, a record with too many fields, malformed JSON, a repeated
  JSON key, a damaged Parquet file or one without a column): refused, with the file named;
- ``skipped``: what is not a readable regular file (broken or looping links, named pipes,
  a name that is not UTF-8) or is not an export (a README, a folder named like one), and a
  file that changes while it is read: a warning naming it, and the run goes on.

The tables are ``tags`` and ``channels``; ids come from a small pool with nulls, and
channel types include unknown values, so staging supersedes and quarantines rows too:
``staging_counts`` computes what it must stage, quarantine and supersede.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from omnireport.landing.files import printable

COLUMNS: dict[str, tuple[str, ...]] = {
    "tags": ("tag_id", "tag_name"),
    "channels": ("channel_id", "channel_name", "channel_type"),
}
ID_POOL: dict[str, tuple[str | None, ...]] = {
    "tags": ("t1", "t2", "t3", None),
    "channels": ("c1", "c2", None),
}
CHANNEL_TYPES = ("facebook", "zalo", "instagram", "livechat")
# Exact enumerations: `Zalo` and `fax` are unknown values, an empty one is missing.
CHANNEL_TYPE_POOL = (*CHANNEL_TYPES, "Zalo", "fax", None)
HUGE_FIELD_BYTES = 2_000_001  # over DuckDB's default CSV line limit of 2,000,000 bytes

VALID_KINDS = (
    "csv",
    "csv_bom_crlf",
    "csv_reordered_extra",
    "csv_header_only",
    "csv_huge_field",
    "jsonl",
    "jsonl_empty",
    "parquet",
)
REFUSED_KINDS = (
    "csv_empty",
    "csv_latin1",
    "csv_utf16",
    "csv_repeated_column",
    "csv_missing_column",
    "csv_too_many_fields",
    "jsonl_malformed",
    "jsonl_repeated_key",
    "parquet_damaged",
    "parquet_missing_column",
)
SKIPPED_KINDS = (
    "broken_link",
    "looping_link",
    "named_pipe",
    "name_not_utf8",
    "readme",
    "folder_named_like_an_export",
)
# Entries that are not files with content.
NO_CONTENT = ("broken_link", "looping_link", "named_pipe", "folder_named_like_an_export")
COPY = "copy"  # the bytes of an earlier loadable entry of its table, under another name
CHANGING = "changing"  # a valid CSV that grows by a row once the loader starts reading it

# Characters a CRM lets into a name: quotes, separators, line breaks, any Unicode (no NUL:
# no export tool writes one into text, and no lone surrogates: they cannot be UTF-8).
NAME_CHARS = st.one_of(
    st.sampled_from(",;\"'\t\n\r \\{}"),
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
)
NAMES = st.one_of(st.none(), st.text(NAME_CHARS, min_size=1, max_size=12))
FILE_NAME_DECORATIONS = ("", " q'x", ' "a;b"', " ü", " $(x)", " %s", " --x")

Row = tuple[str | None, ...]


@dataclass
class Entry:
    """One entry of a generated landing folder."""

    table: str
    kind: str
    name: str  # the file name (``os.fsdecode`` form for a name that is not UTF-8)
    rows: list[Row] = field(default_factory=list)  # the rows written (loadable kinds)
    copy_of: int | None = None  # COPY: the index of the entry whose bytes it repeats
    content: bytes | None = None  # set by write_landing for files with content

    @property
    def relative_path(self) -> str:
        return f"{self.table}/{self.name}"

    @property
    def shown(self) -> str:
        """The name as the loader prints it."""
        return printable(self.relative_path)

    @property
    def is_loadable(self) -> bool:
        """Found by discovery as a file to load (it has content and a loadable name)."""
        return self.kind not in SKIPPED_KINDS


@st.composite
def rows_of(draw: st.DrawFn, table: str, *, min_size: int = 0) -> list[Row]:
    """Rows of ``table``: ids from the pool (with nulls), any names, enumerations with
    unknown and missing values."""
    row = st.tuples(st.sampled_from(ID_POOL[table]), NAMES)
    if table == "channels":
        row = st.tuples(st.sampled_from(ID_POOL[table]), NAMES, st.sampled_from(CHANNEL_TYPE_POOL))
    return draw(st.lists(row, min_size=min_size, max_size=5))


@st.composite
def entry_of(draw: st.DrawFn, kind: str) -> Entry:
    """One entry of ``kind`` in a random table (a name is given by ``landing_folders``)."""
    table = draw(st.sampled_from(sorted(COLUMNS)))
    empty = kind in ("csv_header_only", "csv_empty", "jsonl_empty")
    rows = [] if empty else draw(rows_of(table, min_size=1))
    if kind == "csv_huge_field":
        rows = [(rows[0][0], "h" * HUGE_FIELD_BYTES, *rows[0][2:])]
    copy_of = draw(st.integers(min_value=0, max_value=50)) if kind == COPY else None
    return Entry(table, kind, "", rows, copy_of)


@st.composite
def landing_folders(draw: st.DrawFn, *, changing: bool = True, max_valid: int = 6) -> list[Entry]:
    """A folder of 1 to ``max_valid`` valid files and a random choice of distinct hostile
    kinds (so every kind turns up often), in a random order. ``changing``: include a file
    that changes while read (only a test that drives the loader's progress can make it
    change at the right moment)."""
    hostile = [*REFUSED_KINDS, *SKIPPED_KINDS, COPY, COPY] + ([CHANGING] if changing else [])
    chosen = draw(st.permutations(hostile))[: draw(st.integers(1, len(hostile)))]
    valid = draw(st.lists(st.sampled_from(VALID_KINDS), min_size=1, max_size=max_valid))
    kinds = draw(st.permutations([*valid, *chosen]))
    drawn = [draw(entry_of(kind)) for kind in kinds]
    decorations = draw(
        st.lists(st.sampled_from(FILE_NAME_DECORATIONS), min_size=len(kinds), max_size=len(kinds))
    )
    return name_entries(drawn, decorations)


_EXTENSIONS = {
    "csv_bom_crlf": ".CSV",  # extensions match in any case
    "jsonl": ".jsonl",
    "jsonl_empty": ".jsonl",
    "jsonl_malformed": ".jsonl",
    "jsonl_repeated_key": ".jsonl",
    "parquet": ".parquet",
    "parquet_damaged": ".parquet",
    "parquet_missing_column": ".Parquet",
    "readme": ".txt",
}


def name_entries(drawn: list[Entry], decorations: list[str]) -> list[Entry]:
    """Give every entry a distinct file name; resolve each copy to an earlier loadable
    entry of its table (with none, the copy becomes a plain CSV)."""
    for index, entry in enumerate(drawn):
        if entry.kind == COPY:
            earlier = [
                i
                for i, other in enumerate(drawn[:index])
                if other.table == entry.table and other.kind in (*VALID_KINDS, *REFUSED_KINDS)
            ]
            if earlier:
                entry.copy_of = earlier[entry.copy_of % len(earlier)]
            else:
                entry.kind, entry.copy_of = "csv", None
        source = drawn[entry.copy_of] if entry.copy_of is not None else entry
        extension = _EXTENSIONS.get(source.kind, ".csv")
        stem = f"{index:02d}{decorations[index]} {entry.kind}"
        if entry.kind == "name_not_utf8":
            stem = os.fsdecode(f"{index:02d} caf".encode() + b"\xe9")
        entry.name = stem + extension
    return drawn


def _csv(header: Sequence[str], rows: Iterable[Sequence[str | None]], *, crlf=False) -> str:
    """RFC 4180: a field with a comma, quote or line break (CR or LF) is quoted; null is an
    empty field. (Python's csv module leaves a lone CR unquoted under a LF line ending.)"""

    def field(value: str | None) -> str:
        if value is None:
            return ""
        if any(ch in value for ch in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    end = "\r\n" if crlf else "\n"
    return "".join(",".join(map(field, row)) + end for row in [header, *rows])


def _jsonl(columns: Sequence[str], rows: Iterable[Row]) -> str:
    return "".join(
        json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n" for row in rows
    )


def _parquet(columns: Sequence[str], rows: Sequence[Row]) -> bytes:
    arrays = [pa.array([row[i] for row in rows], pa.string()) for i in range(len(columns))]
    out = io.BytesIO()
    pq.write_table(pa.table(arrays, names=list(columns)), out)
    return out.getvalue()


def content_of(entry: Entry) -> bytes:
    """The bytes of a file entry of kind other than COPY."""
    columns, rows = COLUMNS[entry.table], entry.rows
    match entry.kind:
        case "csv" | "csv_header_only" | "csv_huge_field" | "changing":
            return _csv(columns, rows).encode()
        case "csv_bom_crlf":
            return b"\xef\xbb\xbf" + _csv(columns, rows, crlf=True).encode()
        case "csv_reordered_extra":
            reordered = [*reversed(columns), "exported_by"]
            return _csv(reordered, [[*reversed(row), "crm"] for row in rows]).encode()
        case "jsonl":
            return _jsonl(columns, rows).encode()
        case "jsonl_empty" | "csv_empty":
            return b""
        case "parquet":
            return _parquet(columns, rows)
        case "csv_latin1":
            return _csv(columns, [(row[0], "café", *row[2:]) for row in rows]).encode("latin-1")
        case "csv_utf16":
            return _csv(columns, rows).encode("utf-16")
        case "csv_repeated_column":
            return _csv([*columns, columns[0]], [[*row, "x"] for row in rows]).encode()
        case "csv_missing_column":
            return _csv(columns[:-1], [row[:-1] for row in rows]).encode()
        case "csv_too_many_fields":
            return _csv(columns, [[*row, "one too many"] for row in rows]).encode()
        case "jsonl_malformed":
            return (_jsonl(columns, rows) + '{"' + columns[0] + '": "cut short\n').encode()
        case "jsonl_repeated_key":
            repeated = f'{{"{columns[0]}": "a", "{columns[0]}": "b"}}\n'
            return (_jsonl(columns, rows) + repeated).encode()
        case "parquet_damaged":
            return _parquet(columns, rows)[:-12]
        case "parquet_missing_column":
            return _parquet(columns[:-1], [row[:-1] for row in rows])
        case "readme" | "name_not_utf8":
            return _csv(columns, rows).encode()
    raise AssertionError(f"no content for kind {entry.kind}")


def write_landing(landing: Path, folder: Sequence[Entry]) -> None:
    """Write ``folder`` under ``landing`` (one sub-folder per table)."""
    for table in COLUMNS:
        (landing / table).mkdir(parents=True, exist_ok=True)
    for entry in folder:
        path = landing / entry.table / entry.name
        if entry.kind == COPY:
            assert entry.copy_of is not None
            entry.content = folder[entry.copy_of].content
        elif entry.kind not in NO_CONTENT:
            entry.content = content_of(entry)
        match entry.kind:
            case "broken_link":
                path.symlink_to(landing / "nowhere" / entry.name)
            case "looping_link":
                path.symlink_to(entry.name)
            case "named_pipe":
                os.mkfifo(path)
            case "folder_named_like_an_export":
                path.mkdir()
            case _:
                assert entry.content is not None
                path.write_bytes(entry.content)


def warning_prefix(entry: Entry) -> str:
    """How the warning about a skipped entry begins."""
    if entry.kind == "folder_named_like_an_export":
        return f"ignored folder {entry.shown}/: "
    if entry.kind == "readme":
        return f"ignored {entry.shown}: "
    return f"skipped {entry.shown}: "


def load_order(folder: Sequence[Entry]) -> list[Entry]:
    """The loadable entries in the contract's load order: by table, then file name."""
    return sorted((e for e in folder if e.is_loadable), key=lambda e: (e.table, e.name))


def expected_outcomes(
    folder: Sequence[Entry], *, loaded_before: Iterable[tuple[str, bytes]] = ()
) -> dict[int, str]:
    """What a load does with each entry (by its index in ``folder``), from the contract:
    a content loaded before in its table adds nothing; a file that cannot be read is
    refused; a file that changes while read is left for the next run."""
    loaded = set(loaded_before)
    outcomes: dict[int, str] = {}
    index = {id(entry): i for i, entry in enumerate(folder)}
    for entry in folder:
        if not entry.is_loadable:
            outcomes[index[id(entry)]] = "skipped"
    for entry in load_order(folder):
        source = folder[entry.copy_of] if entry.copy_of is not None else entry
        assert entry.content is not None
        if (entry.table, entry.content) in loaded:
            outcome = "already_loaded"
        elif source.kind in REFUSED_KINDS:
            outcome = "failed"
        elif source.kind == CHANGING:
            outcome = "skipped"
        else:
            outcome = "loaded"
            loaded.add((entry.table, entry.content))
        outcomes[index[id(entry)]] = outcome
    return outcomes


def raw_rows(entry: Entry, folder: Sequence[Entry]) -> list[Row]:
    """The rows ``entry`` puts in raw when it loads: as exported, an empty CSV field null."""
    source = folder[entry.copy_of] if entry.copy_of is not None else entry
    if source.kind.startswith("csv") or source.kind == CHANGING:
        return [tuple(value or None for value in row) for row in source.rows]
    return list(source.rows)


@dataclass(frozen=True)
class StagingCounts:
    """Where staging must put the raw rows of one table."""

    raw: int
    staged: int
    quarantined: int
    superseded: int


def staging_counts(table: str, rows: Sequence[Row]) -> StagingCounts:
    """From the contract: a row without its id (or, for channels, with an unknown or
    missing type) is quarantined; of the others, one version per id is staged and the
    rest are superseded."""
    good = [
        row
        for row in rows
        if row[0] is not None and (table != "channels" or row[2] in CHANNEL_TYPES)
    ]
    staged = len({row[0] for row in good})
    return StagingCounts(len(rows), staged, len(rows) - len(good), len(good) - staged)


def raw_by_file(warehouse: Path) -> dict[str, list[Row]]:
    """The rows of the generated tables in raw, per source file, in load order."""
    import duckdb

    found: dict[str, list[Row]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, columns in COLUMNS.items():
            rows = con.execute(
                f"select _source_file, {', '.join(columns)} from raw.{table} "
                "order by _load_id, _row_number"
            ).fetchall()
            for source, *values in rows:
                found.setdefault(source, []).append(tuple(values))
    return found


def loaded_rows(folder: Sequence[Entry], outcomes: dict[int, str]) -> dict[str, list[Row]]:
    """The raw rows of each entry that ``outcomes`` says loads, by landing-relative path."""
    return {
        entry.relative_path: raw_rows(entry, folder)
        for index, entry in enumerate(folder)
        if outcomes[index] == "loaded"
    }
