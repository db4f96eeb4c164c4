"""CSV landing files: columns as exported, quoting, nulls, and whole-file failures."""

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


def test_columns_in_any_order_extra_ignored_and_rfc4180_quoting(tmp_path: Path) -> None:
    write(
        tmp_path / "landing",
        "tags/export.csv",
        'tag_name,note,tag_id\n"VIP, gold",x,t1\n"two\nlines",y,t2\n"say ""hi""",z,t3\nplain,,t4\n',
    )
    result = load(tmp_path)
    assert result.ok
    assert result.rows_loaded_by_table["tags"] == 4
    assert query(
        tmp_path,
        "select tag_id, tag_name, _source_file, _row_number from raw.tags order by _row_number",
    ) == [
        ("t1", "VIP, gold", "tags/export.csv", 1),
        ("t2", "two\nlines", "tags/export.csv", 2),
        ("t3", 'say "hi"', "tags/export.csv", 3),
        ("t4", "plain", "tags/export.csv", 4),
    ]


def test_empty_field_is_null_and_text_is_kept_verbatim(tmp_path: Path) -> None:
    write(
        tmp_path / "landing",
        "users/u.csv",
        "user_id,full_name,email,is_active\n"
        'u1,,"",YES\n'
        "u2, An ,a@x.vn,0\n"
        "007,1.50,,2026-03-01T08:15:00+07:00\n",
    )
    load(tmp_path)
    assert query(
        tmp_path,
        "select user_id, full_name, email, is_active from raw.users order by _row_number",
    ) == [
        ("u1", None, None, "YES"),
        ("u2", " An ", "a@x.vn", "0"),
        ("007", "1.50", None, "2026-03-01T08:15:00+07:00"),
    ]


def test_bom_crlf_and_upper_case_extension(tmp_path: Path) -> None:
    write(
        tmp_path / "landing",
        "groups/G.CSV",
        b'\xef\xbb\xbfgroup_id,group_name\r\ng1,"A\r\nB"\r\ng2,C\r\n',
    )
    result = load(tmp_path)
    assert [(f.path, f.status, f.rows) for f in result.files] == [("groups/G.CSV", "loaded", 2)]
    assert query(tmp_path, "select group_id, group_name from raw.groups order by 1") == [
        ("g1", "A\r\nB"),
        ("g2", "C"),
    ]


def test_header_only_file_loads_zero_rows(tmp_path: Path) -> None:
    write(tmp_path / "landing", "groups/empty.csv", "group_id,group_name\n")
    result = load(tmp_path)
    assert [(f.status, f.rows) for f in result.files] == [("loaded", 0)]
    assert query(tmp_path, "select status, rows_loaded from raw._load_log") == [("loaded", 0)]


def test_repeated_contract_column_refuses_the_file_naming_it(tmp_path: Path) -> None:
    # Which copy is meant cannot be known: nothing loads, the message names the column.
    write(
        tmp_path / "landing", "groups/dup.csv", "group_id,group_name,group_name\ng1,first,second\n"
    )
    write(tmp_path / "landing", "groups/ok.csv", "group_id,group_name\ng2,Sales\n")
    result = load(tmp_path)
    assert [(f.path, f.status) for f in result.files] == [
        ("groups/dup.csv", "failed"),
        ("groups/ok.csv", "loaded"),
    ]
    assert result.files[0].error == (
        "groups/dup.csv: line 1: the column group_name appears more than once: which copy is "
        "meant cannot be known; export each column once"
    )
    assert query(tmp_path, "select group_id from raw.groups") == [("g2",)]


def test_repeated_column_the_contract_does_not_name_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "landing", "groups/x.csv", "group_id,extra,group_name,extra\ng1,a,Sales,b\n")
    assert load(tmp_path).ok
    assert query(tmp_path, "select group_id, group_name from raw.groups") == [("g1", "Sales")]


def test_a_record_longer_than_duckdbs_default_line_limit_loads(tmp_path: Path) -> None:
    # DuckDB refuses a CSV line over 2,000,000 bytes unless told otherwise; the contract puts
    # no limit on a field, and JSONL takes the same value.
    note = "x" * 2_500_000
    write(
        tmp_path / "landing",
        "groups/big.csv",
        f'group_id,group_name\r\ng1,"{note}"\r\ng2,"two\r\nlines"\r\n',
    )
    write(
        tmp_path / "landing", "groups/big.jsonl", f'{{"group_id": "g3", "group_name": "{note}"}}\n'
    )
    result = load(tmp_path)
    assert result.ok, [f.error for f in result.failed]
    assert query(tmp_path, "select group_id, length(group_name) from raw.groups order by 1") == [
        ("g1", 2_500_000),
        ("g2", len("two\r\nlines")),
        ("g3", 2_500_000),
    ]


GOOD_GROUPS = "group_id,group_name\ng1,Sales\n"


@pytest.mark.parametrize(
    ("content", "expected_error"),
    [
        pytest.param(
            'group_id,group_name\ng1,"multi\nline"\ng2\ng3,x\n',
            "groups/bad.csv: line 4: expected 2 fields (as in the header), found 1",
            id="too-few-fields-after-a-multi-line-value",
        ),
        pytest.param(
            "group_id,group_name\ng1,a\ng2,b\ng3,c,extra\n",
            "groups/bad.csv: line 4: expected 2 fields (as in the header), found 3",
            id="too-many-fields",
        ),
        pytest.param(
            b"group_id,group_name\ng1,a\ng2,caf\xe9\n",
            "groups/bad.csv: line 3: not valid UTF-8",
            id="latin-1-byte",
        ),
        pytest.param(
            b"group_id,group_\xffname\ng1,a\n",
            "groups/bad.csv: line 1: not valid UTF-8 (byte 0xff",
            id="bad-byte-in-header",
        ),
        pytest.param(
            "group_name,colour\nSales,red\n",
            "groups/bad.csv: line 1: missing column group_id (the header has: group_name, colour)",
            id="missing-column",
        ),
        pytest.param(
            'group_id,group_name\ng1,a\ng2,"never closed\ng3,c\n',
            "groups/bad.csv: line 3: a quoted value is not closed properly",
            id="unterminated-quote",
        ),
        pytest.param(
            "",
            "groups/bad.csv: line 1: the file is empty: a CSV export needs a header row",
            id="empty-file",
        ),
    ],
)
def test_unreadable_file_loads_nothing_and_names_file_line_and_problem(
    tmp_path: Path, content: str | bytes, expected_error: str
) -> None:
    landing = tmp_path / "landing"
    write(landing, "groups/a_good.csv", GOOD_GROUPS)
    write(landing, "groups/bad.csv", content)
    write(landing, "groups/z_good.csv", "group_id,group_name\ng9,Support\n")

    result = load(tmp_path)

    assert not result.ok
    [failed] = result.failed
    assert (failed.path, failed.status, failed.rows) == ("groups/bad.csv", "failed", 0)
    assert failed.error is not None and failed.error.startswith(expected_error)
    assert query(tmp_path, "select group_id, _source_file from raw.groups order by 1") == [
        ("g1", "groups/a_good.csv"),
        ("g9", "groups/z_good.csv"),
    ]
    assert result.rows_loaded_by_table["groups"] == 2
    assert query(
        tmp_path,
        "select status, rows_loaded, error from raw._load_log where file_path = 'groups/bad.csv'",
    ) == [("failed", 0, failed.error)]
