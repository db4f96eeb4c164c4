"""Every mart column has a privacy class, the ones the issue names have the class it names,
every mart has a reader model, and the dbt docs page lists the classes as the YAML has them."""

from __future__ import annotations

import pytest

from omnireport.privacy.classes import (
    CLASSES,
    DOCS_FILE,
    column_class,
    mart_classes,
    project_dir,
    render_docs,
    unclassified,
)

pytestmark = pytest.mark.unit


def test_every_mart_column_has_a_class():
    classes = mart_classes()
    assert len(classes) >= 20
    assert unclassified(classes) == []


def test_personal_data_is_classified_as_such():
    classes = mart_classes()
    identifiers = {
        "fct_sessions": {"contact_id", "contact_name", "session_name", "conversation_id"},
        "fct_messages": {"from_id", "to_id", "media_url", "conversation_id"},
        "fct_conversations": {"contact_id", "conversation_id"},
        "fct_replies": {"conversation_id"},
        "dim_users": {"email"},
    }
    for mart, columns in identifiers.items():
        assert {c for c in columns if classes[mart][c] == "identifier"} == columns, mart
    assert classes["fct_sessions"]["note"] == "free_text"
    assert classes["fct_messages"]["content"] == "free_text"
    assert classes["fct_sessions"]["staff_name"] == "staff"
    assert classes["dim_users"]["full_name"] == "staff"
    # nothing else is free text or an identifier: every report mart passes unchanged
    for mart, columns in classes.items():
        if mart.startswith("rpt_"):
            assert set(columns.values()) <= {"none", "staff"}, mart


def test_generated_sla_columns_are_counts():
    classes = mart_classes()
    assert column_class(classes, "rpt_user_stats", "sla_15m") == "none"
    assert column_class(classes, "fct_sessions", "contact_id") == "identifier"
    with pytest.raises(KeyError, match="fct_sessions.nope has no privacy class"):
        column_class(classes, "fct_sessions", "nope")


def test_every_mart_has_a_one_line_reader_model():
    folder = project_dir() / "models"
    marts = sorted(path.stem for path in (folder / "marts").glob("*.sql"))
    assert marts == sorted(mart_classes())
    for mart in marts:
        text = (folder / "reader" / f"reader_{mart}.sql").read_text(encoding="utf-8")
        assert text == f"{{{{ omnireport.reader_model('{mart}') }}}}\n"


def test_the_docs_page_is_up_to_date():
    written = (project_dir() / DOCS_FILE).read_text(encoding="utf-8")
    assert written == render_docs(mart_classes()), (
        f"{DOCS_FILE} is stale: run `python -m omnireport.privacy.classes --write`"
    )
    for name in CLASSES:
        assert f"| `{name}` |" in written
    assert (
        "| `fct_sessions` | `conversation_id`, `contact_id`, `contact_name`, `session_name` | `note` |"
        in written
    )
