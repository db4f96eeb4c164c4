"""Find the landing files to load, and identify each by the hash of its bytes.

Layout (CONTRACT.md section 2, "Landing files"): `<landing_dir>/<table>/<name>.<ext>`,
`<table>` one of the contract's raw tables, `<ext>` csv, jsonl or parquet in any case.
Everything else is ignored and reported as a warning, never loaded; so is anything with a
loadable name that is not a readable regular file (a broken or looping symbolic link, a
named pipe, a device, a file this user cannot read, a name that is not valid UTF-8): the
warning names it and says why, and the other files load. A symbolic link to a readable
regular file loads like the file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from omnireport.contract import RAW_TABLES_BY_NAME

FORMATS_BY_EXTENSION: dict[str, str] = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}

_HASH_CHUNK_BYTES = 1024 * 1024
# The HashCache of a warehouse, in its state folder.
HASHES_FILE = "landing_hashes.json"


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

    @property
    def shown(self) -> str:
        """``relative_path`` as messages print it (``printable``)."""
        return printable(self.relative_path)


def printable(name: str) -> str:
    """A file name safe to print on one line: control characters, other invisible ones
    and bytes that are not UTF-8 are written as escapes (``\\n``, ``\\x1b``, ``\\xff``)."""
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in name)


def _escape(ch: str) -> str:
    if 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's escape)
        return f"\\x{ord(ch) - 0xDC00:02x}"
    return ascii(ch)[1:-1]


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
                f"ignored {printable(entry.name)}: files at the top of the landing folder are "
                "not loaded (put exports in <table>/ sub-folders)"
            )
        elif entry.name not in RAW_TABLES_BY_NAME:
            discovery.warnings.append(
                f"ignored folder {printable(entry.name)}/: not a raw table (expected one of: {known})"
            )
        else:
            _discover_table_folder(entry, discovery)
    discovery.files.sort(key=lambda f: f.sort_key)
    return discovery


def _discover_table_folder(folder: Path, discovery: Discovery) -> None:
    table = folder.name
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        discovery.warnings.append(f"skipped folder {table}/: cannot list it ({exc.strerror})")
        return
    for entry in entries:
        relative = f"{table}/{entry.name}"
        shown = printable(relative)
        if entry.is_dir():
            discovery.warnings.append(f"ignored folder {shown}/: nested folders are not loaded")
            continue
        file_format = FORMATS_BY_EXTENSION.get(entry.suffix.lower())
        if file_format is None:
            discovery.warnings.append(f"ignored {shown}: not a .csv, .jsonl or .parquet file")
            continue
        problem = unreadable_reason(entry)
        if problem is not None:
            discovery.warnings.append(f"skipped {shown}: {problem}")
            continue
        discovery.files.append(LandingFile(table, file_format, entry, relative))


def unreadable_reason(path: Path) -> str | None:
    """Why ``path`` is not a readable regular file (following symbolic links), or None."""
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in path.name):
        return "its name is not valid UTF-8: rename it"
    try:
        info = path.stat()
    except OSError as exc:
        return _stat_problem(path, exc)
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)})"
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    return None


def _stat_problem(path: Path, exc: OSError) -> str:
    if path.is_symlink():
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops (it points back to itself)"
        if exc.errno == errno.ENOENT:
            return (
                f"a broken symbolic link (its target {printable(os.readlink(path))} does not exist)"
            )
    return f"cannot be read ({exc.strerror})"


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISFIFO: "a named pipe",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
    }
    return next((name for test, name in kinds.items() if test(mode)), "not a file")


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

    def known(self, path: Path) -> str | None:
        """The digest remembered for this file while it is unchanged, else None (the file's
        bytes are not read)."""
        return self._remembered(path, list(file_stamp(path)))

    def digest(self, path: Path) -> str:
        """`content_hash(path)`, or the one remembered for this file while it is unchanged."""
        stamp: list[object] = list(file_stamp(path))
        digest = self._remembered(path, stamp) or content_hash(path)
        self._seen[str(path.absolute())] = [*stamp, digest]
        return digest

    def _remembered(self, path: Path, stamp: list[object]) -> str | None:
        known = self._known.get(str(path.absolute()))
        if (
            isinstance(known, list)
            and len(known) == 5
            and known[:4] == stamp
            and isinstance(known[4], str)
        ):
            return known[4]
        return None

    def save(self) -> None:
        """Remember the files hashed in this run (files no longer seen are forgotten)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(
            json.dumps({"version": self.VERSION, "files": self._seen}), encoding="utf-8"
        )
        os.replace(partial, self.path)
