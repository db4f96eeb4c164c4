"""GX validation results kept as JSON files a user can open.

Files live in the warehouse's working folder:
``<warehouse dir>/.omnireport/<warehouse stem>/validations/<timestamp>_<suite>.json``,
the timestamp in UTC (``20260316T081500.123456Z``) so names sort by time. Each file is
written whole (a temporary file, then ``os.replace``): a reader never sees half of one.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.checks.gx_runtime import jsonable

VALIDATIONS_DIR_NAME = "validations"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def validations_dir(state_dir: Path) -> Path:
    """The folder of stored validation results for the warehouse whose state dir is given."""
    return Path(state_dir) / VALIDATIONS_DIR_NAME


def write_validation_result(
    state_dir: Path, suite: str, payload: dict[str, Any], *, now: datetime | None = None
) -> Path:
    """Write ``payload`` as ``<timestamp>_<suite>.json`` and return its path."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    folder = validations_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{moment.strftime('%Y%m%dT%H%M%S.%fZ')}_{_UNSAFE.sub('_', suite)}.json"
    path = folder / name
    document = {"suite": suite, "validated_at": moment.isoformat(), **payload}
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(
        json.dumps(jsonable(document), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    os.replace(temporary, path)
    return path
