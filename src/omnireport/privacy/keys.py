"""The PII key: the secret of the reader layer's keyed hash (``sha256(key || ':' || value)``).

Where it comes from, first match wins:

1. ``OMNIREPORT_PII_KEY``: a secret the operator manages (the same key on several
   warehouses makes their reader extracts joinable);
2. the warehouse's key file, ``<state folder>/pii.key``: 64 random hex characters made the
   first time a warehouse needs one, written owner-only (mode 0600) and never rewritten.

A key is at least 32 characters of letters, digits and ``+/=_.:-`` (hex and base64 keys
fit; no spaces or quotes, so it passes through PGOPTIONS unescaped).

How an engine gets it, never through dbt's Jinja (dbt writes every rendered model into
target/ and logs SQL; it also refuses ``DBT_ENV_SECRET_`` variables outside profiles.yml):
DuckDB's reader views read the variable ``omnireport_pii_key``, which the publish step sets
on its own connection; PostgreSQL reads the setting ``omnireport.pii_key`` that PGOPTIONS
gives every connection of the dbt process; Spark reads the session conf
``spark.omnireport.pii_key``, which dbt-spark's session sets from the profile's
``server_side_parameters`` (``DBT_ENV_SECRET_OMNIREPORT_PII_KEY``, a variable dbt allows in
profiles.yml and scrubs from its logs; a rendered profile is never written to target/). The key appears in no log line, no Dagster metadata and no
exception message: ``PiiKey`` shows only its fingerprint.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PII_KEY_ENV = "OMNIREPORT_PII_KEY"
KEY_FILE_NAME = "pii.key"
MIN_KEY_LENGTH = 32
KEY_PATTERN = re.compile(rf"[A-Za-z0-9+/=_.:-]{{{MIN_KEY_LENGTH},}}")

# Where each engine's session holds the key (dbt_project/macros/privacy/keyed_hash.sql).
DUCKDB_VARIABLE = "omnireport_pii_key"
POSTGRES_SETTING = "omnireport.pii_key"
SPARK_CONF = "spark.omnireport.pii_key"
SPARK_PROFILE_ENV = "DBT_ENV_SECRET_OMNIREPORT_PII_KEY"

_FINGERPRINT_PREFIX = b"omnireport pii key fingerprint:"


class PiiKeyError(RuntimeError):
    """The PII key cannot be used (bad value, unreadable key file)."""


@dataclass(frozen=True)
class PiiKey:
    """A validated key and where it came from. Its text form shows the fingerprint only."""

    value: str = field(repr=False)
    source: str

    @property
    def fingerprint(self) -> str:
        """16 hex characters that tell keys apart (two extracts hash alike only under one
        key) and say nothing of the key."""
        return hashlib.sha256(_FINGERPRINT_PREFIX + self.value.encode()).hexdigest()[:16]

    def __str__(self) -> str:
        return f"PII key {self.fingerprint} ({self.source})"

    def hash(self, value: str) -> str:
        """The keyed hash of ``value``, as every engine's SQL computes it."""
        return hashlib.sha256(f"{self.value}:{value}".encode()).hexdigest()

    def engine_env(self, target: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment variables that hand the key to the dbt process of ``target``: on
        PostgreSQL, PGOPTIONS (kept with what it held) sets ``omnireport.pii_key`` on every
        connection; on Spark, profiles.yml sets the session conf from SPARK_PROFILE_ENV.
        DuckDB gets it otherwise (module docstring)."""
        if target == "spark":
            return {SPARK_PROFILE_ENV: self.value}
        if target != "postgres":
            return {}
        env = os.environ if env is None else env
        option = f"-c {POSTGRES_SETTING}={self.value}"
        existing = env.get("PGOPTIONS", "").strip()
        return {"PGOPTIONS": f"{existing} {option}" if existing else option}


def key_file(state_dir: Path) -> Path:
    """The key file of the warehouse whose state folder is ``state_dir``."""
    return Path(state_dir) / KEY_FILE_NAME


def _validated(value: str, source: str) -> PiiKey:
    if not KEY_PATTERN.fullmatch(value):
        raise PiiKeyError(
            f"the PII key from {source} is not usable: give at least {MIN_KEY_LENGTH} characters "
            "of letters, digits and +/=_.:- (for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return PiiKey(value, source)


def load_pii_key(state_dir: Path, env: Mapping[str, str] | None = None) -> PiiKey:
    """The key: ``$OMNIREPORT_PII_KEY``, else the key file of ``state_dir`` (made on first use)."""
    env = os.environ if env is None else env
    given = env.get(PII_KEY_ENV, "").strip()
    if given:
        return _validated(given, PII_KEY_ENV)
    path = key_file(state_dir)
    if not path.is_file():
        _create_key_file(path)
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # owner-only, whatever loosened it
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise PiiKeyError(
            f"cannot read the PII key file {path} ({type(error).__name__}): restore it from a "
            f"backup, or set {PII_KEY_ENV}; removing it makes a new key, and every hashed "
            "value in the reader layer changes (DECISIONS.md, Privacy: rotating the key)"
        ) from None
    return _validated(text, str(path))


def _create_key_file(path: Path) -> None:
    """Write a new random key, owner-only from the first byte; another process that made it
    first wins (its key is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="ascii") as stream:
        stream.write(secrets.token_hex(32) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
