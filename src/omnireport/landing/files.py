"""Find the landing files to load, and identify each by the hash of its bytes.

Layout (CONTRACT.md section 2, "Landing files"): `<landing_dir>/<table>/<name>.<ext>`,
`<table>` one of the contract's raw tables, `<ext>` csv, jsonl or parquet in any case.
Everything else is ignored and reported as a warning, never loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from omnireport.contract import RAW_TABLES_BY_NAME

FORMATS_BY_EXTENSION: dict[str, str] = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}

_HASH_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LandingFile:
    """One candidate file: its table, format, absolute path and landing-relative posix path."""

    table: str
    file_format: str
    path: Path
    relative_path: str

    @property
    def sort_key(self) -> tuple[str, str]:
        """Load order within a run: by table, then file name (code point order)."""
        return (self.table, self.path.name)


@dataclass
class Discovery:
    """The files to load, in load order, and what was ignored (as readable warnings)."""

    files: list[LandingFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def discover_landing_files(landing_dir: Path) -> Discovery:
    """List the loadable files under `landing_dir`, sorted by (table, file name).

    Raises FileNotFoundError / NotADirectoryError when `landing_dir` is not a folder.
    """
    if not landing_dir.exists():
        raise FileNotFoundError(
            f"landing folder {landing_dir} does not exist: create it, or point the loader "
            "at the folder that holds one sub-folder per raw table"
        )
    if not landing_dir.is_dir():
        raise NotADirectoryError(f"landing folder {landing_dir} is a file, not a folder")

    discovery = Discovery()
    known = ", ".join(sorted(RAW_TABLES_BY_NAME))
    for entry in sorted(landing_dir.iterdir(), key=lambda p: p.name):
        if not entry.is_dir():
            discovery.warnings.append(
                f"ignored {entry.name}: files at the top of the landing folder are not loaded "
                "(put exports in <table>/ sub-folders)"
            )
        elif entry.name not in RAW_TABLES_BY_NAME:
            discovery.warnings.append(
                f"ignored folder {entry.name}/: not a raw table (expected one of: {known})"
            )
        else:
            _discover_table_folder(entry, discovery)
    discovery.files.sort(key=lambda f: f.sort_key)
    return discovery


def _discover_table_folder(folder: Path, discovery: Discovery) -> None:
    table = folder.name
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        relative = f"{table}/{entry.name}"
        if entry.is_dir():
            discovery.warnings.append(
                f"ignored folder {relative}/: nested folders are not loaded"
            )
            continue
        file_format = FORMATS_BY_EXTENSION.get(entry.suffix.lower())
        if file_format is None:
            discovery.warnings.append(
                f"ignored {relative}: not a .csv, .jsonl or .parquet file"
            )
            continue
        discovery.files.append(LandingFile(table, file_format, entry, relative))


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes, read in chunks (files may be many GB)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
