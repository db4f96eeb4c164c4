"""The README's first two commands, as a new user runs them on a clean clone.

`make demo` is run for real in a fresh clone of the committed repository (its own
.tools/ and .venv/, installed from the lock file); `make test` is what this suite is,
so here it is only checked to be the README's second command and to exist in the Makefile.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "the README has no sh code block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_make_demo_and_make_test() -> None:
    assert readme_commands()[:2] == ["make demo", "make test"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_make_demo_on_a_clean_clone(tmp_path: Path) -> None:
    clone = tmp_path / "omnireport"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNIREPORT_", "VIRTUAL_ENV"))}
    first = subprocess.run(
        ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=1800
    )
    assert first.returncode == 0, first.stdout[-5000:] + first.stderr[-3000:]
    assert "Rows per raw table" in first.stdout
    assert re.search(r"^sessions\s+345\s+345\s+330\s+12\s+3\s*$", first.stdout, re.M), first.stdout[
        -3000:
    ]
    assert (clone / "data" / "warehouse.duckdb").exists()

    # Running it again loads nothing new and builds the same marts.
    second = subprocess.run(
        ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=1800
    )
    assert second.returncode == 0, second.stdout[-5000:] + second.stderr[-3000:]
    assert re.search(r"^sessions\s+0\s+345\s+330\s+12\s+3\s*$", second.stdout, re.M), second.stdout[
        -3000:
    ]
