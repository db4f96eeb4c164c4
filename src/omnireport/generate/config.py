"""Settings of one generator run, checked once, with messages that say what to change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

FORMATS = ("csv", "jsonl", "parquet", "mixed")
# `mixed` rotates the file format per batch, in this order.
MIXED_ROTATION = ("csv", "jsonl", "parquet")
DEFAULT_START_DATE = date(2026, 3, 2)  # a Monday; never today's date, so runs are reproducible


@dataclass(frozen=True)
class GenerateConfig:
    """What to generate: how many sessions over how many days, cut into how many export batches."""

    out: Path
    sessions: int
    days: int = 14
    seed: int = 1
    bad_rate: float = 0.01
    dup_rate: float = 0.02
    batches: int = 3
    start_date: date = DEFAULT_START_DATE
    format: str = "csv"

    def __post_init__(self) -> None:
        problems = []
        if self.sessions < 0:
            problems.append(f"--sessions must be 0 or more, got {self.sessions}")
        if self.days < 1:
            problems.append(f"--days must be at least 1, got {self.days}")
        if self.batches < 1:
            problems.append(f"--batches must be at least 1, got {self.batches}")
        for name, rate in (("--bad-rate", self.bad_rate), ("--dup-rate", self.dup_rate)):
            if not 0.0 <= rate <= 1.0:
                problems.append(f"{name} must be a fraction between 0 and 1, got {rate}")
        if self.format not in FORMATS:
            problems.append(f"--format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if problems:
            raise ValueError("; ".join(problems))

    def batch_format(self, batch: int) -> str:
        """File format of a 0-based batch index."""
        if self.format == "mixed":
            return MIXED_ROTATION[batch % len(MIXED_ROTATION)]
        return self.format
