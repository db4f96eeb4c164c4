"""The raw side of the data contract (CONTRACT.md section 2), as data.

One place in Python that names every raw table and its columns, in contract order.
The dbt sources (`dbt_project/models/staging/crm/_crm__sources.yml`) list the same
columns; `tests/unit/test_contract.py` keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawTable:
    """A raw table of the CRM export: its name and its columns in contract order."""

    name: str
    columns: tuple[str, ...]


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable("channels", ("channel_id", "channel_name", "channel_type")),
    RawTable("users", ("user_id", "full_name", "email", "is_active")),
    RawTable("groups", ("group_id", "group_name")),
    RawTable("user_groups", ("user_id", "group_id")),
    RawTable("contacts", ("contact_id", "display_name", "channel_id", "external_id")),
    RawTable("categories", ("category_id", "category_name", "parent_id")),
    RawTable("tags", ("tag_id", "tag_name")),
    RawTable(
        "sessions",
        (
            "session_id",
            "conversation_id",
            "channel_id",
            "contact_id",
            "session_name",
            "support_type",
            "assigned_user_id",
            "category_id",
            "note",
            "status",
            "started_at",
            "done_at",
            "rating",
            "updated_at",
        ),
    ),
    RawTable(
        "messages",
        (
            "message_id",
            "conversation_id",
            "session_id",
            "channel_id",
            "initiated_by",
            "direction",
            "from_id",
            "to_id",
            "agent_user_id",
            "sent_at",
            "content_type",
            "content",
            "template_id",
            "template_name",
            "media_url",
            "status",
            "status_updated_at",
        ),
    ),
    RawTable(
        "tag_events",
        (
            "tag_event_id",
            "tag_id",
            "session_id",
            "contact_id",
            "channel_id",
            "user_id",
            "action",
            "event_at",
        ),
    ),
    RawTable("agent_status_events", ("event_id", "user_id", "status", "event_at")),
)

RAW_TABLES_BY_NAME: dict[str, RawTable] = {table.name: table for table in RAW_TABLES}

# Columns the loader adds to every raw row (CONTRACT.md section 2, "Landing files").
# Load order of a row is (_load_id, _row_number): _load_id grows with every file loaded.
LINEAGE_COLUMNS: tuple[str, ...] = ("_source_file", "_row_number", "_load_id", "_loaded_at")

RAW_SCHEMA = "raw"
LOAD_LOG_TABLE = "_load_log"
