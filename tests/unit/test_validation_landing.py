"""The landing-file suite on small hand-made exports: exact failing counts per rule."""

import re

import pandas as pd
import pytest

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.validation.landing_suite import (
    LANDING_RULES,
    TIMESTAMP_PATTERN,
    LandingSuite,
    blank_as_missing,
    validate_landing_file,
    validate_landing_frames,
)

pytestmark = pytest.mark.unit

SESSION_COLUMNS = RAW_TABLES_BY_NAME["sessions"].columns


@pytest.fixture(scope="module")
def sessions_suite():
    return LandingSuite("sessions")


@pytest.fixture(scope="module")
def tag_events_suite():
    return LandingSuite("tag_events")


def session_row(session_id="s1", **values):
    row = {
        "session_id": session_id,
        "conversation_id": "c1",
        "channel_id": "ch1",
        "contact_id": "ct1",
        "session_name": "name",
        "support_type": "message",
        "assigned_user_id": None,
        "category_id": None,
        "note": None,
        "status": "done",
        "started_at": "2026-03-01T08:15:00Z",
        "done_at": "2026-03-01 09:00",
        "rating": "5",
        "updated_at": "2026-03-01T09:00:00+07:00",
    }
    row.update(values)
    return row


def frame(rows, columns=SESSION_COLUMNS):
    return pd.DataFrame(rows, columns=list(columns), dtype="str")


@pytest.mark.parametrize(
    ("text", "parses"),
    [
        ("2026-03-01T08:15:00Z", True),
        ("2026-03-01 08:15", True),
        ("  2026-03-01T08:15:00.123456+07:00 ", True),
        ("2026-03-01T23:59:59-05:30", True),
        ("2024-02-29 10:00", True),  # leap year
        ("2000-02-29 10:00", True),  # divisible by 400
        ("2026-03-01", False),  # no time
        ("2026-03-01T10:00+0700", False),  # offset without colon
        ("31/03/2026 10:00", False),
        ("2026-02-30 10:00", False),  # impossible date
        ("2026-02-29 10:00", False),  # not a leap year
        ("1900-02-29 10:00", False),  # divisible by 100, not 400
        ("2026-04-31 10:00", False),
        ("2026-03-01T24:00", False),
        ("2026-03-01T10:00:00.1234567Z", False),  # 7 fraction digits
        ("2026-03-01T10:00\n", False),  # a trailing newline is not a space
    ],
)
def test_timestamp_pattern_is_contract_6_6(text, parses):
    assert bool(re.search(TIMESTAMP_PATTERN, text)) is parses


def test_every_raw_table_has_rules_on_its_own_columns():
    assert set(LANDING_RULES) == set(RAW_TABLES_BY_NAME)
    for table, rules in LANDING_RULES.items():
        columns = set(RAW_TABLES_BY_NAME[table].columns)
        named = {*rules.required_ids, *rules.enumerations, *rules.required_timestamps}
        named |= {*rules.optional_timestamps, *rules.patterns, *rules.key}
        assert named <= columns, table


def test_blank_text_counts_as_missing():
    prepared = blank_as_missing(pd.DataFrame({"a": ["x", "", "   ", " y ", None]}, dtype="str"))
    assert prepared["a"].isna().tolist() == [False, True, True, False, True]


def test_session_faults_are_counted_per_rule(sessions_suite):
    rows = [
        session_row("s1"),
        session_row("s2", status="Done"),  # enumerations match exactly
        session_row("s3", status="closed", support_type="comment"),
        session_row("  ", started_at="31/03/2026 10:00"),  # blank id, unparseable time
        session_row("s5", done_at="2026-02-30 10:00", rating="6"),
        session_row("s6", updated_at=None, rating=" 3 "),
        session_row("s7", status=None, done_at=None),
    ]
    found = validate_landing_frames([frame(rows)], "sessions", suite=sessions_suite)
    assert found.rows == 7
    assert found.error is None
    assert found.failing == {
        "missing session_id": 1,
        "unknown status": 2,
        "missing status": 1,
        "unparseable started_at": 1,
        "unparseable done_at": 1,
        "invalid rating": 1,
        "missing updated_at": 1,
    }
    assert found.outcomes["unknown status"].examples == [
        {"_row_number": 2, "status": "Done"},
        {"_row_number": 3, "status": "closed"},
    ]
    assert found.outcomes["missing session_id"].examples == [{"_row_number": 4, "session_id": None}]


def test_counts_add_up_across_chunks_and_row_numbers_continue(sessions_suite):
    first = frame([session_row("s1"), session_row("s2", status="Done")])
    second = frame([session_row("s3"), session_row("s4", status="Done"), session_row("s5")])
    found = validate_landing_frames([first, second], "sessions", suite=sessions_suite)
    assert (found.rows, found.chunks) == (5, 2)
    assert found.failing == {"unknown status": 2}
    assert found.outcomes["unknown status"].checked == 5
    assert [e["_row_number"] for e in found.outcomes["unknown status"].examples] == [2, 4]


