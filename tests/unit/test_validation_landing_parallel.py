"""Landing files validated several per GX run and in worker processes: the same findings."""

from pathlib import Path

import pytest

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.landing.files import discover_landing_files
from omnireport.validation.landing_suite import (
    LandingSuite,
    validate_landing_file,
    validate_landing_files_together,
)
from orchestration.checks.landing import (
    _batches,
    validate_landing_files,
    validation_workers,
)

pytestmark = pytest.mark.unit

HEADER = ",".join(RAW_TABLES_BY_NAME["sessions"].columns)
GOOD = "s{n},c1,ch1,ct1,name,message,,,,done,2026-03-01T08:15:00Z,,5,2026-03-01T09:00:00Z"


def session_line(n: int, **changes: str) -> str:
    values = dict(zip(HEADER.split(","), GOOD.format(n=n).split(","), strict=True))
    values.update(changes)
    return ",".join(values.values())


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def suite():
    return LandingSuite("sessions")


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "landing" / "sessions"
    return [
        # a: row 2 has an unknown status, row 3 repeats s1
        write(
            folder / "a.csv",
            [HEADER, session_line(1), session_line(2, status="Done"), session_line(1)],
        ),
        # b: row 1 misses its session id, row 3 has an unparseable start
        write(
            folder / "b.csv",
            [
                HEADER,
                session_line(0, session_id=" "),
                session_line(5),
                session_line(6, started_at="2026-03-01"),
            ],
        ),
        # c: no rating column: refused
        write(folder / "c.csv", [HEADER.replace(",rating", ""), "s7,c1,ch1,ct1"]),
        # d: too few fields on line 2: unreadable
        write(folder / "d.csv", [HEADER, "s8,c1"]),
        # e: every value right
        write(folder / "e.csv", [HEADER, session_line(9), session_line(10)]),
        # f: rows 1 and 2 with an unknown status
        write(
            folder / "f.csv", [HEADER, session_line(11, status="x"), session_line(12, status="y")]
        ),
    ]


def findings(validation):
    summary = validation.as_dict()
    return {key: summary[key] for key in summary if key not in ("seconds", "gx_results")}


def test_files_validated_together_have_the_findings_of_each_alone(files, suite):
    together = validate_landing_files_together(files, "sessions", suite=suite)
    alone = [validate_landing_file(path, "sessions", suite=suite) for path in files]
    assert [findings(found) for found in together] == [findings(found) for found in alone]

    a, b, c, d, e, f = together
    assert a.failing == {"unknown status": 1}
    assert a.outcomes["unknown status"].examples == [{"_row_number": 2, "status": "Done"}]
    assert a.outcomes["unknown status"].checked == 3
    assert (a.repeated_ids, a.repeated_id_examples) == (1, [{"session_id": "s1", "copies": 2}])
    assert b.failing == {"missing session_id": 1, "unparseable started_at": 1}
    assert b.outcomes["missing session_id"].examples == [{"_row_number": 1, "session_id": None}]
    assert b.outcomes["unparseable started_at"].examples == [
        {"_row_number": 3, "started_at": "2026-03-01"}
    ]
    assert c.error == "missing column(s) rating"
    assert d.read_error is not None and "line 2" in d.read_error
    assert (e.rows, e.failing) == (2, {})
    assert f.outcomes["unknown status"].examples == [
        {"_row_number": 1, "status": "x"},
        {"_row_number": 2, "status": "y"},
    ]
    # a, b, e and f (10 rows) went through one GX run; its result is kept once
    assert [r["run"] for r in a.gx_results] == [{"files": 4, "rows": 10, "file_from_row": 1}]
    assert "result" in a.gx_results[0]
    assert [r["run"]["file_from_row"] for r in f.gx_results] == [9]
    assert f.gx_results[0]["result_kept_with"] == str(files[0])
    assert e.gx_results == []


def test_runs_hold_at_most_one_chunk_of_rows(files, suite):
    together = validate_landing_files_together(files, "sessions", chunk_rows=3, suite=suite)
    alone = [validate_landing_file(path, "sessions", chunk_rows=3, suite=suite) for path in files]
    assert [findings(found) for found in together] == [findings(found) for found in alone]
    # 3 + 3 rows exceed a chunk of 3: each file ran alone, with GX's own per-chunk result
    assert [(r["first_row"], r["rows"]) for r in together[0].gx_results] == [(1, 3)]
    assert "run" not in together[0].gx_results[0]


def test_consecutive_small_files_of_one_table_share_runs(tmp_path):
    mib = 1024 * 1024
    jobs = [
        ("users", tmp_path / "u1.csv", 1 * mib),
        ("users", tmp_path / "u2.csv", 2 * mib),
        ("users", tmp_path / "big.csv", 200 * mib),
        ("users", tmp_path / "u3.csv", 1 * mib),
        ("groups", tmp_path / "g1.csv", 1 * mib),
    ]
    assert _batches(jobs) == [
        ("users", [str(tmp_path / "u1.csv"), str(tmp_path / "u2.csv")]),
        ("users", [str(tmp_path / "big.csv")]),
        ("users", [str(tmp_path / "u3.csv")]),
        ("groups", [str(tmp_path / "g1.csv")]),
    ]


def _landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    write(
        folder / "users" / "a.csv",
        ["user_id,full_name,email,is_active", "u1,An,,true", ",Binh,,maybe"],
    )
    write(folder / "users" / "b.csv", ["user_id,full_name,is_active", "u2,Chi,true"])
    write(
        folder / "users" / "c.csv",
        ["user_id,full_name,email,is_active", "u3,Dung,,yes", "u3,Dung,,no"],
    )
    write(
        folder / "channels" / "a.csv",
        ["channel_id,channel_name,channel_type", "ch1,Fb,facebook", "ch2,Web,web"],
    )
    return folder


def test_one_and_two_workers_give_the_same_findings(tmp_path):
    folder = _landing(tmp_path)
    files = discover_landing_files(folder).files
    serial = validate_landing_files(files, folder, tmp_path / "state1", workers=1)
    parallel = validate_landing_files(
        files, folder, tmp_path / "state2", workers=2, parallel_min_bytes=0
    )
    for table in serial:
        assert [f.name for f in parallel[table].findings] == [
            f.name for f in serial[table].findings
        ]
        for one, two in zip(serial[table].findings, parallel[table].findings, strict=True):
            assert {k: v for k, v in one.summary.items() if k != "seconds"} == {
                k: v for k, v in two.summary.items() if k != "seconds"
            }
        assert parallel[table].refused == serial[table].refused
    users = parallel["users"].check_result()
    assert users.metadata["failing_rows"].value == {"missing user_id": 1, "invalid is_active": 1}
    assert users.metadata["repeated_ids"].value == 1  # u3 twice in c.csv
    assert list(parallel["users"].refused) == ["users/b.csv"]
    channels = parallel["channels"].check_result()
    assert channels.metadata["failing_rows"].value == {"unknown channel_type": 1}
    assert channels.metadata["failing_examples"].value == {
        "channels/a.csv": {"unknown channel_type": [{"_row_number": 2, "channel_type": "web"}]}
    }


def test_workers_setting():
    assert validation_workers({"OMNIREPORT_VALIDATION_WORKERS": "3"}) == 3
    assert validation_workers({}) == 1
    with pytest.raises(ValueError, match="OMNIREPORT_VALIDATION_WORKERS='0' is not a positive"):
        validation_workers({"OMNIREPORT_VALIDATION_WORKERS": "0"})
