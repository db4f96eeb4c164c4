"""Find the landing files to load, and identify each by the hash of its bytes.

Layout (CONTRACT.md section 2, "Landing files"): `<landing_dir>/<table>/<name>.<ext>`,
`<table>` one of the contract's raw tables, `<ext>` csv, jsonl or parquet in any case.
Everything else is ignored and reported as a warning, never loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
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
            discovery.warnings.append(f"ignored folder {relative}/: nested folders are not loaded")
            continue
        file_format = FORMATS_BY_EXTENSION.get(entry.suffix.lower())
        if file_format is None:
            discovery.warnings.append(f"ignored {relative}: not a .csv, .jsonl or .parquet file")
            continue
        discovery.files.append(LandingFile(table, file_format, entry, relative))


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes, read in chunks (files may be many GB)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def file_stamp(path: Path) -> list[int]:
    """What says a file is unchanged: its size, inode, mtime and ctime. Any write,
    replacement or rename changes ctime, which no copy or archive tool can set back (unlike
    mtime). The loader's HashCache and the landing sensor both trust a file by it."""
    stat = path.stat()
    return [stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns]


class HashCache:
    """The sha256 of each landing file, remembered while the file is unchanged, so a run
    does not read every file it loaded before again (at 1M sessions, 3 GB per run).

    A file counts as unchanged while its `file_stamp` is, so a changed file is always
    hashed again. Kept as JSON in `path`, which the caller owns (one per warehouse).
    Without a HashCache, loaders hash every file.
    """

    VERSION = 1

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: dict[str, list[object]] = {}
        self._seen: dict[str, list[object]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing or damaged: start again, hash everything
            return
        if (
            isinstance(data, dict)
            and data.get("version") == self.VERSION
            and isinstance(data.get("files"), dict)
        ):
            self._known = data["files"]

    def digest(self, path: Path) -> str:
        """`content_hash(path)`, or the one remembered for this file while it is unchanged."""
        stamp: list[object] = list(file_stamp(path))
        key = str(path.absolute())
        known = self._known.get(key)
        if (
            isinstance(known, list)
            and len(known) == 5
            and known[:4] == stamp
            and isinstance(known[4], str)
        ):
            digest = known[4]
        else:
            digest = content_hash(path)
        self._seen[key] = [*stamp, digest]
        return digest

    def save(self) -> None:
        """Remember the files hashed in this run (files no longer seen are forgotten)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(
            json.dumps({"version": self.VERSION, "files": self._seen}), encoding="utf-8"
        )
        os.replace(partial, self.path)
