"""What the last published build was made of, so that a run with nothing new skips dbt.

A run may leave dbt (and the publish) out only when the marts and the reader layer would
come out exactly as readers already have them: no landing file was loaded since the last
complete build, that build was published, and it was made from the same dbt project (every
model, test, seed and macro, and ``dbt_project.yml``, whose vars hold the raw rules and the
redaction patterns), the same settings (time zone, SLA list, free-text mode) and the same PII
key. That is one fingerprint (``build_fingerprint``).

The record is one JSON file in the warehouse's state folder, ``last_build.json``: the
build's ``built_at`` (as ``raw._build_state`` holds it, so the record of an older build or of
another warehouse never matches), its fingerprint, and whether its publish finished. The
dbt step removes it before dbt starts (a build that fails leaves none, and the next run
builds), writes it after a complete build, and the publish step marks it published.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omnireport.build_state import BuildSettings, BuildState
    from omnireport.settings import Settings

RECORD_NAME = "last_build.json"


def build_fingerprint(
    manifest_path: Path, project_file: Path, dbt_vars: Mapping[str, Any], key_fingerprint: str
) -> str:
    """A digest of everything besides the data that a build's marts and reader layer
    depend on: the parsed project's nodes and macros, dbt_project.yml, the build's vars and
    the PII key's fingerprint (never the key)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256()
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        digest.update(f"{unique_id}\t{node.get('checksum', {}).get('checksum')}\n".encode())
    for unique_id, macro in sorted(manifest.get("macros", {}).items()):
        digest.update(f"{unique_id}\t{macro.get('macro_sql', '')}\n".encode())
    digest.update(project_file.read_bytes())
    digest.update(json.dumps(dict(dbt_vars), sort_keys=True).encode())
    digest.update(key_fingerprint.encode())
    return digest.hexdigest()


def current_fingerprint(settings: Settings, build: BuildSettings) -> str:
    """``build_fingerprint`` of the warehouse of ``settings`` built now with ``build``."""
    from omnireport.contract import dbt_project_file
    from omnireport.privacy.keys import load_pii_key

    return build_fingerprint(
        settings.dbt_target_path / "manifest.json",
        dbt_project_file(),
        build.dbt_vars(),
        load_pii_key(settings.state_dir).fingerprint,
    )


def nothing_new(settings: Settings, build: BuildSettings) -> BuildState | None:
    """The last build, when a run now would load nothing and that build is published from
    the current fingerprint: the run has nothing to do. Else None.

    Decided without starting a run: the landing files are listed (their bytes are not read:
    a file the loader's hashes do not know counts as new), the load log and the build state
    are read, and the fingerprint is computed. Anything unusual (a warning about the landing
    folder, a failed file) leaves the decision to a real run.
    """
    from omnireport.build_state import STATE_TABLE, current_build
    from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA
    from omnireport.landing.files import HASHES_FILE, HashCache, discover_landing_files
    from omnireport.landing.load_log import nothing_to_load
    from omnireport.warehouse.targets import relation_exists

    if settings.target == "duckdb" and not settings.warehouse.is_file():
        return None
    discovery = discover_landing_files(settings.landing_dir)
    if discovery.warnings:
        return None
    with settings.warehouse_target().connect() as con:
        # A warehouse that was never loaded or built has neither (an empty database).
        if not all(
            relation_exists(con, RAW_SCHEMA, name) for name in (LOAD_LOG_TABLE, STATE_TABLE)
        ):
            return None
        if not nothing_to_load(con, discovery.files, HashCache(settings.state_dir / HASHES_FILE)):
            return None
        previous = current_build(con, build)
    if previous is None or not is_published_build(
        settings.state_dir, previous.built_at, current_fingerprint(settings, build)
    ):
        return None
    return previous


def _path(state_dir: Path) -> Path:
    return state_dir / RECORD_NAME


def _read(state_dir: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _write(state_dir: Path, record: Mapping[str, Any]) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    partial = _path(state_dir).with_suffix(".json.partial")
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, _path(state_dir))


def forget_build(state_dir: Path) -> None:
    """Remove the record: a dbt build is about to change the warehouse."""
    _path(state_dir).unlink(missing_ok=True)


def record_build(state_dir: Path, built_at: datetime, fingerprint: str) -> None:
    """Record a complete build (not yet published)."""
    _write(
        state_dir,
        {"built_at": built_at.isoformat(), "fingerprint": fingerprint, "published": False},
    )


def record_published(state_dir: Path, built_at: datetime) -> None:
    """Mark the record of the build ``built_at`` published (nothing when it is another's)."""
    record = _read(state_dir)
    if record is not None and record.get("built_at") == built_at.isoformat():
        _write(state_dir, {**record, "published": True})


def is_published_build(state_dir: Path, built_at: datetime, fingerprint: str) -> bool:
    """True when the build ``built_at`` was made from ``fingerprint`` and published."""
    record = _read(state_dir)
    return (
        record is not None
        and record.get("built_at") == built_at.isoformat()
        and record.get("fingerprint") == fingerprint
        and record.get("published") is True
    )
