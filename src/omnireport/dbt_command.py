"""dbt as omnireport runs it: the executable, and the project's manifest kept fresh.

The executable of the runs is the ``omnireport-dbt`` script: dbt's own command line, except
that ``--version`` is answered from the installed dbt-core's metadata. dagster-dbt asks the
executable for its version before every build; dbt's command line imports all of dbt to
answer, which costs about 1.5 s of every run. Any other arguments go to dbt unchanged.

``ensure_manifest(settings)`` runs ``dbt parse`` into the warehouse's target path when the
manifest is missing or older than a file of the project. Nothing here imports dbt or
Dagster, so the command line can tell whether a run has anything to do before either loads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from omnireport.settings import Settings

SCRIPT = "omnireport-dbt"


def dbt_executable() -> str:
    """The ``omnireport-dbt`` script installed beside this Python, else dbt itself, beside it
    or on PATH."""
    scripts = Path(sys.executable).parent
    for name in (SCRIPT, "dbt"):
        beside_python = scripts / (f"{name}.exe" if os.name == "nt" else name)
        if beside_python.is_file():
            return str(beside_python)
    on_path = shutil.which("dbt")
    if on_path is None:
        raise FileNotFoundError(
            f"No dbt executable found beside {sys.executable} or on PATH: "
            "install the project environment (`make setup`) and run omnireport from it."
        )
    return on_path


# Folders of a dbt project that hold generated files, not sources.
_GENERATED_DIRS = frozenset({"target", "logs", "dbt_packages", ".user.yml"})


def dbt_parse_command(
    settings: Settings, target_path: Path, dbt_vars: Mapping[str, Any] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The arguments and environment of ``dbt parse`` of the project of ``settings`` into
    ``target_path`` (its log there too)."""
    args = [
        dbt_executable(),
        "parse",
        "--quiet",
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target-path",
        str(target_path),
    ]
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars))]
    env = {
        **os.environ,
        **settings.dbt_env(),
        "DBT_LOG_PATH": str(target_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return args, env


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for folder, subfolders, files in os.walk(project_dir):
        subfolders[:] = [name for name in subfolders if name not in _GENERATED_DIRS]
        for name in files:
            newest = max(newest, (Path(folder) / name).stat().st_mtime)
    return newest


PARSE_STAMP = "omnireport_parse.json"


def _parse_stamp(settings: Settings, dbt_vars: Mapping[str, Any] | None) -> str:
    return json.dumps(
        {"project_dir": str(settings.dbt_project_dir), "vars": dict(dbt_vars or {})},
        sort_keys=True,
    )


def manifest_is_stale(settings: Settings, dbt_vars: Mapping[str, Any] | None = None) -> bool:
    """True when the manifest is missing, was parsed for another project or other dbt vars,
    or a file of the dbt project is newer than it."""
    manifest = settings.dbt_target_path / "manifest.json"
    stamp = settings.dbt_target_path / PARSE_STAMP
    if not manifest.is_file() or not stamp.is_file():
        return True
    if stamp.read_text(encoding="utf-8") != _parse_stamp(settings, dbt_vars):
        return True
    return _newest_source_mtime(settings.dbt_project_dir) > manifest.stat().st_mtime


def ensure_manifest(
    settings: Settings, *, dbt_vars: Mapping[str, Any] | None = None, force: bool = False
) -> Path:
    """Run ``dbt parse`` into the target path when the manifest is missing or stale.

    ``dbt_vars`` are the vars the following build will use: parsing with the same vars
    lets that build parse partially, and vars can add tests (one per SLA column).
    Returns the manifest path. Raises ``RuntimeError`` with dbt's message when parsing fails.
    """
    manifest = settings.dbt_target_path / "manifest.json"
    if not force and not manifest_is_stale(settings, dbt_vars):
        return manifest
    settings.dbt_target_path.mkdir(parents=True, exist_ok=True)
    args, env = dbt_parse_command(settings, settings.dbt_target_path, dbt_vars)
    completed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0 or not manifest.is_file():
        output = (completed.stdout + completed.stderr).strip()
        raise RuntimeError(
            f"dbt parse of {settings.dbt_project_dir} failed (exit {completed.returncode}); "
            f"fix the dbt project and run again. dbt said:\n{output}\n"
            f"Full log: {settings.dbt_target_path / 'dbt.log'}"
        )
    manifest.touch()
    (settings.dbt_target_path / PARSE_STAMP).write_text(
        _parse_stamp(settings, dbt_vars), encoding="utf-8"
    )
    return manifest


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # The shape of dbt's own answer, which dagster-dbt parses.
        print(f"Core:\n  - installed: {version('dbt-core')}")
        sys.exit(0)
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
