"""Write rows through the bad-row and re-export rates, counting what was written."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from omnireport.contract import RAW_TABLES
from omnireport.generate.corrupt import Row, bad_session_reexport, corrupt
from omnireport.generate.writer import BatchFiles


@dataclass
class TableCounts:
    """Rows written to one raw table: all of them, broken ones, and extra re-exports."""

    rows: int = 0
    bad: int = 0
    dup: int = 0


@dataclass
class GenerateStats:
    """What a run wrote, per raw table."""

    tables: dict[str, TableCounts] = field(
        default_factory=lambda: {table.name: TableCounts() for table in RAW_TABLES}
    )

    @property
    def total_rows(self) -> int:
        return sum(counts.rows for counts in self.tables.values())


class Exporter:
    """Routes rows to batch files; breaks `bad_rate` of them and re-exports `dup_rate`."""

    def __init__(
        self, files: BatchFiles, batches: int, bad_rate: float, dup_rate: float, seed: int
    ) -> None:
        self._files = files
        self.batches = batches
        self.bad_rate = bad_rate
        self.dup_rate = dup_rate
        self._bad_rng = random.Random(f"{seed}:bad")
        self._dup_rng = random.Random(f"{seed}:dup")
        self.stats = GenerateStats()

    def later_batch(self, batch: int) -> int:
        """A batch at or after `batch` (the next one when there is one)."""
        return min(batch + 1, self.batches - 1)

    def wants_dup(self) -> bool:
        return self.dup_rate > 0 and self._dup_rng.random() < self.dup_rate

    def emit(self, table: str, batch: int, row: Row, us: int, *, copy_dup: bool = True) -> None:
        """Write one row (maybe broken); `us` is its main time, used to break timestamps.

        With `copy_dup`, `dup_rate` of the rows are written again, unchanged, in a later batch
        (tables whose re-exports need changed versions, sessions and messages, pass False and
        call `emit_dup` themselves).
        """
        counts = self.stats.tables[table]
        if self.bad_rate > 0 and self._bad_rng.random() < self.bad_rate:
            if table == "sessions" and self._bad_rng.random() < 0.2:
                # a good row, then a bad re-export of it with a higher updated_at
                self._files.write(table, batch, row)
                self._files.write(
                    table, self.later_batch(batch), bad_session_reexport(row, self._bad_rng, us)
                )
                counts.rows += 2
                counts.bad += 1
                return
            row = corrupt(table, row, self._bad_rng, us)
            counts.bad += 1
        self._files.write(table, batch, row)
        counts.rows += 1
        if copy_dup and self.wants_dup():
            self.emit_dup(table, self.later_batch(batch), row)

    def write(self, table: str, batch: int, row: Row) -> None:
        """Write a good row as it is, with no rate applied (tables that plan their own)."""
        self._files.write(table, batch, row)
        self.stats.tables[table].rows += 1

    def emit_bad(self, table: str, batch: int, bad_row: Row) -> None:
        """Write a row that the caller broke on purpose, whatever the rate (dimension tables)."""
        counts = self.stats.tables[table]
        self._files.write(table, batch, bad_row)
        counts.rows += 1
        counts.bad += 1

    def emit_dup(self, table: str, batch: int, row: Row) -> None:
        """Write a re-export of a row (never broken; counted as a re-export)."""
        counts = self.stats.tables[table]
        self._files.write(table, batch, row)
        counts.rows += 1
        counts.dup += 1
