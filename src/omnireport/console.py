"""The command line's standard output and error: secrets masked, closed pipes tolerated.

``guarded_streams()`` wraps ``sys.stdout`` and ``sys.stderr`` for the life of a command:

- every write goes through ``omnireport.redact.redact``, so no secret reaches the terminal,
  a log file the output is sent to, or a scheduler's capture, whatever printed it (the
  command itself, dbt's streamed output, a library's error);
- a text the stream's encoding cannot hold (a file name that is not valid UTF-8) is
  written with backslash escapes instead of failing;
- when the reader of a pipe goes away (``omnireport status | head -1``), the stream is
  pointed at ``/dev/null`` (Python's own recipe for ``BrokenPipeError``) and the command
  goes on quietly: a run whose output nobody reads any more still finishes its work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from omnireport.redact import redact


class GuardedStream:
    """A text stream that redacts what it writes and survives a closed pipe."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.pipe_closed = False

    def write(self, text: str) -> int:
        if self.pipe_closed:
            return len(text)
        safe = redact(text)
        try:
            self._stream.write(safe)
        except UnicodeEncodeError:
            encoding = getattr(self._stream, "encoding", None) or "utf-8"
            self._guard(lambda: self._stream.write(_escaped(safe, encoding)))
        except BrokenPipeError:
            self._to_devnull()
        return len(text)

    def flush(self) -> None:
        if not self.pipe_closed:
            self._guard(self._stream.flush)

    def _guard(self, action: Any) -> None:
        try:
            action()
        except BrokenPipeError:
            self._to_devnull()

    def _to_devnull(self) -> None:
        """Point the stream's file descriptor at /dev/null: later writes (and the flush at
        exit) go nowhere instead of raising again."""
        self.pipe_closed = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass  # a stream without a file descriptor (a test's capture): writes are dropped

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _escaped(text: str, encoding: str) -> str:
    return text.encode(encoding, "backslashreplace").decode(encoding, "replace")


@contextmanager
def guarded_streams() -> Iterator[tuple[GuardedStream, GuardedStream]]:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (see the module docstring) for the block."""
    saved = sys.stdout, sys.stderr
    out, err = GuardedStream(sys.stdout), GuardedStream(sys.stderr)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        yield out, err
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = saved
