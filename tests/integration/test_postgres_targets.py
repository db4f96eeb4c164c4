"""PostgresTarget reads the same environment variables, with the same defaults, as the
`postgres` output of dbt_project/profiles.yml (pure Python: no server needed)."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg2.extensions
import pytest

from omnireport.warehouse.targets import PG_DEFAULTS, PostgresTarget, TargetSettingsError

pytestmark = pytest.mark.unit

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"


def test_defaults_match_the_dbt_profile() -> None:
    text = PROFILES.read_text()
    postgres_output = text[text.index("    postgres:") :]
    found = dict(re.findall(r"env_var\('(OMNIREPORT_PG_[A-Z]+)', '([^']*)'\)", postgres_output))
    # The password reaches dbt as a secret variable dbt masks (PostgresTarget.dbt_env).
    assert found == {k: v for k, v in PG_DEFAULTS.items() if k != "OMNIREPORT_PG_PASSWORD"}
    assert "password: \"{{ env_var('DBT_ENV_SECRET_PG_PASSWORD', '') }}\"" in postgres_output


def test_from_env_and_conninfo() -> None:
    target = PostgresTarget.from_env(
        {
            "OMNIREPORT_PG_HOST": "db.internal",
            "OMNIREPORT_PG_PORT": "6543",
            "OMNIREPORT_PG_USER": "builder",
            "OMNIREPORT_PG_PASSWORD": "it's s3cret",
            "OMNIREPORT_PG_DBNAME": "analytics",
        }
    )
    assert target == PostgresTarget("db.internal", 6543, "builder", "it's s3cret", "analytics")
    parsed = psycopg2.extensions.parse_dsn(target.conninfo())
    assert parsed == {
        "host": "db.internal",
        "port": "6543",
        "user": "builder",
        "password": "it's s3cret",
        "dbname": "analytics",
    }
    assert "s3cret" not in target.describe()
    assert target.describe() == "postgresql://builder@db.internal:6543/analytics"


def test_empty_environment_gives_the_defaults_and_no_password() -> None:
    target = PostgresTarget.from_env({})
    assert target == PostgresTarget("127.0.0.1", 5432, "omnireport", "", "omnireport")
    assert "password" not in psycopg2.extensions.parse_dsn(target.conninfo())
    assert target.dbt_env()["OMNIREPORT_PG_PORT"] == "5432"


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1"])
def test_a_bad_port_says_which_variable(port: str) -> None:
    with pytest.raises(TargetSettingsError, match="OMNIREPORT_PG_PORT"):
        PostgresTarget.from_env({"OMNIREPORT_PG_PORT": port})
