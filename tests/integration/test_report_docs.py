"""Every SQL block of docs/analysts.md runs against a real warehouse (the tiny report dataset)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
BLOCKS = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_report_views import tiny_warehouse

    return tiny_warehouse(tmp_path_factory)


def test_the_doc_covers_every_view():
    from omnireport.report.views import VIEWS

    text = DOC.read_text(encoding="utf-8")
    for name in VIEWS:
        assert f"omnireport report {name}" in text, name
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_sql_block_runs(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(sql).fetchall()
    finally:
        con.close()


def test_doc_queries_match_hand_computed_figures(warehouse):
    """The overview, contacts and tag/category blocks give the tiny dataset's figures."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        overview = con.execute(BLOCKS[0]).fetchone()
        contacts = con.execute(BLOCKS[1]).fetchone()
        filtered = con.execute(BLOCKS[2]).fetchone()
    finally:
        con.close()
    assert overview == (4, 3, 1, 3, 1, 310.0, 1635.0)
    assert contacts == (3,)
    assert filtered[:2] == (1, 1)  # VIP and in Orders/Refund: s1 only
