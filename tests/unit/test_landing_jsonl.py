"""JSONL landing files: typed values in their written text form, and whole-file failures."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from omnireport.landing.loader import LoadResult, load_landing

pytestmark = pytest.mark.unit


def write(landing: Path, relative: str, content: str | bytes) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load(tmp_path: Path) -> LoadResult:
    return load_landing(tmp_path / "landing", tmp_path / "wh.duckdb")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_numbers_as_written_booleans_strings_and_absent_keys(tmp_path: Path) -> None:
    write(
        tmp_path / "landing",
        "users/u.jsonl",
        # key order differs per line; "extra" is ignored; line 3 is blank (no record)
        '{"user_id": "u1", "full_name": "Caf\\u00e9 \\"An\\"", "email": null, "is_active": true, "extra": 1}\n'
        '{"is_active": false, "user_id": 42, "full_name": 1.50, "email": 1e5}\n'
        "\n"
        '{"user_id": -0.0, "full_name": 12345678901234567890123, "is_active": 1}\n'
        '{"user_id": "", "full_name": "x: 2.50, \\"email\\": 3", "email": [1, "a"], "is_active": {"k": "v"}}\n',
    )
    result = load(tmp_path)
    assert result.ok and result.rows_loaded_by_table["users"] == 4
    assert query(
        tmp_path,
        "select user_id, full_name, email, is_active, _row_number from raw.users order by _row_number",
    ) == [
        ("u1", 'Café "An"', None, "true", 1),
        ("42", "1.50", "1e5", "false", 2),
        ("-0.0", "12345678901234567890123", None, "1", 3),
        (None, 'x: 2.50, "email": 3', '[1,"a"]', '{"k":"v"}', 4),
    ]


def test_empty_file_loads_zero_rows(tmp_path: Path) -> None:
    write(tmp_path / "landing", "tags/empty.jsonl", "")
    result = load(tmp_path)
    assert [(f.status, f.rows) for f in result.files] == [("loaded", 0)]


@pytest.mark.parametrize(
    ("content", "expected_error"),
    [
        pytest.param(
            '{"tag_id": "t1"}\n\n\n{"tag_id": "t2"}\n{tag_id: "t3"}\n{"tag_id": "t4"}\n',
            "tags/bad.jsonl: line 5: malformed JSON: unexpected character",
            id="malformed-after-blank-lines",
        ),
        pytest.param(
            '{"tag_id": "t1"}\n{"tag_id": "t2"\n',
            "tags/bad.jsonl: line 2: malformed JSON: unexpected end of data",
            id="truncated-object",
        ),
        pytest.param(
            '{"tag_id": "t1"}\n["t2"]\n',
            "tags/bad.jsonl: line 2: not a JSON object",
            id="array-line",
        ),
        pytest.param(
            b'{"tag_id": "t1"}\n{"tag_id": "t2"}\n{"tag_name": "caf\xe9"}\n',
            "tags/bad.jsonl: line 3: malformed JSON: invalid UTF-8 encoding in string",
            id="latin-1-byte",
        ),
        pytest.param(
            '{"tag_id": "t1", "tag_name": "a"}\n\n{"tag_id": "t2", "tag_name": "a", '
            '"tag_name": "b"}\n',
            "tags/bad.jsonl: line 3: the key tag_name appears more than once in this record: "
            "which value is meant cannot be known",
            id="repeated-key",
        ),
    ],
)
def test_unreadable_file_loads_nothing_and_names_file_line_and_problem(
    tmp_path: Path, content: str | bytes, expected_error: str
) -> None:
    landing = tmp_path / "landing"
    write(landing, "tags/bad.jsonl", content)
    write(landing, "tags/good.jsonl", '{"tag_id": "t9", "tag_name": "ok"}\n')

    result = load(tmp_path)

    [failed] = result.failed
    assert failed.path == "tags/bad.jsonl" and failed.rows == 0
    assert failed.error is not None and failed.error.startswith(expected_error)
    assert query(tmp_path, "select tag_id, _source_file from raw.tags") == [
        ("t9", "tags/good.jsonl")
    ]


def test_a_key_the_contract_does_not_name_may_repeat(tmp_path: Path) -> None:
    write(
        tmp_path / "landing", "tags/x.jsonl", '{"tag_id": "t1", "x": 1, "tag_name": "a", "x": 2}\n'
    )
    assert load(tmp_path).ok
    assert query(tmp_path, "select tag_id, tag_name from raw.tags") == [("t1", "a")]
