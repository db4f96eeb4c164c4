"""Break a good raw row in one of the ways CONTRACT.md sections 4 and 6 call bad input.

`corrupt(table, row, rng)` returns the broken copy (the caller writes it instead of the
good row, so that row's good version is lost), or for a session sometimes a bad
re-export: a broken copy with a higher `updated_at`, written after the good row, that
must neither replace nor remove it (section 6.2).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.generate.timefmt import HOUR, bad_timestamp

Row = list[str | None]


def _col(table: str) -> dict[str, int]:
    return {name: i for i, name in enumerate(RAW_TABLES_BY_NAME[table].columns)}


_COLS = {name: _col(name) for name in RAW_TABLES_BY_NAME}


def _blank(table: str, column: str) -> Callable[[Row, random.Random, int], Row]:
    index = _COLS[table][column]

    def apply(row: Row, rng: random.Random, us: int) -> Row:
        row[index] = rng.choice((None, None, ""))
        return row

    return apply


def _set(table: str, column: str, *values: str) -> Callable[[Row, random.Random, int], Row]:
    index = _COLS[table][column]

    def apply(row: Row, rng: random.Random, us: int) -> Row:
        row[index] = rng.choice(values)
        return row

    return apply


def _bad_time(table: str, column: str) -> Callable[[Row, random.Random, int], Row]:
    index = _COLS[table][column]

    def apply(row: Row, rng: random.Random, us: int) -> Row:
        row[index] = bad_timestamp(us, rng)
        return row

    return apply


def _session_done_before_start(row: Row, rng: random.Random, us: int) -> Row:
    from omnireport.generate.timefmt import iso_z

    c = _COLS["sessions"]
    row[c["status"]] = "done"
    row[c["started_at"]] = iso_z(us)
    row[c["done_at"]] = iso_z(us - rng.randint(1, 5) * HOUR)
    return row


def _session_done_at_on_open(row: Row, rng: random.Random, us: int) -> Row:
    from omnireport.generate.timefmt import iso_z

    c = _COLS["sessions"]
    if row[c["done_at"]] is None:
        row[c["done_at"]] = iso_z(us + rng.randint(1, 5) * HOUR)
    row[c["status"]] = "open"
    return row


def _message_agent_on_incoming(row: Row, rng: random.Random, us: int) -> Row:
    c = _COLS["messages"]
    if row[c["agent_user_id"]] is None:
        row[c["agent_user_id"]] = "u001"
    row[c["direction"]] = "incoming"
    row[c["initiated_by"]] = "user"
    return row


# Per table: the ways to break a row. Every function gets (row copy, rng, the row's main time).
BREAKERS: dict[str, tuple[Callable[[Row, random.Random, int], Row], ...]] = {
    "channels": (
        _blank("channels", "channel_id"),
        _set("channels", "channel_type", "Facebook", "tiktok", ""),
    ),
    "users": (
        _blank("users", "user_id"),
        _set("users", "is_active", "maybe", "2", "yes please"),
    ),
    "groups": (_blank("groups", "group_id"),),
    "user_groups": (_blank("user_groups", "user_id"), _blank("user_groups", "group_id")),
    "contacts": (
        _blank("contacts", "contact_id"),
        _blank("contacts", "external_id"),
        _blank("contacts", "external_id"),
        _blank("contacts", "channel_id"),
    ),
    "categories": (_blank("categories", "category_id"),),
    "tags": (_blank("tags", "tag_id"),),
    "sessions": (
        _blank("sessions", "session_id"),
        _blank("sessions", "conversation_id"),
        _blank("sessions", "contact_id"),
        _set("sessions", "status", "Done", "closed", "OPEN"),
        _set("sessions", "support_type", "Message", "chat", ""),
        _bad_time("sessions", "started_at"),
        _bad_time("sessions", "updated_at"),
        _blank("sessions", "started_at"),
        _set("sessions", "rating", "6", "5.0", "6", "5.0", "0", "4.5", "five"),
        _session_done_before_start,
        _session_done_at_on_open,
    ),
    "messages": (
        _blank("messages", "message_id"),
        _blank("messages", "session_id"),
        _blank("messages", "session_id"),
        _set("messages", "direction", "Outgoing", "Incoming", "in"),
        _set("messages", "initiated_by", "Business", "bot"),
        _set("messages", "content_type", "Text", "gif"),
        _set("messages", "status", "Read", "seen"),
        _bad_time("messages", "sent_at"),
        _bad_time("messages", "status_updated_at"),
        _blank("messages", "sent_at"),
        _message_agent_on_incoming,
        _message_agent_on_incoming,
    ),
    "tag_events": (
        _blank("tag_events", "tag_event_id"),
        _blank("tag_events", "tag_id"),
        _blank("tag_events", "contact_id"),
        _set("tag_events", "action", "Added", "deleted"),
        _bad_time("tag_events", "event_at"),
    ),
    "agent_status_events": (
        _blank("agent_status_events", "event_id"),
        _blank("agent_status_events", "user_id"),
        _set("agent_status_events", "status", "Paused", "away", "busy"),
        _bad_time("agent_status_events", "event_at"),
    ),
}


def corrupt(table: str, row: Row, rng: random.Random, us: int) -> Row:
    """A broken copy of `row` (the original list is not changed). `us` is the row's main time."""
    breaker = rng.choice(BREAKERS[table])
    return breaker(list(row), rng, us)


def bad_session_reexport(row: Row, rng: random.Random, updated_us: int) -> Row:
    """A re-export of a good session with a higher `updated_at` that is itself bad (6.2)."""
    from omnireport.generate.timefmt import iso_z

    c = _COLS["sessions"]
    copy = list(row)
    copy[c["updated_at"]] = iso_z(updated_us + rng.randint(1, 48) * HOUR)
    kind = rng.randrange(3)
    if kind == 0:
        copy[c["status"]] = "Done"
    elif kind == 1:
        copy[c["rating"]] = rng.choice(("6", "5.0"))
    else:
        copy[c["started_at"]] = bad_timestamp(updated_us, rng)
    return copy
