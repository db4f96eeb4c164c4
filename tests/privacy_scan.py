"""Looking for personal data where it must not be.

``sensitive_strings`` reads a landing folder's files themselves (CSV, JSONL, Parquet: never the
warehouse or the models) and collects what no BI reader may see: contact names and ids,
external ids, the social accounts' names, message contents and agents' notes, media links,
e-mail addresses (staff's too), and every phone number, e-mail address and URL written in
free text. ``leaks`` then looks for them in every text column of every relation a reader can
read.

A value of 64 hex characters is a keyed hash and carries nothing readable; it is skipped
(short ids would otherwise match inside it by chance).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HASH = re.compile(r"[0-9a-f]{64}")
# Loose on purpose, independent of the reader layer's patterns; a phone is a run with 9 or
# more digits (shorter runs are prices and dates).
PHONE_RUN = re.compile(r"\+?\d[\d .()-]{7,}\d")
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:(?:https?|ftp)://|www\.)\S+", re.IGNORECASE)
# Free text shorter than this ("ok", "Alo shop ơi") is everyday words: it must not be a
# whole value, but may appear inside other text.
MIN_SUBSTRING = 12


def landing_rows(landing: Path, table: str) -> Iterator[dict[str, str | None]]:
    """Every row of every file of ``<landing>/<table>/``, values as text (None: absent)."""
    for path in sorted((landing / table).glob("*")):
        suffix = path.suffix.lower()
        if suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as stream:
                for row in csv.DictReader(stream):
                    yield {k: (v if v != "" else None) for k, v in row.items()}
        elif suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    yield {k: None if v is None else str(v) for k, v in json.loads(line).items()}
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            for row in pq.read_table(path).to_pylist():
                yield {k: None if v is None else str(v) for k, v in row.items()}


def phones_emails_urls(text: str) -> set[str]:
    found = {match for match in EMAIL.findall(text)} | set(URL.findall(text))
    found |= {
        run.strip()
        for run in PHONE_RUN.findall(text)
        if sum(character.isdigit() for character in run) >= 9
    }
    return found


@dataclass
class Needles:
    """Strings that must not appear inside any text value, and values no text may equal."""

    substrings: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)

    def add(self, text: str | None, *, how: str = "inside") -> None:
        """``inside``: must not appear inside any value; ``whole``: must not be a value;
        ``text``: free text, ``inside`` when long enough or holding digits, else ``whole``."""
        if text is None or not text.strip():
            return
        text = text.strip()
        short = len(text) < MIN_SUBSTRING and not any(c.isdigit() for c in text)
        if how == "whole" or how == "text" and short or len(text) < 5:
            self.values.add(text)
        else:
            self.substrings.add(text)

    def __len__(self) -> int:
        return len(self.substrings) + len(self.values)


def sensitive_strings(landing: Path, *, free_text: bool = True) -> Needles:
    """What no reader may see, from the landing files alone. ``free_text=False`` leaves out
    message contents and notes themselves (the redacted reader layer keeps them), keeping
    the phone numbers, e-mail addresses and URLs written in them."""
    needles = Needles()
    staff_names = {
        row["full_name"] for row in landing_rows(landing, "users") if row.get("full_name")
    }
    # a page's own id is the sender or recipient of its messages: not personal
    channels = {
        row.get("channel_id")
        for table in ("channels", "contacts", "sessions", "messages", "tag_events")
        for row in landing_rows(landing, table)
    }

    def name(text: str | None) -> None:
        if text and text.strip() not in staff_names:
            needles.add(text)
        for found in phones_emails_urls(text or ""):
            needles.add(found)

    for row in landing_rows(landing, "users"):
        needles.add(row.get("email"))
    for row in landing_rows(landing, "contacts"):
        name(row.get("display_name"))
        needles.add(row.get("external_id"))
        needles.add(row.get("contact_id"), how="whole")
    for row in landing_rows(landing, "sessions"):
        name(row.get("session_name"))
        needles.add(row.get("contact_id"), how="whole")
        for found in phones_emails_urls(row.get("note") or ""):
            needles.add(found)
        if free_text:
            needles.add(row.get("note"), how="text")
    for row in landing_rows(landing, "messages"):
        for column in ("from_id", "to_id"):
            if row.get(column) not in channels:
                needles.add(row.get(column))
        needles.add(row.get("media_url"))
        for found in phones_emails_urls(row.get("content") or ""):
            needles.add(found)
        if free_text:
            needles.add(row.get("content"), how="text")
    return needles


@dataclass(frozen=True)
class Leak:
    relation: str
    column: str
    value: str
    needle: str

    def __str__(self) -> str:
        return f"{self.relation}.{self.column} = {self.value[:80]!r} shows {self.needle!r}"


def leaks(
    text_columns: Iterable[tuple[str, str]],
    values_of: Callable[[str, str], Sequence[str]],
    needles: Needles,
) -> list[Leak]:
    """Every (relation, column) value that is or contains a needle (hashes skipped)."""
    found = []
    for relation, column in text_columns:
        for value in values_of(relation, column):
            if value is None or HASH.fullmatch(value):
                continue
            if value.strip() in needles.values:
                found.append(Leak(relation, column, value, value.strip()))
            found.extend(
                Leak(relation, column, value, needle)
                for needle in needles.substrings
                if needle in value
            )
    return found


def duckdb_text_columns(con) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(schema.table, column) of every text column of every relation of a DuckDB file."""
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' order by 1, 2"
    ).fetchall()
    return [(relation, column) for relation, column in rows]


def duckdb_values(con) -> Callable[[str, str], list[str]]:  # type: ignore[no-untyped-def]
    def values(relation: str, column: str) -> list[str]:
        return [
            row[0]
            for row in con.execute(
                f'select distinct "{column}" from {relation} where "{column}" is not null'
            ).fetchall()
        ]

    return values


def expected_reader_rows(rows: Iterable[Sequence], rules: Sequence[str], key: Any) -> Counter:
    """The rows a reader relation must hold for a mart's ``rows`` (as a multiset), its
    columns' privacy classes ``rules`` applied as the contract of the reader layer says:
    identifiers hashed under ``key`` (``PiiKey.hash``, Python's hashlib), free text null,
    staff and none unchanged."""
    return Counter(
        tuple(
            key.hash(v) if rule == "identifier" and v is not None
            else None if rule == "free_text" else v
            for v, rule in zip(row, rules, strict=True)
        )
        for row in rows
    )  # fmt: skip
