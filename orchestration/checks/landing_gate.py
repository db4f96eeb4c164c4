"""The landing suite beside the load: each file waits for its own verdict, not for all of them.

``validate_landing_files`` checks every new landing file, and a file it refuses (a contract
column missing, or unreadable) must not be loaded. Checking every file and only then
loading would keep one of the two cores idle for the whole validation: Great Expectations
works in Python, one core, and the load is DuckDB's. So the validation runs in a
background thread, in load order, and the loader asks ``VerdictGate.get(relative_path)``
before each file: the answer comes as soon as that file is validated (at once for files
validated on earlier runs), while the next files are still being checked. The load of a
file and the validation of the files after it overlap; a file is never loaded before its
verdict.

If the validation fails (a bug, a GX error), every waiting and later ``get`` raises
``LandingValidationError`` with the cause, so the load stops instead of loading unchecked
files; ``BackgroundValidation.result()`` raises it too. If the load fails, ``stop()`` ends
the validation at its next verdict, so the load's error is reported without waiting for
every file to be checked.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.checks.landing import TableValidation, validate_landing_files

if TYPE_CHECKING:
    from omnireport.landing.files import LandingFile


class LandingValidationError(RuntimeError):
    """The landing validation stopped before it gave a file its verdict."""


class ValidationCancelled(Exception):
    """The load stopped, so the rest of the landing validation is not needed."""


class VerdictGate:
    """Each landing file's refusal (why it must not be loaded) or None, once known.

    Looks like the mapping ``load_files`` takes as ``refused``: ``get(relative_path)``,
    blocking until that file's verdict is known.
    """

    def __init__(self) -> None:
        self._verdicts: dict[str, str | None] = {}
        self._finished = False
        self._cancelled = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()

    def decide(self, relative_path: str, refusal: str | None) -> None:
        """Record one file's verdict (called by the validation, in its thread); raises
        ``ValidationCancelled`` once the load no longer waits, which ends the validation."""
        with self._changed:
            if self._cancelled:
                raise ValidationCancelled(relative_path)
            self._verdicts[relative_path] = refusal
            self._changed.notify_all()

    def cancel(self) -> None:
        """The load stopped: no more verdicts are wanted."""
        with self._changed:
            self._cancelled = True

    def finish(self, error: BaseException | None = None) -> None:
        """No more verdicts will come: the validation ended, with ``error`` if it failed."""
        with self._changed:
            self._finished = True
            self._error = error
            self._changed.notify_all()

    def get(self, relative_path: str, default: str | None = None) -> str | None:
        """Why ``relative_path`` must not be loaded, or None; waits for its verdict."""
        with self._changed:
            self._changed.wait_for(lambda: relative_path in self._verdicts or self._finished)
            if relative_path in self._verdicts:
                return self._verdicts[relative_path]
            if self._error is not None:
                raise LandingValidationError(
                    f"the landing validation stopped before checking {relative_path} "
                    f"({type(self._error).__name__}: {self._error}); nothing after it was "
                    "loaded. Fix the cause and run again."
                ) from self._error
            return default  # a file the validation was not given


class BackgroundValidation:
    """``validate_landing_files`` on ``files`` in a thread, its verdicts through ``gate``."""

    def __init__(self, files: Sequence[LandingFile], landing_dir: Path, state_dir: Path) -> None:
        self.gate = VerdictGate()
        self._verdicts: dict[str, TableValidation] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run,
            args=(list(files), landing_dir, state_dir),
            name="omnireport-landing-validation",
            daemon=True,
        )

    def start(self) -> BackgroundValidation:
        self._thread.start()
        return self

    def _run(self, files: list[LandingFile], landing_dir: Path, state_dir: Path) -> None:
        try:
            self._verdicts = validate_landing_files(
                files, landing_dir, state_dir, on_verdict=self.gate.decide
            )
        except BaseException as error:  # handed to the loader and to result()
            self._error = error
        finally:
            self.gate.finish(self._error)

    def stop(self) -> None:
        """The load failed: stop validating at the next file's verdict, and wait for that."""
        self.gate.cancel()
        self._thread.join()

    def result(self) -> dict[str, TableValidation]:
        """Wait for the validation to end: every table's verdict, or its error raised."""
        self._thread.join()
        if self._error is not None:
            raise LandingValidationError(
                f"the landing validation failed: {type(self._error).__name__}: {self._error}"
            ) from self._error
        return self._verdicts
