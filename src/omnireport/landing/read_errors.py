"""Turn a DuckDB reader error into a short problem and the physical line of the file.

DuckDB numbers CSV errors by record (a quoted value spanning lines counts once) and JSONL
errors by non-blank line plus one; the user needs the line an editor shows. The line is
recomputed here, on the error path only, by scanning the file up to that record.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from omnireport.landing.files import LandingFile
from omnireport.landing.readers import (
    NOT_AN_OBJECT_MARKER,
    REPEATED_KEY_MARKER,
    LandingFileError,
    first_error_line,
)

_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CSV_FIELDS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_JSON_MALFORMED = re.compile(r"Malformed JSON in file .*?, at byte (\d+) in line (\d+): (.*)")
_JSON_NOT_OBJECT = re.compile(re.escape(NOT_AN_OBJECT_MARKER) + r" (\d+)\)")
_JSON_REPEATED_KEY = re.compile(re.escape(REPEATED_KEY_MARKER) + r" (\d+): (.*)\)")


def describe_read_error(exc: BaseException, landing_file: LandingFile) -> LandingFileError:
    """A LandingFileError with a readable problem and, when known, the physical line (the
    file is read again to find it; when it cannot be, the record number stands in)."""
    try:
        return _describe(exc, landing_file)
    except OSError:
        return LandingFileError(first_error_line(exc))


def _describe(exc: BaseException, landing_file: LandingFile) -> LandingFileError:
    if isinstance(exc, LandingFileError):
        return exc
    text = str(exc)
    if landing_file.file_format == "csv" and (match := _CSV_LINE.search(text)):
        record = int(match.group(1))
        return LandingFileError(_csv_problem(text), _csv_physical_line(landing_file.path, record))
    if match := _JSON_MALFORMED.search(text):
        reason = match.group(3).strip().rstrip(".").split(". ")[0]
        record = int(match.group(2)) - 1
        return LandingFileError(
            f"malformed JSON: {reason} (at byte {match.group(1)} of the line)",
            _jsonl_physical_line(landing_file.path, record),
        )
    if match := _JSON_REPEATED_KEY.search(text):
        return LandingFileError(
            f"the key {match.group(2)} appears more than once in this record: which value is "
            "meant cannot be known; export each key once",
            _jsonl_physical_line(landing_file.path, int(match.group(1))),
        )
    if match := _JSON_NOT_OBJECT.search(text):
        return LandingFileError(
            "not a JSON object: every line of a .jsonl export must be one {...} object",
            _jsonl_physical_line(landing_file.path, int(match.group(1))),
        )
    return LandingFileError(first_error_line(text))


def _csv_problem(text: str) -> str:
    if match := _CSV_FIELDS.search(text):
        expected, found = match.groups()
        return f"expected {expected} fields (as in the header), found {found}"
    if "Invalid unicode" in text:
        return "not valid UTF-8; export the file as UTF-8"
    if "unterminated quote" in text:
        return "a quoted value is not closed properly (unterminated quote)"
    for line in text.splitlines()[1:]:
        if line.strip() and not line.startswith("Original Line"):
            return line.strip()
    return first_error_line(text)


def _csv_physical_line(path: Path, record: int) -> int:
    """First physical line of the 1-based `record` (the header is record 1)."""
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as stream:
            reader = csv.reader(stream)
            previous_end = 0
            for number, _ in enumerate(reader, start=1):
                if number == record:
                    return previous_end + 1
                previous_end = reader.line_num
            return previous_end + 1
    except csv.Error:
        return record


def _jsonl_physical_line(path: Path, record: int) -> int:
    """Physical line of the 1-based `record`-th non-blank line."""
    seen = 0
    line_number = 0
    for line_number, line in _binary_lines(path):
        if line.strip():
            seen += 1
            if seen == record:
                return line_number
    return line_number + 1 if record > seen else record


def _binary_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as stream:
        yield from enumerate(stream, start=1)
