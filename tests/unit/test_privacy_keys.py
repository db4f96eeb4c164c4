"""The PII key: made once per warehouse, owner-only, reused; OMNIREPORT_PII_KEY wins; a bad
key is refused without being shown; the keyed hash is sha256 of key, ':' and the value."""

from __future__ import annotations

import hashlib
import stat

import pytest

from omnireport.privacy.keys import (
    PII_KEY_ENV,
    PiiKey,
    PiiKeyError,
    key_file,
    load_pii_key,
)

pytestmark = pytest.mark.unit

GIVEN = "a" * 20 + "B" * 20  # 40 characters


def test_a_new_warehouse_gets_a_random_owner_only_key_once(tmp_path):
    state = tmp_path / ".omnireport" / "wh"
    first = load_pii_key(state, env={})
    path = key_file(state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.value) == 64 and int(first.value, 16) >= 0  # 32 random bytes, hex
    assert first.source == str(path)
    again = load_pii_key(state, env={})
    assert again.value == first.value  # kept, never rewritten
    other = load_pii_key(tmp_path / ".omnireport" / "other", env={})
    assert other.value != first.value  # one key per warehouse


def test_a_loosened_key_file_is_made_owner_only_again(tmp_path):
    load_pii_key(tmp_path, env={})
    key_file(tmp_path).chmod(0o644)
    load_pii_key(tmp_path, env={})
    assert stat.S_IMODE(key_file(tmp_path).stat().st_mode) == 0o600


def test_the_environment_key_wins_and_no_file_is_made(tmp_path):
    key = load_pii_key(tmp_path, env={PII_KEY_ENV: f"  {GIVEN}\n"})
    assert key.value == GIVEN and key.source == PII_KEY_ENV
    assert not key_file(tmp_path).exists()


@pytest.mark.parametrize("value", ["short-key", "x" * 31, "spaces are not allowed " * 3, "é" * 40])
def test_an_unusable_key_is_refused_without_showing_it(tmp_path, value):
    with pytest.raises(PiiKeyError) as error:
        load_pii_key(tmp_path, env={PII_KEY_ENV: value})
    assert value.strip() not in str(error.value)
    assert "at least 32 characters" in str(error.value)


def test_a_broken_key_file_is_refused_naming_the_file(tmp_path):
    key_file(tmp_path).write_text("too short\n")
    with pytest.raises(PiiKeyError, match="pii.key is not usable"):
        load_pii_key(tmp_path, env={})


def test_the_key_shows_only_its_fingerprint():
    key = PiiKey(GIVEN, PII_KEY_ENV)
    assert GIVEN not in str(key) and GIVEN not in repr(key)
    assert key.fingerprint in str(key)
    assert (
        key.fingerprint
        == hashlib.sha256(b"omnireport pii key fingerprint:" + GIVEN.encode()).hexdigest()[:16]
    )
    assert PiiKey("c" * 40, "x").fingerprint != key.fingerprint


def test_the_keyed_hash_is_sha256_of_key_colon_value():
    key = PiiKey(GIVEN, PII_KEY_ENV)
    assert key.hash("c0001") == hashlib.sha256(f"{GIVEN}:c0001".encode()).hexdigest()
    assert (
        key.hash("Nguyễn Bảo Hiếu")
        == hashlib.sha256(f"{GIVEN}:Nguyễn Bảo Hiếu".encode()).hexdigest()
    )


def test_postgres_receives_the_key_through_pgoptions_only():
    key = PiiKey(GIVEN, PII_KEY_ENV)
    assert key.engine_env("postgres", env={}) == {"PGOPTIONS": f"-c omnireport.pii_key={GIVEN}"}
    assert key.engine_env("postgres", env={"PGOPTIONS": "-c work_mem=64MB"}) == {
        "PGOPTIONS": f"-c work_mem=64MB -c omnireport.pii_key={GIVEN}"
    }
    assert key.engine_env("duckdb", env={}) == {}  # the publish step sets it on its connection
    # profiles.yml hands it to the Spark session (server_side_parameters)
    assert key.engine_env("spark", env={}) == {"DBT_ENV_SECRET_OMNIREPORT_PII_KEY": GIVEN}
