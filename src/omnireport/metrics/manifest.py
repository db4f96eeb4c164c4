"""Find, refresh and load the semantic manifest that MetricFlow compiles queries from.

``dbt parse`` writes ``semantic_manifest.json`` beside ``manifest.json``. The metrics
commands use, in this order, the first one that is newer than every file of the dbt
project:

1. their own copy, ``<state dir>/metrics/semantic_manifest.json``;
2. the one the last build parsed into the warehouse's dbt target path (only when that
   parse was of the same dbt project).

When neither is fresh they run ``dbt parse`` into a new temporary folder of the state
dir and move its semantic manifest into place (``os.replace``): they never write into
the build's target path, so a query can refresh the manifest while a build runs, and two
queries refreshing at once each install a complete file. ``dbt parse`` opens no database.

The relations in the manifest name the warehouse's catalog (``"warehouse"."marts"."x"``);
``load_semantic_manifest`` drops the catalog, so the SQL MetricFlow writes reads
``"marts"."x"`` of whichever file it runs on: the published snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnireport.dbt_command import dbt_parse_command
from omnireport.settings import Settings

if TYPE_CHECKING:
    from metricflow_semantic_interfaces.implementations.semantic_manifest import (
        PydanticSemanticManifest,
    )

SEMANTIC_MANIFEST = "semantic_manifest.json"
METRICS_STATE_DIR = "metrics"
# Written by omnireport.dbt_command.ensure_manifest beside the build's manifest: the
# project folder and dbt vars it was parsed with.
BUILD_PARSE_STAMP = "omnireport_parse.json"
_GENERATED_DIRS = frozenset({"target", "logs", "dbt_packages"})


def own_manifest_path(settings: Settings) -> Path:
    """The metrics commands' own semantic manifest of this warehouse."""
    return settings.state_dir / METRICS_STATE_DIR / SEMANTIC_MANIFEST


def newest_project_mtime(project_dir: Path) -> float:
    """The newest modification time of a source file of the dbt project."""
    newest = 0.0
    for folder, subfolders, files in os.walk(project_dir):
        subfolders[:] = [
            name for name in subfolders if name not in _GENERATED_DIRS and not name.startswith(".")
        ]
        for name in files:
            if not name.startswith("."):  # dbt's .user.yml, editor files
                newest = max(newest, (Path(folder) / name).stat().st_mtime)
    return newest


def _is_fresh(path: Path, newest_source: float) -> bool:
    return path.is_file() and path.stat().st_mtime >= newest_source


def _build_manifest(settings: Settings) -> Path | None:
    """The build's semantic manifest, when the build parsed this same dbt project."""
    stamp = settings.dbt_target_path / BUILD_PARSE_STAMP
    try:
        parsed = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(parsed, dict) or parsed.get("project_dir") != str(settings.dbt_project_dir):
        return None
    return settings.dbt_target_path / SEMANTIC_MANIFEST


def parse_semantic_manifest(settings: Settings) -> Path:
    """Run ``dbt parse`` and install its semantic manifest as ``own_manifest_path``.

    Raises ``RuntimeError`` with dbt's message when the project does not parse.
    """
    if not (settings.dbt_project_dir / "dbt_project.yml").is_file():
        raise FileNotFoundError(
            f"no dbt_project.yml in {settings.dbt_project_dir}: set OMNIREPORT_DBT_PROJECT_DIR "
            "to the folder of the omnireport dbt project"
        )
    target = own_manifest_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".parse-", dir=target.parent))
    try:
        args, env = dbt_parse_command(settings, work)
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        parsed = work / SEMANTIC_MANIFEST
        if done.returncode != 0 or not parsed.is_file():
            output = (done.stdout + done.stderr).strip()
            raise RuntimeError(
                f"dbt parse of {settings.dbt_project_dir} failed (exit {done.returncode}), so "
                f"there is no semantic manifest to query; fix the dbt project. dbt said:\n{output}"
            )
        os.replace(parsed, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def ensure_semantic_manifest(settings: Settings, *, say: Any = None) -> Path:
    """A semantic manifest at least as new as every file of the dbt project (see module doc)."""
    newest = newest_project_mtime(settings.dbt_project_dir)
    own = own_manifest_path(settings)
    if _is_fresh(own, newest):
        return own
    built = _build_manifest(settings)
    if built is not None and _is_fresh(built, newest):
        return built
    if say is not None:
        say(f"Parsing the dbt project {settings.dbt_project_dir} for its semantic manifest ...")
    return parse_semantic_manifest(settings)


def _without_catalog(node_relation: dict[str, Any]) -> None:
    schema, alias = node_relation["schema_name"], node_relation["alias"]
    node_relation["database"] = None
    node_relation["relation_name"] = f'"{schema}"."{alias}"'


def load_semantic_manifest(path: Path) -> PydanticSemanticManifest:
    """The semantic manifest at ``path``, its relations without the catalog (module doc).

    Raises ``ValueError`` when the file is not a semantic manifest (a partial write).
    """
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )

    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "semantic_models" not in raw:
        raise ValueError(f"{path} is not a dbt semantic manifest")
    for semantic_model in raw["semantic_models"]:
        _without_catalog(semantic_model["node_relation"])
    configuration = raw.get("project_configuration") or {}
    for spine in configuration.get("time_spines") or []:
        _without_catalog(spine["node_relation"])
    for legacy in configuration.get("time_spine_table_configurations") or []:
        location = str(legacy.get("location", ""))
        legacy["location"] = ".".join(location.split(".")[-2:])
    return parse_manifest_from_dbt_generated_manifest(json.dumps(raw))
