"""Keep secrets out of every output: one function, ``redact``, masks them in any text.

A secret is the value of an environment variable whose name says it holds one
(``OMNIREPORT_PG_PASSWORD``, ``OMNIREPORT_PII_KEY``, ``PGPASSWORD``, dbt's
``DBT_ENV_SECRET_*``, any ``*_PASSWORD``, ``*_SECRET``, ``*_TOKEN``, ``*_KEY`` or ``*_DSN``), and
whatever follows ``password=`` in a connection string or ``user:`` in a URL. Each secret
is masked in every form a message may quote it in: as written, escaped as Python
(``repr``), JSON or a libpq string, and URL-encoded, so a password holding spaces, tabs,
quotes, ``=``, backslashes or any unicode is hidden whole, never in part.

The command line passes everything it prints through ``redact`` (``omnireport.console``);
errors that carry a library's text (a PostgreSQL connection error) are redacted where they
are raised, so the Dagster event log never stores a secret either.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

MASK = "***"
# A secret shorter than this is masked only where a connection string or URL names it:
# masking every occurrence of two or three characters would garble every message.
MIN_MASKED_LENGTH = 4

_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|_KEY|_DSN)$|^DBT_ENV_SECRET_", re.I)
_SECRET_NAMES = frozenset({"OMNIREPORT_PG_PASSWORD", "OMNIREPORT_PII_KEY", "PGPASSWORD"})
# password=value in a libpq connection string: a quoted value (backslash escapes) or a word
# (not one masked already).
_CONNINFO_PASSWORD = re.compile(r"(\bpassword\s*=\s*)(?!\*\*\*)('(?:[^'\\]|\\.)*'?|\S+)", re.I)
# scheme://user:password@host
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)(?!\*\*\*@)([^\s@]+)(@)", re.I)


def secret_names(env: Mapping[str, str]) -> list[str]:
    """The environment variables of ``env`` that hold a secret."""
    return sorted(name for name in env if name in _SECRET_NAMES or _SECRET_NAME.search(name))


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """The secrets of ``env`` (default: this process's environment), longest first."""
    env = os.environ if env is None else env
    values = {env[name] for name in secret_names(env) if env[name]}
    return sorted(values, key=len, reverse=True)


def _forms(secret: str) -> set[str]:
    """The ways a message may quote ``secret``."""
    return {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.replace("\\", "\\\\").replace("'", "\\'"),
        quote(secret, safe=""),
    }


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret masked (``secrets``: default ``secret_values()``)."""
    if not text:
        return text
    # Known secrets first, whole: a pattern below could mask only their first word.
    known = secret_values() if secrets is None else secrets
    forms = {
        form
        for secret in known
        if len(secret) >= MIN_MASKED_LENGTH
        for form in _forms(secret)
        if form
    }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    text = _CONNINFO_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text)
