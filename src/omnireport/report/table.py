"""The result of a view: named columns (the marts' names), rows, and an optional totals row."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass
class Table:
    """One view's rows. ``labels`` are the terminal headers; ``columns`` the marts' names."""

    view: str
    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    totals: tuple[Any, ...] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    source: str = ""
    vertical: bool = False

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def totals_record(self) -> dict[str, Any] | None:
        return None if self.totals is None else dict(zip(self.columns, self.totals, strict=True))

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def percentage(numerator: int, denominator: int) -> float | None:
    """100 * numerator / denominator rounded half-up to 2 decimals; None when nothing to divide."""
    if not denominator:
        return None
    exact = Decimal(100 * int(numerator)) / Decimal(int(denominator))
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def average(total: float | None, count: int | None) -> float | None:
    """total / count, unrounded; None when count is 0 (CONTRACT 6.21)."""
    if not count:
        return None
    return float(total or 0.0) / int(count)
