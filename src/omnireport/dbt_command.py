"""The dbt executable of omnireport's runs (the ``omnireport-dbt`` script): dbt's own command
line, except that ``--version`` is answered from the installed dbt-core's metadata.

dagster-dbt asks the executable for its version before every build; dbt's command line
imports all of dbt to answer, which costs about 1.5 s of every run. Any other arguments go
to dbt unchanged.
"""

from __future__ import annotations

import os
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

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


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # The shape of dbt's own answer, which dagster-dbt parses.
        print(f"Core:\n  - installed: {version('dbt-core')}")
        sys.exit(0)
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
