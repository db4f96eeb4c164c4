"""What the command line says about an error a user can cause, and its exit code.

Every command ends through ``describe_error``: one line that says what was wrong and
what to do, and the documented exit code (``EXIT_USAGE`` for a wrong argument or
setting, ``EXIT_FAILED`` for a failure, ``EXIT_INTERRUPTED`` for Ctrl-C), never a
traceback (``omnireport --debug`` shows one). The line is redacted like every output.
"""

from __future__ import annotations

import errno

from omnireport.redact import redact

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command-line value that cannot work; reported with exit code 2."""


class SettingsError(UsageError, ValueError):
    """A setting (an environment variable, a path) that cannot work; exit code 2."""


# Exceptions whose message is already written for the user (they say what to do).
_WRITTEN_FOR_USERS = (RuntimeError, FileNotFoundError, ValueError)


def describe_error(error: BaseException) -> tuple[str, int]:
    """The message and exit code for ``error``, which ended a command."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(error, UsageError):
        return redact(str(error)), EXIT_USAGE
    if isinstance(error, OSError) and error.errno is not None:
        return _os_error(error)
    if type(error).__module__.split(".")[0] in {"duckdb", "_duckdb"}:
        return redact(_duckdb_error(error)), EXIT_FAILED
    if isinstance(error, _WRITTEN_FOR_USERS):
        return redact(str(error).strip() or type(error).__name__), EXIT_FAILED
    return (
        redact(
            f"unexpected error ({type(error).__name__}: {_first_line(error)}); run the command "
            "again with --debug to see where it happened"
        ),
        EXIT_FAILED,
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "no message"


def _os_error(error: OSError) -> tuple[str, int]:
    """A file-system error as what to do about the path it names."""
    path = error.filename if error.filename is not None else "a file"
    reason = error.strerror or str(error)
    code = error.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        message = (
            f"cannot write or read {path} ({reason}): use a folder this user can write "
            "(for example --warehouse or --out elsewhere), or change its permissions"
        )
        return redact(message), EXIT_FAILED
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (
            redact(
                f"no space left while writing {path} ({reason}): free some space, then run again"
            ),
            EXIT_FAILED,
        )
    if code == errno.EISDIR:
        return redact(f"{path} is a folder: give the path of a file"), EXIT_USAGE
    if code in (errno.ENOTDIR, errno.EEXIST):
        return (
            redact(
                f"{path}: a part of this path is a file, not a folder: give a path under a folder"
            ),
            EXIT_USAGE,
        )
    if code == errno.ENOENT:
        return redact(f"{path} does not exist ({reason})"), EXIT_FAILED
    return redact(f"{path}: {reason}"), EXIT_FAILED


def _duckdb_error(error: BaseException) -> str:
    text = _first_line(error)
    if "Could not set lock on file" in text:
        return (
            f"another program has the warehouse open ({text.split(': ', 1)[-1]}); close it "
            "(DuckDB allows one writer) and run again"
        )
    return f"the warehouse refused an operation: {text}"
