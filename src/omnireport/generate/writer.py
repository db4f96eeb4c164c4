"""One open file per (raw table, batch): rows go straight to disk, so memory stays bounded.

Files are `<out>/<table>/batch_0001.<ext>` ... (names sort in batch order). CSV is UTF-8
with a header of the contract's column names and RFC 4180 quoting (the csv module); an
empty field is null. JSONL writes one object per line (nulls written as `null` or left
out, ratings and weekdays as JSON numbers, clean booleans as JSON booleans). Parquet writes every
column as text, one row group per few thousand rows.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path
from typing import IO, Any

from omnireport.contract import RAW_TABLES
from omnireport.generate.config import GenerateConfig

Row = list[str | None]
PARQUET_ROW_GROUP = 5_000
_INTEGER = re.compile(r"^-?[0-9]+$")
_DECIMAL = re.compile(r"^-?[0-9]+\.[0-9]+$")


def batch_file_name(batch: int, fmt: str) -> str:
    """File name of a 0-based batch: `batch_0001.csv` for batch 0."""
    return f"batch_{batch + 1:04d}.{fmt}"


class _CsvSink:
    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self._handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(columns)

    def write(self, row: Row) -> None:
        self._writer.writerow(row)

    def close(self) -> None:
        self._handle.close()


class _JsonlSink:
    def __init__(self, path: Path, columns: tuple[str, ...], rng: random.Random) -> None:
        self._handle: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        self._columns = columns
        self._rng = rng

    def write(self, row: Row) -> None:
        record: dict[str, Any] = {}
        for name, value in zip(self._columns, row, strict=False):
            if value is None:
                if self._rng.random() < 0.5:
                    record[name] = None  # else: the key is absent, also null
                continue
            if name == "rating" and _INTEGER.match(value):
                record[name] = int(value)  # a typed number, `5`
            elif name == "rating" and _DECIMAL.match(value):
                record[name] = float(value)  # `5.0` and `4.5` keep their text in JSON
            elif name == "is_active" and value in ("true", "false"):
                record[name] = value == "true"
            elif name == "weekday" and value.isdigit() and value == str(int(value)):
                record[name] = int(value)  # a typed number, `3` (never `01`: that stays text)
            else:
                record[name] = value
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._handle.close()


class _ParquetSink:
    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self._schema = pa.schema([(name, pa.string()) for name in columns])
        self._writer = pq.ParquetWriter(str(path), self._schema)
        self._columns = columns
        self._buffer: list[Row] = []

    def write(self, row: Row) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        arrays = [
            self._pa.array([row[i] for row in self._buffer], type=self._pa.string())
            for i in range(len(self._columns))
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self._buffer = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


class BatchFiles:
    """Every (table, batch) file of a run, open for writing until `close`."""

    def __init__(self, config: GenerateConfig) -> None:
        self.paths: list[Path] = []
        self._sinks: dict[str, list[Any]] = {}
        rng = random.Random(f"{config.seed}:jsonl")
        for table in RAW_TABLES:
            folder = Path(config.out) / table.name
            folder.mkdir(parents=True, exist_ok=True)
            sinks = []
            for batch in range(config.batches):
                fmt = config.batch_format(batch)
                path = folder / batch_file_name(batch, fmt)
                self.paths.append(path)
                if fmt == "csv":
                    sinks.append(_CsvSink(path, table.columns))
                elif fmt == "jsonl":
                    sinks.append(_JsonlSink(path, table.columns, rng))
                else:
                    sinks.append(_ParquetSink(path, table.columns))
            self._sinks[table.name] = sinks

    def write(self, table: str, batch: int, row: Row) -> None:
        self._sinks[table][batch].write(row)

    def close(self) -> None:
        for sinks in self._sinks.values():
            for sink in sinks:
                sink.close()
