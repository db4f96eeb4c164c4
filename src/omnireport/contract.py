"""The raw side of the data contract (CONTRACT.md section 2), as the dbt project declares it.

The raw tables, their columns in contract order and the rules of each column live once,
in the var ``raw_tables`` of ``dbt_project/dbt_project.yml``: dbt's staging macros build
the validation and quarantine from it, and this module reads the same declaration for
the loader (which columns a file must have) and the generator (which values an
enumeration takes). ``RAW_TABLES`` is read on first use, not at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

RAW_SCHEMA = "raw"
LOAD_LOG_TABLE = "_load_log"
# Columns the loader adds to every raw row (CONTRACT.md section 2, "Landing files").
# Load order of a row is (_load_id, _row_number): _load_id grows with every file loaded.
LINEAGE_COLUMNS: tuple[str, ...] = ("_source_file", "_row_number", "_load_id", "_loaded_at")


@dataclass(frozen=True)
class RawTable:
    """A raw table of the CRM export: its columns in contract order and their rules."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    specs: dict[str, dict[str, Any]]

    def enumeration(self, column: str) -> tuple[str, ...]:
        """The values an enumeration column takes (empty for other kinds)."""
        return tuple(self.specs[column].get("values", ()))

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a good row must have: required ids and timestamps, enumerations."""
        return tuple(
            column
            for column, spec in self.specs.items()
            if spec.get("required") or spec["kind"] == "enum"
        )


def dbt_project_file() -> Path:
    """The dbt_project.yml of this checkout (the raw tables are the same for every copy)."""
    from omnireport.settings import project_root

    return project_root() / "dbt_project" / "dbt_project.yml"


@cache
def raw_tables() -> tuple[RawTable, ...]:
    """Every raw table, in contract order, from the var ``raw_tables`` of the dbt project."""
    project = yaml.safe_load(dbt_project_file().read_text(encoding="utf-8"))
    return tuple(
        RawTable(
            name=name,
            columns=tuple(table["columns"]),
            key=tuple(table["key"]),
            specs=dict(table["columns"]),
        )
        for name, table in project["vars"]["raw_tables"].items()
    )


def __getattr__(name: str) -> Any:
    if name == "RAW_TABLES":
        return raw_tables()
    if name == "RAW_TABLES_BY_NAME":
        return {table.name: table for table in raw_tables()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
