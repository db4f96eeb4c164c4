"""The reader layer on DuckDB, end to end: `omnireport run` on the sample data and on a
generated set (with customers' phone numbers, e-mails and links written into messages and
notes), then the reader snapshot is searched for every piece of personal data the landing
files hold, compared with the full snapshot class by class, read by `omnireport report
--reader`, and rebuilt with `--reader-text redacted`. The PII key never shows up anywhere.

Each build runs once per module; tests only read it (the redacted build works on a copy).
"""

from __future__ import annotations

import csv
import json
import os
import random
import secrets
import shutil
import stat
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from omnireport.privacy.classes import column_class, mart_classes
from omnireport.privacy.keys import PII_KEY_ENV, PiiKey, key_file, load_pii_key
from omnireport.settings import warehouse_state_dir
from tests.privacy_scan import (
    duckdb_text_columns,
    duckdb_values,
    expected_reader_rows,
    landing_rows,
    leaks,
    sensitive_strings,
)
from tests.redaction_samples import SAMPLES
from tests.sample import SampleBuild, copy_build

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OMNIREPORT = Path(sys.executable).parent / "omnireport"


@dataclass(frozen=True)
class Build:
    landing: Path
    warehouse: Path
    key: PiiKey
    output: str

    @property
    def full(self) -> Path:
        return self.warehouse.with_name(f"{self.warehouse.stem}.published.duckdb")

    @property
    def reader(self) -> Path:
        return self.warehouse.with_name(f"{self.warehouse.stem}.reader.duckdb")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    return {**env, **extra}


def _omnireport(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(OMNIREPORT), *args], env=env, capture_output=True, text=True, timeout=1200, check=False
    )


