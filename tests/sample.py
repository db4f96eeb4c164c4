"""The committed sample data (seeds/), described by its own files: tests read the sizes from
here instead of repeating numbers that change whenever the sample grows."""

from __future__ import annotations

import json
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
LANDING = SEEDS / "landing"
COUNTS = json.loads((SEEDS / "expected_counts.json").read_text(encoding="utf-8"))

FILES = sorted(path for path in LANDING.glob("*/*") if path.is_file())
TABLES = sorted({path.parent.name for path in FILES})
RAW_ROWS = COUNTS["total"]["raw"]
STAGED_SESSIONS = COUNTS["tables"]["sessions"]["staged"]
