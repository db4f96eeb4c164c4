"""The report time zone: one of the names the warehouse accepts, or a clear refusal.

The dbt seed ``iana_time_zones`` lists the IANA names every engine knows (zones and
links, without the system files ``localtime``, ``posixrules``, ``posix/...`` and
``right/...``); ``business_hours.time_zone`` is validated against it in staging. The
report time zone (``--timezone``, ``OMNIREPORT_REPORT_TIMEZONE``, the dbt var
``report_timezone``) is checked against the same file before anything is loaded, so a
name Python's ``zoneinfo`` knows but the warehouse does not never fails a build halfway.
"""

from __future__ import annotations

import csv
import difflib
from functools import cache

from omnireport.contract import dbt_project_file
from omnireport.errors import SettingsError

SEED_FILE = "iana_time_zones.csv"
# Copies of the tz database that system folders carry under another name.
_SYSTEM_PREFIXES = ("posix/", "right/")


class TimeZoneError(SettingsError):
    """A report time zone the warehouse does not accept."""


@cache
def known_time_zones() -> frozenset[str]:
    """The names of the seed ``iana_time_zones`` (the ones the warehouse accepts)."""
    seed = dbt_project_file().parent / "seeds" / SEED_FILE
    with seed.open(encoding="utf-8", newline="") as stream:
        return frozenset(row["time_zone"] for row in csv.DictReader(stream))


def suggest_time_zone(name: str) -> str | None:
    """The accepted name ``name`` most likely means, if one stands out."""
    known = known_time_zones()
    stripped = name.strip()
    for prefix in _SYSTEM_PREFIXES:
        if stripped.startswith(prefix) and stripped[len(prefix) :] in known:
            return stripped[len(prefix) :]
    by_lower = {zone.lower(): zone for zone in known}
    if stripped.lower() in by_lower:
        return by_lower[stripped.lower()]
    close = difflib.get_close_matches(stripped, sorted(known), n=1, cutoff=0.8)
    return close[0] if close else None


def check_time_zone(value: str, *, setting: str | None = None) -> str:
    """``value`` when the warehouse accepts it, else TimeZoneError (naming the environment
    variable ``setting`` it came from, when one did)."""
    name = value.strip()
    if name in known_time_zones():
        return name
    suggestion = suggest_time_zone(name)
    hint = (
        f"did you mean {suggestion}?"
        if suggestion
        else "give an IANA name such as Asia/Ho_Chi_Minh or UTC"
    )
    where = f"{setting}={value!r}: unknown time zone" if setting else f"unknown time zone {value!r}"
    raise TimeZoneError(
        f"{where}: {hint} (the names the warehouse accepts are in dbt_project/seeds/{SEED_FILE})"
    )