def test_repeated_ids_are_reported_across_chunks_but_do_not_fail(sessions_suite):
    first = frame([session_row("s1"), session_row("s2"), session_row("s1")])
    second = frame([session_row("s1"), session_row("s2"), session_row(" ")])
    found = validate_landing_frames([first, second], "sessions", suite=sessions_suite)
    assert found.repeated_ids == 3  # s1 twice more, s2 once more; the blank id is not an id
    assert found.repeated_id_examples == [
        {"session_id": "s1", "copies": 3},
        {"session_id": "s2", "copies": 2},
    ]
    assert found.failing == {"missing session_id": 1}


def test_a_missing_column_is_an_error_and_values_are_not_checked(sessions_suite):
    columns = [c for c in SESSION_COLUMNS if c not in ("rating", "note")]
    found = validate_landing_frames(
        [pd.DataFrame([{c: "x" for c in columns}], dtype="str")], "sessions", suite=sessions_suite
    )
    assert found.missing_columns == ["note", "rating"]
    assert found.error == "missing column(s) note, rating"
    assert found.rows == 0
    assert found.failing == {}


def test_tag_events_rules(tag_events_suite):
    columns = RAW_TABLES_BY_NAME["tag_events"].columns
    good = ["te1", "t1", None, "ct1", "ch1", None, "added", "2026-03-01T08:00:00Z"]
    rows = [
        good,
        ["te2", "t1", "s1", "ct1", "ch1", "u1", "Added", "2026-03-01T08:00:00Z"],
        ["te3", None, None, None, "ch1", None, "removed", "2026-03-01"],
        ["te4", "t1", None, "ct1", "ch1", None, None, None],
    ]
    found = validate_landing_frames(
        [pd.DataFrame(rows, columns=list(columns), dtype="str")],
        "tag_events",
        suite=tag_events_suite,
    )
    assert found.failing == {
        "missing tag_id": 1,
        "missing contact_id": 1,
        "missing action": 1,
        "unknown action": 1,
        "missing event_at": 1,
        "unparseable event_at": 1,
    }


def _write_sessions_csv(path, rows, columns=SESSION_COLUMNS):
    frame(rows, columns).to_csv(path, index=False)


def test_a_csv_file_is_validated_in_chunks(tmp_path, sessions_suite):
    path = tmp_path / "sessions.csv"
    rows = [session_row(f"s{i}") for i in range(1, 11)]
    rows[3]["status"] = "Done"  # row 4
    rows[8]["started_at"] = "2026-03-01"  # row 9
    rows[9]["session_id"] = "s1"  # row 10 repeats row 1
    _write_sessions_csv(path, rows)
    found = validate_landing_file(path, "sessions", chunk_rows=3, suite=sessions_suite)
    assert (found.path, found.table) == (str(path), "sessions")
    assert (found.rows, found.chunks) == (10, 4)
    assert found.failing == {"unknown status": 1, "unparseable started_at": 1}
    assert found.outcomes["unknown status"].examples == [{"_row_number": 4, "status": "Done"}]
    assert found.outcomes["unparseable started_at"].examples == [
        {"_row_number": 9, "started_at": "2026-03-01"}
    ]
    assert found.repeated_ids == 1
    # GX's own results are kept for the chunks that failed (rows 4-6 and 7-9)
    assert [(r["first_row"], r["rows"]) for r in found.gx_results] == [(4, 3), (7, 3)]


def test_a_csv_file_missing_a_column_is_an_error(tmp_path, sessions_suite):
    path = tmp_path / "sessions.csv"
    columns = [c for c in SESSION_COLUMNS if c != "updated_at"]
    _write_sessions_csv(path, [{c: v for c, v in session_row().items() if c in columns}], columns)
    found = validate_landing_file(path, "sessions", suite=sessions_suite)
    assert found.error == "missing column(s) updated_at"
    assert found.rows == 0


def test_a_jsonl_file_absent_keys_are_null(tmp_path, sessions_suite):
    path = tmp_path / "sessions.jsonl"
    good = session_row("s1")
    partial = {k: v for k, v in session_row("s2").items() if k != "status"}
    pd.DataFrame([good, partial]).to_json(path, orient="records", lines=True)
    found = validate_landing_file(path, "sessions", suite=sessions_suite)
    assert found.error is None
    assert found.rows == 2
    assert found.failing == {"missing status": 1}


def test_an_unreadable_file_is_reported_not_raised(tmp_path, sessions_suite):
    path = tmp_path / "sessions.csv"
    header = ",".join(SESSION_COLUMNS)
    path.write_text(header + "\n" + "a,b\n", encoding="utf-8")  # too few fields
    found = validate_landing_file(path, "sessions", suite=sessions_suite)
    assert found.read_error is not None
    assert "line 2" in found.read_error
    assert found.error == found.read_error


def test_unknown_table_and_format_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown raw table 'session'"):
        validate_landing_file(tmp_path / "x.csv", "session")
    with pytest.raises(ValueError, match="not a landing file"):
        validate_landing_file(tmp_path / "x.txt", "sessions")
