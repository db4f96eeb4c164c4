"""No secret reaches an output, whatever characters it holds: property tests over generated
passwords of the connection string omnireport builds and of the one redaction function."""

from __future__ import annotations

import io
import json
import sys
from urllib.parse import quote

import psycopg2.extensions
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from omnireport.console import guarded_streams
from omnireport.redact import MASK, redact, secret_names, secret_values
from omnireport.warehouse.targets import PostgresTarget

pytestmark = pytest.mark.unit

# What an environment variable can hold: any character but NUL (and no lone surrogates).
PASSWORD_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
# Spaces, tabs, quotes, = and backslashes often, any other character too.
PASSWORDS = st.text(
    st.one_of(st.sampled_from(" \t'\"=\\\n$%{}@:/"), PASSWORD_CHARS), min_size=8, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(password=PASSWORDS)
def test_the_connection_string_keeps_any_password_whole(password: str) -> None:
    # libpq parses it back to exactly the password: no part of it can spill into another
    # setting (and so into libpq's "missing =" error, which quotes it).
    target = PostgresTarget("db.example", 5432, "builder", password, "analytics")
    assert psycopg2.extensions.parse_dsn(target.conninfo()) == {
        "host": "db.example",
        "port": "5432",
        "user": "builder",
        "password": password,
        "dbname": "analytics",
    }
    assert target.describe() == "postgresql://builder@db.example:5432/analytics"


def quoted_forms(secret: str) -> list[str]:
    """The ways a library's message may quote a secret."""
    libpq = "'" + secret.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return [secret, repr(secret), json.dumps(secret), libpq, quote(secret, safe="")]


# quoted_forms' forms that keep their quotes around the mask.
QUOTED = (False, True, True, True, False)
TEMPLATE = "cannot connect (password={} user=u) key {} end"


@settings(max_examples=300, deadline=None)
@given(password=PASSWORDS, key=PASSWORDS)
def test_redact_hides_every_form_of_every_secret_whole(password: str, key: str) -> None:
    # Whole: the message reads exactly as if each secret were the mask, never its first
    # word hidden and a tail left behind.
    for one, other in ((password, key), (key, password)):
        assume(not any(form in other or form in TEMPLATE for form in quoted_forms(one)))
    assume("*" not in password + key)
    env = {"OMNIREPORT_PG_PASSWORD": password, "OMNIREPORT_PII_KEY": key, "HOME": "/root"}
    forms = list(zip(quoted_forms(password), quoted_forms(key), QUOTED, strict=True))
    message = "\n".join(TEMPLATE.format(form, key_form) for form, key_form, _ in forms)
    expected = "\n".join(
        TEMPLATE.format(MASK, key_form[0] + MASK + key_form[-1] if quoted else MASK)
        for _, key_form, quoted in forms
    )
    assert redact(message, secret_values(env)) == expected


@settings(max_examples=100, deadline=None)
@given(password=PASSWORDS)
@example(password="postgres")  # a word of the URL's scheme
def test_a_connection_string_or_url_is_masked_without_knowing_the_secret(password: str) -> None:
    # Exact texts: the password may be a word of the rest (`postgres`), which stays.
    conninfo = PostgresTarget("h", 5432, "u", password, "d").conninfo()
    assert redact(f"cannot connect ({conninfo}): refused", secrets=[]) == (
        "cannot connect (host='h' port='5432' user='u' dbname='d' password=***): refused"
    )
    url_password = quote(password, safe="")
    masked = redact(f"postgresql://u:{url_password}@h:5432/d", secrets=[])
    assert masked == "postgresql://u:***@h:5432/d"


def test_the_names_that_hold_secrets() -> None:
    env = {
        name: "x"
        for name in (
            "OMNIREPORT_PG_PASSWORD",
            "OMNIREPORT_PII_KEY",
            "PGPASSWORD",
            "DBT_ENV_SECRET_PG_PASSWORD",
            "OMNIREPORT_WAREHOUSE_DSN",
            "GITHUB_TOKEN",
            "OMNIREPORT_PG_HOST",
            "KEYBOARD",
        )
    }
    assert secret_names(env) == [
        "DBT_ENV_SECRET_PG_PASSWORD",
        "GITHUB_TOKEN",
        "OMNIREPORT_PG_PASSWORD",
        "OMNIREPORT_PII_KEY",
        "OMNIREPORT_WAREHOUSE_DSN",
        "PGPASSWORD",
    ]


def test_every_line_the_command_line_prints_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIREPORT_PG_PASSWORD", "hunter2 SECRETTAIL")
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with guarded_streams():
        print("password='hunter2 SECRETTAIL' host=db")
        print("error: 'hunter2 SECRETTAIL' refused", file=sys.stderr)
    assert out.getvalue() == "password=*** host=db\n"
    assert err.getvalue() == "error: '***' refused\n"
