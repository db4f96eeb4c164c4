"""The committed sample data (seeds/), described by its own files: tests read the sizes from
here instead of repeating numbers that change whenever the sample grows."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
LANDING = SEEDS / "landing"
COUNTS = json.loads((SEEDS / "expected_counts.json").read_text(encoding="utf-8"))

FILES = sorted(path for path in LANDING.glob("*/*") if path.is_file())
TABLES = sorted({path.parent.name for path in FILES})
RAW_ROWS = COUNTS["total"]["raw"]
STAGED_SESSIONS = COUNTS["tables"]["sessions"]["staged"]


@dataclass(frozen=True)
class SampleBuild:
    """The sample warehouse built once per test session, and what its `omnireport run` said."""

    warehouse: Path
    output: str


def copy_build(warehouse: Path, folder: Path) -> Path:
    """A copy, in the new ``folder``, of a built warehouse's folder: the warehouse file, its
    published snapshots and its state folder (build record, Dagster history, PII key). For a
    test that writes to a warehouse the test session built once. Returns the copy's path."""
    shutil.copytree(warehouse.parent, folder, symlinks=True)
    return folder / warehouse.name