def _run(landing: Path, warehouse: Path, *args: str, env: dict[str, str]) -> str:
    done = _omnireport(
        "run", "--landing", str(landing), "--warehouse", str(warehouse), *args, env=env
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    return output


@pytest.fixture(scope="module")
def sample(sample_build: SampleBuild) -> Build:
    """seeds/landing (the session's sample build); the key was made by that first build, in
    the warehouse's key file."""
    warehouse = sample_build.warehouse
    key = load_pii_key(warehouse_state_dir(warehouse), env={})
    return Build(REPO / "seeds" / "landing", warehouse, key, sample_build.output)


# --- a generated set, with personal data written into free text ----------------------------

NAMES = ("Nguyễn Hoài Thương", "Trần Bích Ngọc", "Emily Carter", "Lê Quang Vinh", "Oliver Brown")
TEMPLATES = (
    ("Số của em là {phone}, gọi giúp em", "Số của em là [phone], gọi giúp em"),
    ("My number is {phone}. Thanks", "My number is [phone]. Thanks"),
    ("Gửi hóa đơn về {email} nhé", "Gửi hóa đơn về [email] nhé"),
    ("Check {url} please", "Check [url] please"),
)


def _phone(rng: random.Random) -> str:
    digits = f"09{rng.randrange(10**8):08d}"
    return rng.choice(
        (
            digits,
            f"{digits[:4]} {digits[4:7]} {digits[7:]}",
            f"+84 {digits[1:4]}.{digits[4:7]}.{digits[7:]}",
            f"+1 ({rng.randrange(200, 999)}) {rng.randrange(200, 999)}-{rng.randrange(10**4):04d}",
        )
    )


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def add_personal_data(landing: Path, seed: int) -> dict[str, str]:
    """Extra export files: contacts whose account ids are phone numbers, sessions with notes,
    messages with phones, e-mails and links. Returns message or session id -> the text the
    redacted reader layer must show for its content or note."""
    rng = random.Random(seed)
    channel = next(iter(landing_rows(landing, "channels")))["channel_id"]
    agent = next(iter(landing_rows(landing, "users")))["user_id"]
    texts = list(SAMPLES)
    for _ in range(12):
        template, expected = rng.choice(TEMPLATES)
        user = f"{rng.choice(('an', 'binh', 'mai', 'john'))}.{rng.randrange(1000)}"
        value = template.format(
            phone=_phone(rng),
            email=f"{user}@gmail.com",
            url=f"https://shop.example.vn/p/{rng.randrange(10**6)}?u={user}",
        )
        texts.append((value, expected))
    contacts, sessions, messages, expected = [], [], [], {}
    for number, (text, redacted) in enumerate(texts, start=1):
        contact, session = f"px{number:03d}", f"spx{number:03d}"
        name = f"{rng.choice(NAMES)} {number}"
        external = f"84{rng.randrange(10**9):09d}"
        contacts.append(
            {
                "contact_id": contact,
                "display_name": name,
                "channel_id": channel,
                "external_id": external,
            }
        )
        started = f"2026-03-03T0{number % 10}:{number:02d}:00Z"
        sessions.append(
            {
                "session_id": session, "conversation_id": f"conv_{contact}", "channel_id": channel,
                "contact_id": contact, "session_name": name, "support_type": "message",
                "assigned_user_id": agent, "category_id": "", "note": text, "status": "done",
                "started_at": started, "done_at": started.replace(":00Z", ":30Z"), "rating": "5",
                "updated_at": started.replace(":00Z", ":40Z"),
            }
        )  # fmt: skip
        for kind, sender, recipient, user in (
            ("incoming", external, channel, ""),
            ("outgoing", channel, external, agent),
        ):
            message = f"m{session}_{kind}"
            sent = started.replace(":00Z", ":05Z" if kind == "incoming" else ":10Z")
            messages.append(
                {
                    "message_id": message, "conversation_id": f"conv_{contact}",
                    "session_id": session, "channel_id": channel,
                    "initiated_by": "user", "direction": kind, "from_id": sender,
                    "to_id": recipient, "agent_user_id": user, "sent_at": sent,
                    "content_type": "text", "content": text, "template_id": "",
                    "template_name": "", "media_url": "", "status": "read",
                    "status_updated_at": sent,
                }
            )  # fmt: skip
            expected[message] = redacted
        expected[session] = redacted
    _write_csv(landing / "contacts" / "zz_privacy.csv", contacts)
    _write_csv(landing / "sessions" / "zz_privacy.csv", sessions)
    _write_csv(landing / "messages" / "zz_privacy.csv", messages)
    return expected


# Data nobody has looked at: a new seed every test session, unless PRIVACY_TEST_SEED gives one
# (to reproduce a failure: the seed is in every failure message of the generated set).
GENERATED_SEED = int(os.environ.get("PRIVACY_TEST_SEED") or random.SystemRandom().randrange(10**8))
GENERATED_KEY = secrets.token_hex(32)


def generated_landing(landing: Path) -> Path:
    """`omnireport generate` (CSV, JSONL and Parquet batches) with GENERATED_SEED, plus the
    personal data of add_personal_data."""
    done = _omnireport(
        "generate", "--out", str(landing), "--sessions", "300", "--days", "7", "--seed",
        str(GENERATED_SEED), "--format", "mixed", "--batches", "2", env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    add_personal_data(landing, GENERATED_SEED)
    return landing


def seed_note(landing: Path) -> str:
    """How to reproduce a failure on a generated landing folder (nothing for the sample)."""
    if landing == REPO / "seeds" / "landing":
        return "seeds/landing"
    return f"generated set: PRIVACY_TEST_SEED={GENERATED_SEED} reproduces it"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A generated landing folder with personal data; the key is given as OMNIREPORT_PII_KEY."""
    root = tmp_path_factory.mktemp("reader_generated")
    landing = generated_landing(root / "landing")
    warehouse = root / "wh.duckdb"
    output = _run(landing, warehouse, env=_env(**{PII_KEY_ENV: GENERATED_KEY}))
    return Build(landing, warehouse, PiiKey(GENERATED_KEY, PII_KEY_ENV), output)


@pytest.fixture(params=["sample", "generated"])
def build(request: pytest.FixtureRequest) -> Build:
    return request.getfixturevalue(request.param)


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def test_no_personal_data_reaches_the_reader_snapshot(build: Build) -> None:
    needles = sensitive_strings(build.landing)
    assert len(needles) > 300
    con = _connect(build.reader)
    try:
        columns = duckdb_text_columns(con)
        found = leaks(columns, duckdb_values(con), needles)
    finally:
        con.close()
    assert len(columns) > 60
    assert found == [], "\n".join([seed_note(build.landing), *map(str, found[:30])])


def test_the_scan_finds_the_personal_data_of_the_full_snapshot(build: Build) -> None:
    """The scan sees what it looks for: the full snapshot shows names, ids, texts, links."""
    con = _connect(build.full)
    try:
        found = leaks(
            duckdb_text_columns(con), duckdb_values(con), sensitive_strings(build.landing)
        )
    finally:
        con.close()
    columns = {f"{leak.relation}.{leak.column}" for leak in found}
    assert {
        "marts.fct_sessions.contact_name",
        "marts.fct_sessions.session_name",
        "marts.fct_sessions.contact_id",
        "marts.fct_messages.content",
        "marts.fct_messages.from_id",
        "marts.fct_messages.media_url",
        "marts.dim_users.email",
    } <= columns


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(f"select * from {relation}")
    return [d[0] for d in cursor.description], cursor.fetchall()


def test_the_reader_snapshot_is_the_full_one_with_each_class_applied(build: Build) -> None:
    """Row for row (as multisets), the reader file equals the full file with identifiers
    hashed by Python's hashlib, free text null and everything else unchanged: every metric of
    every mart is the same."""
    classes = mart_classes()
    full, reader = _connect(build.full), _connect(build.reader)
    try:
        listed = (
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        )
        relations = [row[0] for row in reader.execute(listed).fetchall()]
        # every mart; the full file also holds the semantic layer's time spine, which stays
        # with the semantic layer (the operator's tool)
        assert relations == sorted(classes)
        assert set(relations) <= {row[0] for row in full.execute(listed).fetchall()}
        for name in relations:
            types = "select column_name, data_type from information_schema.columns where table_schema = 'marts' and table_name = ? order by ordinal_position"
            assert (
                full.execute(types, [name]).fetchall() == reader.execute(types, [name]).fetchall()
            ), name
            columns, rows = _rows(full, f"marts.{name}")
            rules = [column_class(classes, name, column) for column in columns]
            expected = expected_reader_rows(rows, rules, build.key)
            assert Counter(_rows(reader, f"marts.{name}")[1]) == expected, (
                f"{name} ({seed_note(build.landing)})"
            )
    finally:
        full.close()
        reader.close()


COUNTS = (
    "select count(distinct contact_id), count(distinct contact_name), count(distinct conversation_id), "
    "count(*) from marts.fct_sessions",
    "select count(distinct from_id), count(distinct to_id) from marts.fct_messages",
    "select count(*) from marts.fct_messages as m join marts.fct_sessions as s "
    "on m.from_id = s.contact_id or m.conversation_id = s.conversation_id",
    "select count(*) from marts.fct_conversations as c join marts.fct_sessions as s "
    "using (conversation_id, contact_id)",
    "select sum(contacts), sum(sessions) from marts.rpt_overview_daily",
)


def test_counts_and_joins_on_hashed_identifiers_equal_the_full_marts(build: Build) -> None:
    full, reader = _connect(build.full), _connect(build.reader)
    try:
        for sql in COUNTS:
            assert reader.execute(sql).fetchall() == full.execute(sql).fetchall(), sql
        assert full.execute(COUNTS[0]).fetchone()[0] > 100
    finally:
        full.close()
        reader.close()


def test_the_key_is_in_no_file_no_log_and_no_output(build: Build) -> None:
    """Neither dbt's compiled and run SQL, run results, manifest and log, nor Dagster's event
    storage (run metadata, tags), nor the published files and the warehouse, nor what the
    command printed hold the key; only the key file does."""
    secret = build.key.value.encode()
    searched = [
        path
        for path in build.warehouse.parent.rglob("*")
        if path.is_file() and path != key_file(warehouse_state_dir(build.warehouse))
    ]
    names = {path.name for path in searched}
    assert {
        "dbt.log",
        "run_results.json",
        "manifest.json",
        build.warehouse.name,
        build.reader.name,
    } <= names
    assert any("compiled" in path.parts for path in searched)
    assert any("run" in path.parts for path in searched)
    assert any(path.suffix == ".db" for path in searched)  # Dagster's SQLite storage
    assert [path for path in searched if secret in path.read_bytes()] == []
    assert build.key.value not in build.output
    assert build.key.fingerprint in build.output


def test_file_permissions_follow_who_may_read_them(sample: Build) -> None:
    assert stat.S_IMODE(sample.full.stat().st_mode) == 0o600
    assert stat.S_IMODE(sample.reader.stat().st_mode) == 0o644
    key = key_file(warehouse_state_dir(sample.warehouse))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def _report(build: Build, *args: str) -> subprocess.CompletedProcess:
    return _omnireport("report", *args, "--warehouse", str(build.warehouse), env=_env())


# The views of figures (the history views, sessions and messages, list customers).
FIGURE_VIEWS = ("overview", "users", "hourly", "daily", "channels", "working-time", "tags")


@pytest.mark.parametrize("view", FIGURE_VIEWS)
def test_report_reader_shows_the_same_numbers(sample: Build, view: str) -> None:
    full = _report(sample, view, "--format", "json")
    reader = _report(sample, view, "--format", "json", "--reader")
    assert full.returncode == reader.returncode == 0, full.stderr + reader.stderr
    rows = json.loads(full.stdout)["rows"]
    assert rows and json.loads(reader.stdout)["rows"] == rows
    assert f"reader snapshot {sample.reader}" in reader.stderr
    assert f"published snapshot {sample.full}" in full.stderr


def test_report_reader_lists_sessions_without_the_customers(sample: Build) -> None:
    sessions = _report(sample, "sessions", "--format", "csv", "--reader", "--limit", "400")
    assert sessions.returncode == 0, sessions.stderr
    names = {row["display_name"] for row in landing_rows(sample.landing, "contacts")}
    shown = sessions.stdout
    assert not [name for name in names if name and name in shown]
    own = _report(sample, "sessions", "--format", "csv", "--limit", "400")
    assert [name for name in names if name and name in own.stdout]  # the operator sees them


def test_report_reader_never_falls_back_to_a_file_with_personal_data(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    duckdb.connect(str(warehouse)).close()
    done = _omnireport("report", "overview", "--reader", "--warehouse", str(warehouse), env=_env())
    assert done.returncode == 1
    assert f"no reader snapshot at {tmp_path / 'wh.reader.duckdb'}" in done.stderr


# --- --reader-text redacted -----------------------------------------------------------------


@pytest.fixture(scope="module")
def redacted(generated: Build, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A copy of the generated build, run again with --reader-text redacted (nothing new to
    load: only the reader layer changes, and the reader file is copied in full)."""
    warehouse = copy_build(
        generated.warehouse, tmp_path_factory.mktemp("reader_redacted") / "built"
    )
    root = warehouse.parent
    output = _run(
        root / "landing",
        warehouse,
        "--reader-text",
        "redacted",
        env=_env(**{PII_KEY_ENV: GENERATED_KEY}),
    )
    assert "reader layer changed" in output
    return Build(root / "landing", warehouse, generated.key, output)


def test_redacted_free_text_hides_phones_emails_and_links(redacted: Build) -> None:
    con = _connect(redacted.reader)
    try:
        contents = dict(
            con.execute(
                "select message_id, content from marts.fct_messages where session_id like 'spx%'"
            ).fetchall()
        )
        notes = dict(
            con.execute(
                "select session_id, note from marts.fct_sessions where session_id like 'spx%'"
            ).fetchall()
        )
    finally:
        con.close()
    wanted = _expected_redactions(redacted.landing)
    assert {**contents, **notes} == wanted, seed_note(redacted.landing)
    assert contents["mspx001_incoming"] == "Số điện thoại của em là [phone] ạ"


def _expected_redactions(landing: Path) -> dict[str, str]:
    """What the generated set's extra files must look like to readers, from their own rows."""
    scratch = landing.parent / "expected"
    if scratch.exists():
        shutil.rmtree(scratch)
    for table in ("channels", "users"):
        shutil.copytree(landing / table, scratch / table)
    return add_personal_data(scratch, GENERATED_SEED)


def test_redacted_reader_snapshot_still_hides_every_identifier(redacted: Build) -> None:
    needles = sensitive_strings(redacted.landing, free_text=False)
    con = _connect(redacted.reader)
    try:
        found = leaks(duckdb_text_columns(con), duckdb_values(con), needles)
        (kept,) = con.execute(
            "select count(*) from marts.fct_messages where content is not null"
        ).fetchone()
    finally:
        con.close()
    assert found == [], "\n".join([seed_note(redacted.landing), *map(str, found[:30])])
    assert kept > 1000  # the texts are there, only their phones, e-mails and links are not
