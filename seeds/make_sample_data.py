#!/usr/bin/env python3
"""Write the sample landing data set that `make demo` loads: seeds/landing/<table>/*.csv.

Plain Python (the column lists come from omnireport.contract) and deterministic: a fixed
random seed and fixed dates, so running it twice writes byte-identical files. Two export batches:

- `2026-03-09_batch1.csv`: everything the CRM knew at 2026-03-09T00:00:00Z,
- `2026-03-16_batch2.csv`: everything new or changed until 2026-03-16T00:00:00Z
  (sessions closed since, messages read since, a renamed user, ...).

The business-hours tables of CONTRACT.md 7.1 (business_hours, holidays, channel_schedules)
are hand-made rows in both batches (`add_schedules`), written after every random row.

Besides the CSVs it writes `seeds/expected_counts.json` (per raw table: raw, bad,
superseded and staged rows after loading both batches) and
`seeds/expected_quarantine.csv` (every bad row, its file, position and reason), both
from the generator's own bookkeeping of each row's fate. See seeds/README.md.

Usage: .venv/bin/python seeds/make_sample_data.py [--out-dir seeds]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from omnireport.contract import RAW_TABLES

SEED = 20260302
UTC = UTC
LOCAL = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh, no daylight saving
FIRST_DAY = datetime(2026, 3, 2, tzinfo=UTC)
CUTOFF_1 = datetime(2026, 3, 9, tzinfo=UTC)
CUTOFF_2 = datetime(2026, 3, 16, tzinfo=UTC)
BATCH_FILES = ("2026-03-09_batch1.csv", "2026-03-16_batch2.csv")

# CONTRACT.md section 2, in contract order, as the dbt project declares it.
COLUMNS: dict[str, tuple[str, ...]] = {table.name: table.columns for table in RAW_TABLES}

# Deduplication key of each table (CONTRACT.md section 1 and section 6 item 1).
KEYS: dict[str, tuple[str, ...]] = {
    "channels": ("channel_id",),
    "users": ("user_id",),
    "groups": ("group_id",),
    "user_groups": ("user_id", "group_id"),
    "contacts": ("contact_id",),
    "categories": ("category_id",),
    "tags": ("tag_id",),
    "sessions": ("session_id",),
    "messages": ("message_id",),
    "tag_events": ("tag_event_id",),
    "agent_status_events": ("event_id",),
    # CONTRACT.md 7.1: keys compare typed values (` 6 ` and `6` are one weekday)
    "business_hours": ("schedule_id", "valid_from", "weekday", "opens_at"),
    "holidays": ("schedule_id", "holiday_date"),
    "channel_schedules": ("channel_id",),
}
ORDER_COLUMN = {"sessions": "updated_at", "messages": "status_updated_at"}
# Key columns typed before comparing (dates, weekdays, HH:MM times): spaces around ignored.
TYPED_KEY_COLUMNS = frozenset({"valid_from", "weekday", "opens_at", "holiday_date"})


def key_value(column: str, value: str | None) -> str | None:
    """A key column's value as deduplication compares it (valid rows only)."""
    if value is not None and column in TYPED_KEY_COLUMNS:
        return value.strip() or None
    return value


# Files whose header differs from contract order (allowed: any order, extra columns ignored).
HEADER_OVERRIDES: dict[tuple[str, int], tuple[str, ...]] = {
    ("contacts", 1): ("external_id", "channel_id", "display_name", "contact_id"),
    ("tags", 1): ("tag_id", "tag_name", "color"),
}


# --------------------------------------------------------------------------- time text


def ts(dt: datetime, style: str = "z") -> str:
    """Format a UTC datetime as export text. Styles exercise CONTRACT.md section 6 item 6."""
    dt = dt.astimezone(UTC)
    frac = f".{dt.microsecond:06d}".rstrip("0") if dt.microsecond else ""
    if style == "z":
        return dt.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"
    if style == "offset":  # same instant, written in local time with +07:00
        loc = dt.astimezone(LOCAL)
        return loc.strftime("%Y-%m-%dT%H:%M:%S") + frac + "+07:00"
    if style == "space":  # space instead of T, no offset (= UTC)
        return dt.strftime("%Y-%m-%d %H:%M:%S") + frac
    if style == "nosec":  # HH:MM only
        return dt.strftime("%Y-%m-%dT%H:%MZ")
    if style == "padded":  # surrounding spaces are ignored
        return "  " + dt.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z "
    raise ValueError(f"unknown timestamp style {style!r}")


_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(Z|[+-]\d{2}:\d{2})?$"
)


def parse_ts(text: str) -> datetime | None:
    """Parse export text by the rule of CONTRACT.md section 6 item 6; None if unparseable."""
    m = _TS_RE.match(text.strip())
    if not m:
        return None
    year, month, day, hour, minute, sec, frac, off = m.groups()
    try:
        dt = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(sec or 0),
            int((frac or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if off and off != "Z":
        sign = 1 if off[0] == "+" else -1
        dt -= sign * timedelta(hours=int(off[1:3]), minutes=int(off[4:6]))
    return dt


def utc(day: int, hh: int, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    """2026-03-<day> hh:mm:ss UTC."""
    return datetime(2026, 3, day, hh, mm, ss, us, tzinfo=UTC)


# --------------------------------------------------------------------------- bookkeeping


@dataclass
class Row:
    table: str
    batch: int
    values: dict[str, str | None]
    bad: str | None = None  # the contract rule it breaks (expected quarantine reason)
    case: str = ""  # the README case it exercises, if any


class Landing:
    """Every row written, per (table, batch), in file order, with its intended fate."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], list[Row]] = {(t, b): [] for t in COLUMNS for b in (0, 1)}

    def add(
        self, table: str, batch: int, values: dict, bad: str | None = None, case: str = ""
    ) -> Row:
        unknown = set(values) - set(COLUMNS[table]) - {"color"}
        if unknown:
            raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
        row = Row(table, batch, {c: values.get(c) for c in values}, bad, case)
        self.rows[(table, batch)].append(row)
        return row

    def insert_bad(
        self, rng: random.Random, table: str, batch: int, values: dict, bad: str, case: str = ""
    ) -> None:
        """Place a bad row at a random position of its file (files are exported unsorted)."""
        row = Row(table, batch, dict(values), bad, case)
        rows = self.rows[(table, batch)]
        rows.insert(rng.randint(0, len(rows)), row)


def fates(landing: Landing) -> dict[str, dict[str, int]]:
    """Count raw / bad / superseded / staged rows per table; marks each Row with `fate`."""
    counts: dict[str, dict[str, int]] = {}
    for table in COLUMNS:
        ordered = [r for b in (0, 1) for r in landing.rows[(table, b)]]
        winners: dict[tuple, tuple] = {}
        for load_pos, row in enumerate(ordered):
            row.fate = "bad" if row.bad else "staged"  # type: ignore[attr-defined]
            if row.bad:
                continue
            key = tuple(key_value(k, row.values.get(k)) for k in KEYS[table])
            order_col = ORDER_COLUMN.get(table)
            rank = ((parse_ts(row.values[order_col]),) if order_col else ()) + (load_pos,)
            best = winners.get(key)
            if best is None or rank > best[0]:
                if best is not None:
                    best[1].fate = "superseded"
                winners[key] = (rank, row)
            else:
                row.fate = "superseded"  # type: ignore[attr-defined]
        c = {"raw": len(ordered), "bad": 0, "superseded": 0, "staged": 0}
        for row in ordered:
            c[row.fate] += 1  # type: ignore[attr-defined]
        counts[table] = c
    return counts


# --------------------------------------------------------------------------- world model


@dataclass
class Msg:
    message_id: str
    direction: str  # incoming / outgoing
    sent_at: datetime
    agent_user_id: str | None = None
    content_type: str = "text"
    content: str | None = None
    template_id: str | None = None
    template_name: str | None = None
    media_url: str | None = None
    status: str = "read"
    status_updated_at: datetime | None = None
    sent_style: str = "z"
    status_style: str = "z"
    channel_id: str | None = None  # default: the session's


@dataclass
class Session:
    session_id: str
    channel_id: str
    contact_id: str
    conversation_id: str
    session_name: str
    support_type: str
    assigned_user_id: str | None
    category_id: str | None
    note: str | None
    started_at: datetime
    done_at: datetime | None = None
    is_done: bool = False
    rating: int | None = None
    messages: list[Msg] = field(default_factory=list)
    contact_external_id: str = ""
    started_style: str = "z"
    done_style: str = "z"
    updated_style: str = "z"
    custom_export: bool = False  # exported by hand (re-export cases), not by snapshot
    case: str = ""

    def updated_at(self, until: datetime | None = None) -> datetime:
        times = [self.started_at] + [m.sent_at for m in self.messages]
        if self.done_at:
            times.append(self.done_at)
        if until is not None:
            times = [t for t in times if t < until]
        return max(times) + timedelta(seconds=1)


FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Ngọc", "Hoài", "Quốc", "Thanh", "Gia", "Bảo", "Đức"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Ngọc",
    "Phong",
    "Phúc",
    "Quân",
    "Quỳnh",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
]

CONTACT_TEXTS = [
    "Shop ơi cho mình hỏi giá nồi chiên không dầu 5L",
    "Mình đặt đơn hôm qua mà chưa thấy giao",
    "Còn hàng màu xám không shop?",
    "Cho mình xin địa chỉ cửa hàng ở Quận 7",
    "Sản phẩm bị lỗi, mình muốn đổi trả",
    "Ship về Đà Nẵng mất mấy ngày ạ?",
    "Có chương trình khuyến mãi tháng 3 không?",
    "Bảo hành bao lâu vậy shop",
    'Mình cần hóa đơn VAT, tên công ty "TNHH Minh Phát", MST 0312345678',
    "ok",
    "Dạ vâng",
    "Mình chuyển khoản rồi nhé",
    "Giá sỉ cho 20 cái là bao nhiêu?",
    "Hướng dẫn mình lắp đặt với,\nmình làm mãi không được",
    "Cảm ơn shop",
    "Alo shop ơi",
]
AGENT_TEXTS = [
    "Dạ chào anh/chị, em có thể hỗ trợ gì ạ?",
    "Dạ sản phẩm này giá 1.290.000đ, đang giảm 10% ạ",
    "Em kiểm tra đơn hàng giúp mình ngay ạ",
    "Dạ đơn của mình đang được giao, dự kiến ngày mai tới ạ",
    "Dạ còn hàng ạ, mình cho em xin số điện thoại để lên đơn nhé",
    "Em gửi mình hướng dẫn lắp đặt, anh/chị xem giúp em ạ",
    "Dạ shop bảo hành 12 tháng, 1 đổi 1 trong 7 ngày đầu",
    "Dạ em đã ghi nhận, bộ phận kỹ thuật sẽ gọi lại cho mình trong hôm nay",
    "Cảm ơn anh/chị đã ủng hộ shop ạ!",
    'Dạ mình bấm "Đặt hàng", chọn "Chuyển khoản" là được ạ',
]
PAGE_TEXTS = [
    "Cảm ơn bạn đã nhắn tin cho Bếp Nhà Mai! Nhân viên sẽ phản hồi trong ít phút.",
    "Xin chào! Bạn cần hỗ trợ về: 1. Đơn hàng 2. Sản phẩm 3. Bảo hành",
    "Ngoài giờ làm việc (8h-22h), chúng tôi sẽ trả lời bạn sớm nhất.",
]
NOTES = [
    "Khách quen, ưu tiên hỗ trợ",
    "Hẹn gọi lại lúc 15h, SĐT 0909 123 456",
    'Khách hỏi mã "MAI10", đã áp dụng',
    "Đổi trả: lỗi nắp, chờ kho xác nhận;\nđã gửi hình cho kỹ thuật",
    "Khách sỉ, báo giá theo bảng giá đại lý",
]
POSTS = [
    "Flash sale 3/3",
    "Video hướng dẫn nồi chiên",
    "Khai trương chi nhánh Quận 7",
    "Minigame tháng 3",
]

LOCAL_HOUR_WEIGHTS = [
    1,
    0.5,
    0.3,
    0.2,
    0.2,
    0.5,
    1,
    2,
    5,
    8,
    9,
    7,
    4,
    5,
    7,
    8,
    6,
    4,
    3,
    5,
    7,
    6,
    3,
    2,
]


class World:
    """All dimension rows, sessions with their messages, tag and status events."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.channels: list[tuple[str, str, str]] = []
        self.users: list[dict] = []
        self.groups: list[tuple[str, str]] = []
        self.user_groups: list[tuple[str, str]] = []
        self.contacts: dict[str, dict] = {}
        self.contacts_by_channel: dict[str, list[str]] = {}
        self.categories: list[tuple[str, str, str | None]] = []
        self.tags: list[tuple[str, str]] = []
        self.sessions: list[Session] = []
        self.tag_events: list[dict] = []
        self.status_events: list[dict] = []
        self._msg_seq = 0
        self._te_seq = 0

    def next_message_id(self) -> str:
        self._msg_seq += 1
        return f"m{self._msg_seq:06d}"

    def next_tag_event_id(self) -> str:
        self._te_seq += 1
        return f"te{self._te_seq:05d}"


# Agents: shift as (start local hour, length hours).
AGENTS = [
    ("u01", "Nguyễn Thị Lan", (8, 9)),
    ("u02", "Trần Minh Quân", (8, 9)),
    ("u03", "Lê Thu Hà", (8, 9)),
    ("u04", "Phạm Quốc Bảo", (8, 9)),
    ("u05", "Hoàng Ngọc Mai", (8, 9)),
    ("u06", "Võ Thanh Tâm", (8, 9)),
    ("u07", "Đặng Gia Huy", (8, 9)),
    ("u08", "Bùi Thị Hạnh", (8, 9)),
    ("u09", "Đỗ Văn Hùng", (8, 9)),
    ("u10", "Hồ Thị Yến", (8, 9)),
    ("u11", "Ngô Đức Phúc", (8, 9)),
    ("u12", "Dương Bảo Ngọc", (8, 9)),
    ("u13", "Lý Minh Khánh", (14, 9)),
    ("u14", "Phan Thu Trang", (14, 9)),
    ("u15", "Vũ Hoài Nam", (14, 9)),
    ("u16", "Huỳnh Thị Vy", (14, 9)),
    ("u17", "Trần Quỳnh Chi", (14, 9)),
    ("u18", "Nguyễn Văn Long", (22, 9)),
    ("u19", "Lê Hoài Sơn", (22, 9)),
    ("u20", "Phạm Thị Nga", (8, 9)),
]
INACTIVE_USER = "u20"  # left on 2026-03-04: is_active false, only early activity
NULL_EMAIL_USER = "u19"
IS_ACTIVE_TEXT = {"u03": "t", "u07": "1", "u11": "Yes", "u15": " TRUE ", "u20": "false"}


def build_dimensions(w: World) -> None:
    w.channels = [
        ("ch01", "Bếp Nhà Mai", "facebook"),
        ("ch02", "Mai Home Outlet", "facebook"),
        ("ch03", "Bếp Nhà Mai - Zalo OA", "zalo"),
        ("ch04", "CSKH Mai Home", "zalo"),
        ("ch05", "@bepnhamai", "instagram"),
        ("ch06", "@maihome.outlet", "instagram"),
        ("ch07", "Livechat website bepnhamai.vn", "livechat"),
        ("ch08", "Livechat ứng dụng Mai Home", "livechat"),
    ]
    for uid, name, shift in AGENTS:
        email = None if uid == NULL_EMAIL_USER else f"{uid}@bepnhamai.vn"
        w.users.append(
            {
                "user_id": uid,
                "full_name": name,
                "email": email,
                "is_active": IS_ACTIVE_TEXT.get(uid, "true"),
                "shift": shift,
            }
        )
    w.groups = [
        ("g1", "Tư vấn bán hàng"),
        ("g2", "Chăm sóc khách hàng"),
        ("g3", "Kỹ thuật"),
        ("g4", "Khiếu nại"),
        ("g5", "Ca đêm"),
    ]
    membership = {
        "g1": ["u01", "u02", "u03", "u04", "u05", "u13"],
        "g2": ["u06", "u07", "u08", "u09", "u14", "u15", "u01", "u20"],
        "g3": ["u10", "u11", "u16", "u04"],
        "g4": ["u12", "u17", "u08"],
        "g5": ["u18", "u19", "u15"],
    }
    w.user_groups = [(u, g) for g, us in membership.items() for u in us]
    w.categories = [
        ("cat01", "Bán hàng", None),
        ("cat02", "Báo giá", "cat01"),
        ("cat03", "Chiết khấu đại lý", "cat02"),
        ("cat04", "Đơn hàng", "cat01"),
        ("cat05", "Đổi trả", "cat04"),
        ("cat06", "Giao hàng", "cat04"),
        ("cat07", "Hỗ trợ kỹ thuật", None),
        ("cat08", "Lắp đặt", "cat07"),
        ("cat09", "Bảo hành", "cat07"),
        ("cat10", "Lỗi nguồn", "cat09"),
        ("cat11", "Khiếu nại", None),
        ("cat12", "Chất lượng sản phẩm", "cat11"),
        ("cat13", "Khác", None),
        ("cat14", "Khuyến mãi tháng 3", "cat99"),  # parent cat99 is never loaded
    ]
    w.tags = [
        ("t01", "VIP"),
        ("t02", "Khách mới"),
        ("t03", "Hỏi giá"),
        ("t04", "Đã chốt đơn"),
        ("t05", "Khiếu nại"),
        ("t06", "Cần gọi lại"),
        ("t07", "Spam"),
        ("t08", "Đổi trả"),
        ("t09", "Bảo hành"),
        ("t10", "Tiềm năng"),
    ]
    seq = 0
    for ch_id, _, ch_type in w.channels:
        w.contacts_by_channel[ch_id] = []
        for _ in range(w.rng.randint(14, 22)):
            seq += 1
            cid = f"c{seq:04d}"
            name = f"{w.rng.choice(FAMILY)} {w.rng.choice(MIDDLE)} {w.rng.choice(GIVEN)}"
            if ch_type == "facebook":
                ext = str(w.rng.randint(10**15, 10**16 - 1))
            elif ch_type == "zalo":
                ext = str(w.rng.randint(10**17, 10**18 - 1))
            elif ch_type == "instagram":
                ext = str(w.rng.randint(10**16, 10**17 - 1))
                name = name.lower().replace(" ", ".")
            else:
                ext = f"lc_{w.rng.getrandbits(48):012x}"
                if w.rng.random() < 0.3:
                    name = None  # anonymous website visitor: display_name may be null
            w.contacts[cid] = {
                "contact_id": cid,
                "display_name": name,
                "channel_id": ch_id,
                "external_id": ext,
                "first_seen": None,
            }
            w.contacts_by_channel[ch_id].append(cid)


def agents_on_shift(w: World, when: datetime) -> list[str]:
    loc = when.astimezone(LOCAL)
    out = []
    for u in w.users:
        start, length = u["shift"]
        hours_in = (loc.hour - start) % 24
        if hours_in < length and not (u["user_id"] == INACTIVE_USER and when >= utc(4, 0)):
            out.append(u["user_id"])
    return out or ["u18", "u19"]


def new_session(
    w: World,
    sid: str,
    channel: str,
    contact: str,
    started: datetime,
    assigned: str | None,
    category: str | None,
    support_type: str = "message",
    note: str | None = None,
) -> Session:
    c = w.contacts[contact] if contact in w.contacts else None
    name = (c["display_name"] if c else None) or "Khách truy cập"
    session_name = name if support_type == "message" else f"{name} - bình luận"
    conv = f"conv_{contact}"
    if c and (c["first_seen"] is None or started < c["first_seen"]):
        c["first_seen"] = started
    s = Session(
        sid,
        channel,
        contact,
        conv,
        session_name,
        support_type,
        assigned,
        category,
        note,
        started,
        contact_external_id=(c["external_id"] if c else f"x_{contact}"),
    )
    w.sessions.append(s)
    return s


def add_msg(
    w: World,
    s: Session,
    kind: str,
    at: datetime,
    agent: str | None = None,
    mid: str | None = None,
    **kw,
) -> Msg:
    """kind: contact / agent / page. Status defaults: read a little after sending."""
    rng = w.rng
    direction = "incoming" if kind == "contact" else "outgoing"
    if "content" not in kw and "content_type" not in kw:
        if kind == "contact":
            r = rng.random()
            if r < 0.08:
                kw.update(
                    content_type="image",
                    content=None,
                    media_url=f"https://cdn.example.vn/media/{rng.getrandbits(40):010x}.jpg",
                )
            elif r < 0.11:
                kw.update(
                    content_type="sticker",
                    content=None,
                    media_url=f"https://cdn.example.vn/sticker/{rng.randint(100, 999)}.png",
                )
            elif r < 0.12:
                kw.update(
                    content_type="audio",
                    content=None,
                    media_url=f"https://cdn.example.vn/media/{rng.getrandbits(40):010x}.m4a",
                )
            else:
                kw.update(content=rng.choice(CONTACT_TEXTS))
        elif kind == "agent":
            r = rng.random()
            if r < 0.06:
                kw.update(
                    content_type="template",
                    content="Phiếu khảo sát hài lòng",
                    template_id="tpl_survey_01",
                    template_name="khao_sat_hai_long",
                )
            elif r < 0.10:
                kw.update(
                    content_type="file",
                    content="bang_gia_thang3.pdf",
                    media_url="https://cdn.example.vn/docs/bang_gia_thang3.pdf",
                )
            else:
                kw.update(content=rng.choice(AGENT_TEXTS))
        else:
            if rng.random() < 0.3:
                kw.update(
                    content_type="template",
                    content=PAGE_TEXTS[1],
                    template_id="tpl_welcome_02",
                    template_name="chao_mung",
                )
            else:
                kw.update(content=rng.choice(PAGE_TEXTS[::2]))
    m = Msg(
        mid or w.next_message_id(),
        direction,
        at,
        agent_user_id=agent if kind == "agent" else None,
        **kw,
    )
    if m.status_updated_at is None:
        if direction == "incoming":
            m.status_updated_at = at + timedelta(seconds=rng.randint(1, 90))
        else:
            r = rng.random()
            if r < 0.03:
                m.status, m.status_updated_at = "failed", at + timedelta(seconds=1)
            elif r < 0.12:
                m.status, m.status_updated_at = "delivered", at + timedelta(seconds=2)
            else:
                m.status_updated_at = at + timedelta(seconds=rng.randint(5, 900))
    s.messages.append(m)
    return m


def build_random_sessions(w: World, n: int) -> None:
    rng = w.rng
    ch_weights = [25, 10, 20, 8, 10, 5, 15, 7]
    cat_ids = [c[0] for c in w.categories]
    made = 0
    while made < n:
        day = rng.randint(2, 15)
        hour = rng.choices(range(24), LOCAL_HOUR_WEIGHTS)[0]
        local = datetime(2026, 3, day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=LOCAL)
        started = local.astimezone(UTC)
        if not (FIRST_DAY <= started < CUTOFF_2 - timedelta(hours=1)):
            continue
        made += 1
        ch_id, _, ch_type = rng.choices(w.channels, ch_weights)[0]
        contact = rng.choice(w.contacts_by_channel[ch_id])
        support_type = (
            "comment" if ch_type in ("facebook", "instagram") and rng.random() < 0.25 else "message"
        )
        on_shift = agents_on_shift(w, started)
        assigned = rng.choice(on_shift) if rng.random() < 0.85 else None
        category = rng.choice(cat_ids[:13]) if rng.random() < 0.7 else None
        note = rng.choice(NOTES) if rng.random() < 0.15 else None
        s = new_session(
            w, f"s{made:04d}", ch_id, contact, started, assigned, category, support_type, note
        )
        target = rng.randint(8, 15)
        t = started
        add_msg(w, s, "contact", t)
        if ch_type in ("facebook", "zalo") and support_type == "message" and rng.random() < 0.5:
            add_msg(w, s, "page", t + timedelta(seconds=rng.randint(2, 6)))
        supported = rng.random() > 0.08
        responder = assigned or (rng.choice(on_shift) if rng.random() < 0.6 else None)
        if responder is None:
            supported = False
        if supported:
            r = rng.random()
            wait = (
                rng.randint(15, 300)
                if r < 0.6
                else rng.randint(300, 1800)
                if r < 0.85
                else rng.randint(1800, 7200)
                if r < 0.95
                else rng.randint(7200, 20000)
            )
            t = t + timedelta(seconds=wait)
            helper = rng.choice(on_shift) if rng.random() < 0.07 else None
            add_msg(w, s, "agent", t, responder)
            while len(s.messages) < target:
                for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
                    t += timedelta(seconds=rng.randint(20, 400))
                    add_msg(w, s, "contact", t)
                for _ in range(rng.choice([1, 1, 2])):
                    t += timedelta(seconds=rng.randint(15, 300))
                    who = helper if helper and rng.random() < 0.4 else responder
                    add_msg(w, s, "agent", t, who)
        else:
            for _ in range(rng.randint(1, 4)):
                t += timedelta(seconds=rng.randint(60, 1200))
                add_msg(w, s, "contact", t)
        if rng.random() < 0.85:
            s.is_done = True
            s.done_at = t + timedelta(seconds=rng.randint(60, 900))
            if rng.random() < 0.35:
                s.rating = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 5, 8])[0]
            if rng.random() < 0.06:  # customer says thanks after the session was closed
                add_msg(
                    w,
                    s,
                    "contact",
                    s.done_at + timedelta(seconds=rng.randint(30, 600)),
                    content="Cảm ơn shop nhiều nha",
                )
        # nothing happens after the second export: later messages are cut, session stays open
        s.messages = [m for m in s.messages if m.sent_at < CUTOFF_2 - timedelta(minutes=5)]
        for m in s.messages:
            if m.status_updated_at >= CUTOFF_2:
                m.status, m.status_updated_at = "delivered", m.sent_at + timedelta(seconds=1)
        if s.done_at and s.done_at >= CUTOFF_2 - timedelta(minutes=5):
            s.is_done, s.done_at, s.rating = False, None, None
        # tags: a third of the sessions are tagged by an agent or by automation
        if rng.random() < 0.33:
            agents_in = [m.agent_user_id for m in s.messages if m.agent_user_id]
            tagger = assigned or (agents_in[0] if agents_in else None)
            first_tag = rng.choice(w.tags)[0]
            at = started + timedelta(seconds=rng.randint(30, 600))
            add_tag_event(w, s, first_tag, tagger, "added", at)
            if rng.random() < 0.3:
                second = rng.choice([t_[0] for t_ in w.tags if t_[0] != first_tag])
                add_tag_event(w, s, second, tagger, "added", at + timedelta(seconds=40))
            if rng.random() < 0.15:
                add_tag_event(w, s, first_tag, tagger, "removed", at + timedelta(seconds=300))
        if ch_type in ("facebook", "zalo") and rng.random() < 0.1:
            add_tag_event(w, s, "t02", None, "added", started + timedelta(seconds=3))


def add_tag_event(
    w: World,
    s: Session | None,
    tag: str,
    user: str | None,
    action: str,
    at: datetime,
    te_id: str | None = None,
    contact: str | None = None,
    channel: str | None = None,
    session_id: str | None = "",
) -> dict:
    ev = {
        "tag_event_id": te_id or w.next_tag_event_id(),
        "tag_id": tag,
        "session_id": (s.session_id if s else None) if session_id == "" else session_id,
        "contact_id": contact or (s.contact_id if s else None),
        "channel_id": channel or (s.channel_id if s else None),
        "user_id": user,
        "action": action,
        "event_at": at,
    }
    w.tag_events.append(ev)
    return ev


# --------------------------------------------------------------------------- edge cases


def build_edge_sessions(w: World) -> dict[str, str]:
    """Hand-made sessions, one awkward case each. Returns {session_id: case}."""
    cases: dict[str, str] = {}

    def mk(
        sid: str,
        case: str,
        channel: str,
        contact: str,
        started: datetime,
        assigned: str | None,
        category: str | None = None,
        **kw,
    ) -> Session:
        s = new_session(w, sid, channel, contact, started, assigned, category, **kw)
        s.case = case
        cases[sid] = case
        return s

    def cid(channel: str, i: int = 0) -> str:
        return w.contacts_by_channel[channel][i]

    def m(
        s: Session,
        n: int,
        kind: str,
        at: datetime,
        agent: str | None = None,
        suffix: str = "",
        **kw,
    ) -> Msg:
        return add_msg(w, s, kind, at, agent, mid=f"m{s.session_id}_{n:02d}{suffix}", **kw)

    # sx01: automatic page replies before the first agent answer; level-3 category
    s = mk(
        "sx01",
        "page auto-replies before first agent answer; category level 3 (cat03)",
        "ch01",
        cid("ch01", 0),
        utc(3, 2, 0, 0),
        "u01",
        "cat03",
    )
    m(s, 1, "contact", utc(3, 2, 0, 0), content="Shop ơi cho mình hỏi giá sỉ")
    m(s, 2, "page", utc(3, 2, 0, 4), content=PAGE_TEXTS[0])
    m(
        s,
        3,
        "page",
        utc(3, 2, 0, 5),
        content_type="template",
        content=PAGE_TEXTS[1],
        template_id="tpl_welcome_02",
        template_name="chao_mung",
    )
    m(s, 4, "agent", utc(3, 2, 3, 10), "u01", content=AGENT_TEXTS[0])
    m(s, 5, "contact", utc(3, 2, 5, 0), content="Giá sỉ cho 20 cái là bao nhiêu?")
    m(s, 6, "agent", utc(3, 2, 6, 0), "u01", content=AGENT_TEXTS[1])
    m(s, 7, "contact", utc(3, 2, 8, 0), content="Dạ vâng")
    m(s, 8, "agent", utc(3, 2, 9, 30), "u01", content=AGENT_TEXTS[8])
    s.is_done, s.done_at, s.rating = True, utc(3, 2, 20, 0), 4

    # sx02: proactive (business writes first); level-2 category
    s = mk(
        "sx02",
        "proactive: agent template first; category level 2 (cat02); rating 5",
        "ch03",
        cid("ch03", 0),
        utc(3, 3, 0, 0),
        "u02",
        "cat02",
    )
    m(
        s,
        1,
        "agent",
        utc(3, 3, 0, 0),
        "u02",
        content_type="template",
        content="Bếp Nhà Mai gửi bạn ưu đãi tháng 3",
        template_id="tpl_promo_03",
        template_name="uu_dai_thang_ba",
    )
    m(s, 2, "contact", utc(3, 3, 10, 0), content="Ưu đãi áp dụng cho nồi chiên không shop?")
    m(s, 3, "agent", utc(3, 3, 12, 0), "u02", content=AGENT_TEXTS[1])
    m(s, 4, "contact", utc(3, 3, 15, 0), content="ok")
    m(s, 5, "agent", utc(3, 3, 16, 0), "u02", content=AGENT_TEXTS[8])
    s.is_done, s.done_at, s.rating = True, utc(3, 3, 30, 0), 5

    # sx03: an agent who answers but is not the assignee (u04 first, assignee u03 later);
    # level-1 category
    s = mk(
        "sx03",
        "non-assignee u04 answers first, assignee u03 later; category level 1 (cat01)",
        "ch01",
        cid("ch01", 1),
        utc(3, 4, 0, 0),
        "u03",
        "cat01",
    )
    m(s, 1, "contact", utc(3, 4, 0, 0), content="Còn hàng màu xám không shop?")
    m(s, 2, "agent", utc(3, 4, 1, 30), "u04", content=AGENT_TEXTS[4])
    m(s, 3, "contact", utc(3, 4, 4, 0), content="Mình lấy 2 cái")
    m(s, 4, "agent", utc(3, 4, 6, 0), "u03", content=AGENT_TEXTS[2])
    s.is_done, s.done_at = True, utc(3, 4, 15, 0)

    # sx04: an assignee who never wrote (u05 assigned, u06 answered); missing category
    s = mk(
        "sx04",
        "assignee u05 never wrote, u06 answered; category cat98 not loaded",
        "ch03",
        cid("ch03", 1),
        utc(3, 5, 0, 0),
        "u05",
        "cat98",
    )
    m(s, 1, "contact", utc(3, 5, 0, 0), content="Bảo hành bao lâu vậy shop")
    m(s, 2, "agent", utc(3, 5, 2, 0), "u06", content=AGENT_TEXTS[6])
    m(s, 3, "contact", utc(3, 5, 3, 0), content="Cảm ơn shop")
    s.is_done, s.done_at = True, utc(3, 5, 10, 0)

    # sx05: unassigned, supported by u07, done; category whose parent is not loaded
    s = mk(
        "sx05",
        "unassigned, answered by u07, done; category cat14 (parent cat99 not loaded)",
        "ch07",
        cid("ch07", 0),
        utc(4, 2, 0, 0),
        None,
        "cat14",
    )
    m(s, 1, "contact", utc(4, 2, 0, 0), content="Có chương trình khuyến mãi tháng 3 không?")
    m(s, 2, "agent", utc(4, 2, 0, 40), "u07", content=AGENT_TEXTS[1])
    m(s, 3, "contact", utc(4, 2, 2, 0), content="ok")
    s.is_done, s.done_at = True, utc(4, 2, 5, 0)

    # sx06: unassigned, never answered, open, started < 24 h before the newest message
    s = mk(
        "sx06",
        "unassigned, unanswered, open, recent (standard, not unanswered_24h)",
        "ch07",
        cid("ch07", 1),
        utc(15, 20, 0, 0),
        None,
    )
    m(s, 1, "contact", utc(15, 20, 0, 0), content="Alo shop ơi")
    m(s, 2, "contact", utc(15, 20, 5, 0), content="Shop còn mở cửa không?")

    # sx07: messages after done_at (contact thanks, agent replies)
    s = mk(
        "sx07",
        "messages after done_at (contact and agent u08)",
        "ch02",
        cid("ch02", 0),
        utc(4, 3, 0, 0),
        "u08",
        "cat06",
    )
    m(s, 1, "contact", utc(4, 3, 0, 0), content="Mình đặt đơn hôm qua mà chưa thấy giao")
    m(s, 2, "agent", utc(4, 3, 2, 0), "u08", content=AGENT_TEXTS[3])
    m(s, 3, "contact", utc(4, 3, 4, 0), content="Dạ vâng")
    m(s, 4, "agent", utc(4, 3, 5, 0), "u08", content=AGENT_TEXTS[8])
    s.is_done, s.done_at = True, utc(4, 3, 10, 0)
    m(s, 5, "contact", utc(4, 3, 20, 0), content="Cảm ơn shop")
    m(s, 6, "agent", utc(4, 3, 21, 0), "u08", content="Dạ không có gì ạ")

    # sx08: an agent (u09) who writes only after done_at
    s = mk(
        "sx08",
        "u09 writes only after done_at (participant, no support time)",
        "ch04",
        cid("ch04", 0),
        utc(5, 3, 0, 0),
        "u08",
    )
    m(s, 1, "contact", utc(5, 3, 0, 0), content="Sản phẩm bị lỗi, mình muốn đổi trả")
    m(s, 2, "agent", utc(5, 3, 1, 0), "u08", content=AGENT_TEXTS[7])
    m(s, 3, "contact", utc(5, 3, 3, 0), content="ok")
    m(s, 4, "agent", utc(5, 3, 4, 0), "u08", content=AGENT_TEXTS[8])
    s.is_done, s.done_at = True, utc(5, 3, 10, 0)
    m(s, 5, "contact", utc(5, 3, 30, 0), content="Bên kỹ thuật chưa gọi mình")
    m(s, 6, "agent", utc(5, 3, 35, 0), "u09", content=AGENT_TEXTS[7])

    # sx09: starts before local midnight (16:50 UTC = 23:50 local), ends after
    s = mk(
        "sx09",
        "starts 23:50 local on 03-05 (16:50 UTC), done 00:25 local on 03-06",
        "ch07",
        cid("ch07", 2),
        utc(5, 16, 50, 0),
        "u18",
        "cat08",
    )
    m(s, 1, "contact", utc(5, 16, 50, 0), content=CONTACT_TEXTS[13])
    m(s, 2, "agent", utc(5, 16, 55, 0), "u18", content=AGENT_TEXTS[5])
    m(s, 3, "contact", utc(5, 17, 5, 0), content="Được rồi, cảm ơn bạn")
    m(s, 4, "agent", utc(5, 17, 15, 0), "u18", content=AGENT_TEXTS[8])
    s.is_done, s.done_at = True, utc(5, 17, 25, 0)

    # sx10: timestamps with +07:00, a space instead of T, fractional seconds, no seconds
    s = mk(
        "sx10",
        "timestamp spellings: +07:00 offset, space for T, fractions, HH:MM, spaces",
        "ch05",
        cid("ch05", 0),
        utc(6, 8, 15, 0),
        "u13",
        "cat04",
    )
    s.started_style, s.done_style, s.updated_style = "offset", "space", "z"
    m(
        s,
        1,
        "contact",
        utc(6, 8, 15, 0),
        sent_style="offset",
        status_style="space",
        content="Cho mình xin địa chỉ cửa hàng ở Quận 7",
    )
    m(
        s,
        2,
        "agent",
        utc(6, 8, 16, 30, 250000),
        "u13",
        sent_style="z",
        status_style="offset",
        content="Dạ cửa hàng ở 12 Nguyễn Thị Thập, Quận 7 ạ",
    )
    m(
        s,
        3,
        "contact",
        utc(6, 8, 18, 0, 500000),
        sent_style="space",
        status_style="padded",
        content="Mấy giờ đóng cửa ạ",
    )
    m(
        s,
        4,
        "agent",
        utc(6, 8, 20, 0),
        "u13",
        sent_style="nosec",
        status_style="z",
        content="Dạ 21h ạ",
    )
    s.is_done, s.done_at = True, utc(6, 8, 30, 0, 123456)

    # sx11: reply walk (several contact messages in a row, page messages between)
    s = mk(
        "sx11",
        "reply walk: contact x3 (page between) -> u10; replies 120 s, 60 s, 60 s",
        "ch01",
        cid("ch01", 2),
        utc(6, 2, 0, 0),
        "u10",
        "cat05",
    )
    m(s, 1, "contact", utc(6, 2, 0, 0), content="Sản phẩm bị lỗi, mình muốn đổi trả")
    m(s, 2, "page", utc(6, 2, 0, 3), content=PAGE_TEXTS[0])
    m(s, 3, "contact", utc(6, 2, 0, 30), content="Alo shop ơi")
    m(
        s,
        4,
        "contact",
        utc(6, 2, 1, 0),
        content_type="image",
        content=None,
        media_url="https://cdn.example.vn/media/sx11_loi_nap.jpg",
    )
    m(s, 5, "agent", utc(6, 2, 2, 0), "u10", content=AGENT_TEXTS[7])
    m(s, 6, "contact", utc(6, 2, 3, 20), content="Bao giờ có người gọi?")
    m(s, 7, "page", utc(6, 2, 3, 25), content=PAGE_TEXTS[2])
    m(s, 8, "agent", utc(6, 2, 4, 20), "u10", content="Dạ trong 30 phút nữa ạ")
    m(s, 9, "agent", utc(6, 2, 4, 30), "u10", content="Anh/chị giữ máy giúp em nhé")
    m(s, 10, "contact", utc(6, 2, 6, 40), content="ok")
    m(s, 11, "agent", utc(6, 2, 7, 40), "u10", content=AGENT_TEXTS[8])
    s.is_done, s.done_at = True, utc(6, 2, 15, 0)

    # sx12: two agents answer in the same second; message_id breaks the tie
    # (msx12_02b by u10 is written first in the file, msx12_02a by u11 sorts first -> u11)
    s = mk(
        "sx12",
        "u10 and u11 answer in the same second: first responder u11 (msx12_02a)",
        "ch03",
        cid("ch03", 2),
        utc(7, 4, 0, 0),
        "u10",
        "cat09",
    )
    m(s, 1, "contact", utc(7, 4, 0, 0), content="Bảo hành bao lâu vậy shop")
    m(s, 2, "agent", utc(7, 4, 0, 45), "u10", suffix="b", content=AGENT_TEXTS[6])
    m(s, 2, "agent", utc(7, 4, 0, 45), "u11", suffix="a", content=AGENT_TEXTS[0])
    m(s, 3, "contact", utc(7, 4, 2, 0), content="ok")
    s.is_done, s.done_at = True, utc(7, 4, 10, 0)

    # sx13: unanswered (page reply only), open, started > 24 h before the newest message
    s = mk(
        "sx13",
        "no agent message, open, started 03-12 (> 24 h before newest): unanswered_24h",
        "ch01",
        cid("ch01", 3),
        utc(12, 3, 0, 0),
        "u02",
    )
    m(s, 1, "contact", utc(12, 3, 0, 0), content="Ship về Đà Nẵng mất mấy ngày ạ?")
    m(s, 2, "page", utc(12, 3, 0, 4), content=PAGE_TEXTS[0])
    m(s, 3, "contact", utc(12, 3, 30, 0), content="Alo shop ơi")

    # sx14: unanswered and done
    s = mk(
        "sx14",
        "no agent message, done after 24 h: unanswered_24h, completed",
        "ch03",
        cid("ch03", 3),
        utc(10, 2, 0, 0),
        "u06",
    )
    m(s, 1, "contact", utc(10, 2, 0, 0), content="Cho mình xin địa chỉ cửa hàng ở Quận 7")
    m(s, 2, "contact", utc(10, 2, 10, 0), content="Alo shop ơi")
    s.is_done, s.done_at = True, utc(11, 2, 0, 0)

    # sx15: answered after more than 24 h (waiting 90000 s)
    s = mk(
        "sx15",
        "answered after 25 h (waiting_time_s 90000): unanswered_24h",
        "ch05",
        cid("ch05", 1),
        utc(5, 9, 0, 0),
        "u14",
    )
    m(s, 1, "contact", utc(5, 9, 0, 0), content="Còn hàng màu xám không shop?")
    m(s, 2, "agent", utc(6, 10, 0, 0), "u14", content=AGENT_TEXTS[4])
    m(s, 3, "contact", utc(6, 10, 5, 0), content="ok")
    s.is_done, s.done_at = True, utc(6, 10, 20, 0)

    # sx16: done without done_at (completed; null duration and support time)
    s = mk(
        "sx16",
        "status done, done_at empty",
        "ch08",
        cid("ch08", 0),
        utc(7, 6, 0, 0),
        "u15",
        "cat13",
    )
    m(s, 1, "contact", utc(7, 6, 0, 0), content="Alo shop ơi")
    m(s, 2, "agent", utc(7, 6, 1, 0), "u15", content=AGENT_TEXTS[0])
    s.is_done, s.done_at, s.rating = True, None, 3

    # sx17: tags added, removed and added again on one session; automation tag too
    s = mk(
        "sx17",
        "tag t06 added, removed, added again (current); t03 added then removed",
        "ch02",
        cid("ch02", 1),
        utc(6, 4, 0, 0),
        "u12",
        "cat02",
    )
    m(s, 1, "contact", utc(6, 4, 0, 0), content="Giá sỉ cho 20 cái là bao nhiêu?")
    m(s, 2, "agent", utc(6, 4, 1, 0), "u12", content=AGENT_TEXTS[1])
    m(s, 3, "contact", utc(6, 4, 5, 0), content="Gọi lại cho mình sau nhé")
    s.is_done, s.done_at = True, utc(6, 4, 20, 0)
    add_tag_event(w, s, "t03", None, "added", utc(6, 4, 0, 2), te_id="tex17_1")
    add_tag_event(w, s, "t06", "u12", "added", utc(6, 4, 2, 0), te_id="tex17_2")
    add_tag_event(w, s, "t06", "u12", "removed", utc(6, 4, 6, 0), te_id="tex17_3")
    add_tag_event(w, s, "t03", "u12", "removed", utc(6, 4, 6, 0), te_id="tex17_4")
    add_tag_event(w, s, "t06", "u12", "added", utc(6, 4, 10, 0), te_id="tex17_5")

    # sx18: a message whose agent_user_id (u90) is not in users
    s = mk(
        "sx18",
        "agent message by u90 (not in users) is the first response",
        "ch06",
        cid("ch06", 0),
        utc(8, 5, 0, 0),
        "u16",
        "cat12",
    )
    m(s, 1, "contact", utc(8, 5, 0, 0), content="Sản phẩm bị lỗi, mình muốn đổi trả")
    m(s, 2, "agent", utc(8, 5, 3, 0), "u90", content=AGENT_TEXTS[7])
    m(s, 3, "agent", utc(8, 5, 6, 0), "u16", content=AGENT_TEXTS[2])
    s.is_done, s.done_at = True, utc(8, 5, 30, 0)

    # sx19: open in batch 1, closed in batch 2 (crosses the first export)
    s = mk(
        "sx19",
        "open at batch 1 (updated 03-08 23:50:01), closed in batch 2 with done_at",
        "ch01",
        cid("ch01", 4),
        utc(8, 23, 30, 0),
        "u18",
        "cat06",
    )
    m(s, 1, "contact", utc(8, 23, 30, 0), content="Mình đặt đơn hôm qua mà chưa thấy giao")
    m(
        s,
        2,
        "agent",
        utc(8, 23, 40, 0),
        "u18",
        content=AGENT_TEXTS[2],
        status="read",
        status_updated_at=utc(9, 0, 10, 0),
    )
    m(s, 3, "contact", utc(8, 23, 50, 0), content="Dạ vâng")
    m(s, 4, "agent", utc(9, 0, 5, 0), "u18", content=AGENT_TEXTS[3])
    s.is_done, s.done_at, s.rating = True, utc(9, 0, 20, 0), 5

    # sx20: re-exported with an EQUAL updated_at: the later file wins (note added)
    s = mk(
        "sx20",
        "re-export with equal updated_at; batch 2 row (with note) wins",
        "ch04",
        cid("ch04", 1),
        utc(8, 2, 0, 0),
        "u09",
        "cat13",
    )
    s.custom_export = True
    m(s, 1, "contact", utc(8, 2, 0, 0), content="Mình chuyển khoản rồi nhé")
    m(s, 2, "agent", utc(8, 2, 1, 0), "u09", content=AGENT_TEXTS[2])
    s.is_done, s.done_at = True, utc(8, 2, 10, 0)

    # sx21: a good session followed by a bad re-export (batch 2 status 'Closed')
    s = mk(
        "sx21",
        "bad re-export in batch 2 (status 'Closed'): batch 1 row survives",
        "ch03",
        cid("ch03", 4),
        utc(7, 8, 0, 0),
        "u01",
        "cat04",
    )
    s.custom_export = True
    m(s, 1, "contact", utc(7, 8, 0, 0), content="Mình đặt đơn hôm qua mà chưa thấy giao")
    m(s, 2, "agent", utc(7, 8, 2, 0), "u01", content=AGENT_TEXTS[3])
    s.is_done, s.done_at = True, utc(7, 8, 10, 0)

    # sx22: a stale re-export (batch 2 row has a LOWER updated_at): batch 1 row wins
    s = mk(
        "sx22",
        "stale re-export (lower updated_at) in batch 2: batch 1 row wins",
        "ch05",
        cid("ch05", 2),
        utc(7, 9, 0, 0),
        "u13",
        "cat01",
    )
    s.custom_export = True
    m(s, 1, "contact", utc(7, 9, 0, 0), content="Còn hàng màu xám không shop?")
    m(s, 2, "agent", utc(7, 9, 2, 0), "u13", content=AGENT_TEXTS[4])
    s.is_done, s.done_at, s.rating = True, utc(7, 9, 10, 0), 2

    # sx23..sx25: sessions with a missing dimension (late, kept with null names)
    s = mk(
        "sx23",
        "contact c9999 not loaded (late dimension)",
        "ch07",
        "c9999",
        utc(10, 3, 0, 0),
        "u03",
    )
    m(s, 1, "contact", utc(10, 3, 0, 0), content="Alo shop ơi")
    m(s, 2, "agent", utc(10, 3, 1, 0), "u03", content=AGENT_TEXTS[0])
    s.is_done, s.done_at = True, utc(10, 3, 5, 0)
    s = mk(
        "sx24",
        "assigned user u91 not loaded (late dimension)",
        "ch01",
        cid("ch01", 5),
        utc(10, 4, 0, 0),
        "u91",
    )
    m(s, 1, "contact", utc(10, 4, 0, 0), content="Alo shop ơi")
    m(s, 2, "agent", utc(10, 4, 2, 0), "u91", content=AGENT_TEXTS[0])
    s.is_done, s.done_at = True, utc(10, 4, 6, 0)
    w.contacts["c9998"] = {
        "contact_id": "c9998",
        "display_name": "Khách kênh cũ",
        "channel_id": "ch99",
        "external_id": "999000111",
        "first_seen": None,
    }
    s = mk(
        "sx25",
        "channel ch99 not loaded (late dimension; messages on ch99 too)",
        "ch99",
        "c9998",
        utc(10, 5, 0, 0),
        "u04",
    )
    m(s, 1, "contact", utc(10, 5, 0, 0), content="Alo shop ơi")
    m(s, 2, "agent", utc(10, 5, 1, 30), "u04", content=AGENT_TEXTS[0])
    s.is_done, s.done_at = True, utc(10, 5, 4, 0)

    # sx26: messages in batch 1, session row only in batch 2 (late session arrives)
    s = mk(
        "sx26",
        "messages in batch 1, session row only in batch 2 (late, then arrives)",
        "ch02",
        cid("ch02", 2),
        utc(8, 22, 0, 0),
        "u19",
        "cat05",
    )
    s.custom_export = True
    m(s, 1, "contact", utc(8, 22, 0, 0), content="Sản phẩm bị lỗi, mình muốn đổi trả")
    m(s, 2, "agent", utc(8, 22, 4, 0), "u19", content=AGENT_TEXTS[7])
    s.is_done, s.done_at = True, utc(8, 22, 40, 0)

    # sx27: good session that carries bad messages (quarantined; must change nothing)
    s = mk(
        "sx27",
        "good session; bad messages mx27_b* (quarantined) must not count",
        "ch01",
        cid("ch01", 6),
        utc(9, 3, 0, 0),
        "u05",
        "cat02",
    )
    m(s, 1, "contact", utc(9, 3, 0, 0), content="Giá sỉ cho 20 cái là bao nhiêu?")
    m(s, 2, "agent", utc(9, 3, 10, 0), "u05", content=AGENT_TEXTS[1])
    s.is_done, s.done_at = True, utc(9, 3, 20, 0)

    # sx28: proactive and never answered by the contact, > 24 h old: stays proactive
    s = mk(
        "sx28",
        "proactive, contact never replies, open, old: proactive (not unanswered)",
        "ch04",
        cid("ch04", 2),
        utc(11, 2, 0, 0),
        "u07",
    )
    m(
        s,
        1,
        "agent",
        utc(11, 2, 0, 0),
        "u07",
        content_type="template",
        content="Đơn hàng của bạn đã được giao",
        template_id="tpl_delivered_01",
        template_name="don_hang_da_giao",
    )

    # sx29: comment session on a fan page, with a rating of 1
    s = mk(
        "sx29",
        "support_type comment; rating 1",
        "ch01",
        cid("ch01", 7),
        utc(11, 7, 0, 0),
        "u04",
        "cat12",
        support_type="comment",
    )
    m(s, 1, "contact", utc(11, 7, 0, 0), content="Hàng giao bị móp, thất vọng quá")
    m(s, 2, "agent", utc(11, 7, 8, 0), "u04", content="Dạ shop xin lỗi, em inbox mình ạ")
    s.is_done, s.done_at, s.rating = True, utc(11, 7, 30, 0), 1

    # sx30: a session whose messages are re-exported: m-sx30_02 delivered -> read,
    # m-sx30_03 stale re-export (lower status_updated_at), m-sx30_04 equal re-export
    s = mk(
        "sx30",
        "message re-exports: _02 delivered->read, _03 stale, _04 equal (later wins)",
        "ch03",
        cid("ch03", 5),
        utc(8, 12, 0, 0),
        "u06",
        "cat04",
    )
    s.custom_export = True
    m(s, 1, "contact", utc(8, 12, 0, 0), content="Mình đặt đơn hôm qua mà chưa thấy giao")
    m(
        s,
        2,
        "agent",
        utc(8, 12, 1, 0),
        "u06",
        content=AGENT_TEXTS[3],
        status="read",
        status_updated_at=utc(9, 1, 0, 0),
    )
    m(
        s,
        3,
        "agent",
        utc(8, 12, 2, 0),
        "u06",
        content=AGENT_TEXTS[8],
        status="read",
        status_updated_at=utc(8, 12, 30, 0),
    )
    m(
        s,
        4,
        "agent",
        utc(8, 12, 3, 0),
        "u06",
        content_type="image",
        content=None,
        media_url="https://cdn.example.vn/media/sx30_van_don.jpg",
        status="read",
        status_updated_at=utc(8, 12, 40, 0),
    )
    s.is_done, s.done_at = True, utc(8, 12, 10, 0)

    # sx31: a session that arrives bad (done_at before started_at) and has messages:
    # the session is quarantined, its messages are late (rule 11)
    s = mk(
        "sx31",
        "BAD session (done_at before started_at); its messages are late",
        "ch07",
        cid("ch07", 3),
        utc(9, 6, 0, 0),
        "u02",
    )
    s.custom_export = True
    m(s, 1, "contact", utc(9, 6, 0, 0), content="Alo shop ơi")
    m(s, 2, "agent", utc(9, 6, 1, 0), "u02", content=AGENT_TEXTS[0])
    s.is_done, s.done_at = True, utc(9, 5, 0, 0)
    return cases


def build_status_events(w: World) -> None:
    """Presence log: per agent and working day online, pauses (some repeated), offline."""
    rng = w.rng
    seq = 0
    by_user: dict[str, list[dict]] = {}

    def ev(uid: str, status: str, at: datetime, eid: str | None = None) -> None:
        nonlocal seq
        seq += 1
        e = {"event_id": eid or f"ev{seq:05d}", "user_id": uid, "status": status, "event_at": at}
        by_user.setdefault(uid, []).append(e)
        w.status_events.append(e)

    for u in w.users:
        uid = u["user_id"]
        start_h, length = u["shift"]
        for day in range(2, 16):
            if (day + int(uid[1:])) % 7 == 0:
                continue  # day off
            if uid == INACTIVE_USER and day > 3:
                break
            local_start = datetime(2026, 3, day, start_h, 0, tzinfo=LOCAL)
            t = (local_start + timedelta(minutes=rng.randint(-10, 15))).astimezone(UTC)
            end = t + timedelta(hours=length, minutes=rng.randint(-10, 10))
            if end >= CUTOFF_2 - timedelta(hours=1):
                break  # the shift would end after the second export
            if uid == "u14" and day == 2:
                ev(uid, "paused", t)  # the log begins with a pause
                t += timedelta(minutes=rng.randint(5, 20))
            ev(uid, "online", t)
            n_pauses = rng.randint(1, 3)
            for _i in range(n_pauses):
                t += timedelta(minutes=rng.randint(60, 150))
                if t >= end - timedelta(minutes=30):
                    break
                ev(uid, "paused", t)
                if rng.random() < 0.3:  # a repeated paused event continues the pause
                    t += timedelta(minutes=rng.randint(3, 10))
                    ev(uid, "paused", t)
                t += timedelta(minutes=rng.randint(5, 40))
                ev(uid, "online", t)
            if rng.random() < 0.15:  # paused until the end of the shift: ended by offline
                ev(uid, "paused", end - timedelta(minutes=rng.randint(10, 25)))
            ev(uid, "offline", end)
    # night agent u18 covers a shift on its day off 03-10: a pause that starts 23:50 local
    # (16:50 UTC) and ends 00:15 local on 03-11 belongs to 03-10
    assert (10 + 18) % 7 == 0, "03-10 must be a day off of u18"
    ev("u18", "online", utc(10, 16, 30, 0), "evx_u18_0")
    ev("u18", "paused", utc(10, 16, 50, 0), "evx_u18_1")
    ev("u18", "online", utc(10, 17, 15, 0), "evx_u18_2")
    ev("u18", "offline", utc(10, 18, 0, 0), "evx_u18_3")
    # u03 on 03-11 (a day off, so nothing else interleaves): online and paused in the same
    # second; event_id orders them (2a online closes the pause, 2b paused opens a new one).
    # The file lists 2b before 2a.
    assert (11 + 3) % 7 == 0, "03-11 must be a day off of u03"
    ev("u03", "online", utc(11, 3, 50, 0), "evx_u03_0")
    ev("u03", "paused", utc(11, 4, 0, 0), "evx_u03_1")
    ev("u03", "paused", utc(11, 4, 20, 0), "evx_u03_2b")
    ev("u03", "online", utc(11, 4, 20, 0), "evx_u03_2a")
    ev("u03", "online", utc(11, 4, 30, 0), "evx_u03_3")
    ev("u03", "offline", utc(11, 5, 0, 0), "evx_u03_4")
    # u19: the log ends with an open pause (paused twice, nothing after)
    last = max(e["event_at"] for e in by_user["u19"])
    ev("u19", "online", last + timedelta(minutes=5), "evx_u19_1")
    ev("u19", "paused", last + timedelta(minutes=20), "evx_u19_2")
    ev("u19", "paused", last + timedelta(minutes=35), "evx_u19_3")
    assert last + timedelta(minutes=35) < CUTOFF_2


# --------------------------------------------------------------------------- export


def session_row(s: Session, snapshot_at: datetime | None = None) -> dict:
    """The session as exported; with snapshot_at, as the CRM knew it at that moment."""
    done = s.is_done and (
        snapshot_at is None or (s.done_at is not None and s.done_at < snapshot_at)
    )
    if s.is_done and s.done_at is None and snapshot_at is not None:
        done = True
    updated = s.updated_at(snapshot_at)
    return {
        "session_id": s.session_id,
        "conversation_id": s.conversation_id,
        "channel_id": s.channel_id,
        "contact_id": s.contact_id,
        "session_name": s.session_name,
        "support_type": s.support_type,
        "assigned_user_id": s.assigned_user_id,
        "category_id": s.category_id,
        "note": s.note,
        "status": "done" if done else "open",
        "started_at": ts(s.started_at, s.started_style),
        "done_at": ts(s.done_at, s.done_style) if done and s.done_at else None,
        "rating": str(s.rating) if done and s.rating else None,
        "updated_at": ts(updated, s.updated_style),
    }


def message_row(
    s: Session, m: Msg, status: str | None = None, status_at: datetime | None = None
) -> dict:
    incoming = m.direction == "incoming"
    channel = m.channel_id or s.channel_id
    return {
        "message_id": m.message_id,
        "conversation_id": s.conversation_id,
        "session_id": s.session_id,
        "channel_id": channel,
        "initiated_by": "user" if incoming else "business",
        "direction": m.direction,
        "from_id": s.contact_external_id if incoming else channel,
        "to_id": channel if incoming else s.contact_external_id,
        "agent_user_id": m.agent_user_id,
        "sent_at": ts(m.sent_at, m.sent_style),
        "content_type": m.content_type,
        "content": m.content,
        "template_id": m.template_id,
        "template_name": m.template_name,
        "media_url": m.media_url,
        "status": status or m.status,
        "status_updated_at": ts(status_at or m.status_updated_at, m.status_style),
    }


def export_session_auto(land: Landing, s: Session) -> None:
    """Batch 1 = state at CUTOFF_1; batch 2 = final state, if anything changed since."""
    final_updated = s.updated_at()
    if s.started_at < CUTOFF_1:
        land.add("sessions", 0, session_row(s, CUTOFF_1), case=s.case)
    if final_updated >= CUTOFF_1:
        land.add("sessions", 1, session_row(s), case=s.case)


def export_messages_auto(land: Landing, s: Session) -> None:
    for m in s.messages:
        if m.sent_at < CUTOFF_1:
            if m.status_updated_at < CUTOFF_1:
                land.add("messages", 0, message_row(s, m))
            else:  # delivered at batch 1, read later: re-exported in batch 2
                land.add(
                    "messages", 0, message_row(s, m, "delivered", m.sent_at + timedelta(seconds=1))
                )
                land.add("messages", 1, message_row(s, m), case="delivered -> read")
        else:
            land.add("messages", 1, message_row(s, m))


def export(w: World, land: Landing) -> None:
    rng = w.rng
    # dimensions -------------------------------------------------------------
    for ch in w.channels:
        land.add("channels", 0, dict(zip(COLUMNS["channels"], ch, strict=False)))
    for u in w.users:
        land.add("users", 0, {k: u[k] for k in COLUMNS["users"]})
    land.add(
        "users",
        1,
        {
            "user_id": "u05",
            "full_name": "Hoàng Mai Anh",
            "email": "u05@bepnhamai.vn",
            "is_active": "true",
        },
        case="u05 re-exported with a new name",
    )
    land.add(
        "users",
        1,
        {
            "user_id": "u21",
            "full_name": "Trịnh Gia Bảo",
            "email": "u21@bepnhamai.vn",
            "is_active": "true",
        },
        case="new user in batch 2 (no activity)",
    )
    for g in w.groups:
        land.add("groups", 0, dict(zip(COLUMNS["groups"], g, strict=False)))
    land.add("groups", 1, {"group_id": "g6", "group_name": "Đào tạo"}, case="new group, no members")
    for ug in w.user_groups:
        land.add("user_groups", 0, dict(zip(COLUMNS["user_groups"], ug, strict=False)))
    land.add("user_groups", 1, {"user_id": "u01", "group_id": "g1"}, case="pair re-exported")
    land.add("user_groups", 1, {"user_id": "u21", "group_id": "g1"}, case="new member")
    for cat in w.categories:
        land.add("categories", 0, dict(zip(COLUMNS["categories"], cat, strict=False)))
    for tag in w.tags:
        land.add("tags", 0, dict(zip(COLUMNS["tags"], tag, strict=False)))
    land.add(
        "tags",
        1,
        {"tag_id": "t11", "tag_name": "Khách sỉ", "color": "#1e88e5"},
        case="new tag; file has an extra column 'color'",
    )
    for c in w.contacts.values():
        if c["contact_id"] in ("c9998",):
            continue  # never exported (late dimension of sx25)
        batch = 1 if c["first_seen"] is not None and c["first_seen"] >= CUTOFF_1 else 0
        land.add("contacts", batch, {k: c[k] for k in COLUMNS["contacts"]})
    c = w.contacts[w.contacts_by_channel["ch01"][0]]
    land.add(
        "contacts",
        1,
        {**{k: c[k] for k in COLUMNS["contacts"]}, "display_name": "Chị Lan (khách sỉ)"},
        case="contact re-exported with a new display_name",
    )

    # sessions and messages ----------------------------------------------------
    by_id = {s.session_id: s for s in w.sessions}
    for s in sorted(w.sessions, key=lambda s: s.started_at):
        if not s.custom_export:
            export_session_auto(land, s)
        if s.session_id not in ("sx30",):
            export_messages_auto(land, s)
    # sx20: equal updated_at, later file wins
    s = by_id["sx20"]
    land.add("sessions", 0, session_row(s), case=s.case)
    land.add("sessions", 1, {**session_row(s), "note": "Đã xác nhận thanh toán"}, case=s.case)
    # sx21: good in batch 1, bad re-export in batch 2
    s = by_id["sx21"]
    land.add("sessions", 0, session_row(s), case=s.case)
    bad = session_row(s)
    bad.update(status="Closed", updated_at=ts(s.updated_at() + timedelta(days=2)))
    land.add("sessions", 1, bad, bad="unknown status 'Closed'", case=s.case)
    # sx22: stale re-export in batch 2
    s = by_id["sx22"]
    land.add("sessions", 0, session_row(s), case=s.case)
    stale = session_row(s)
    stale.update(
        status="open", done_at=None, rating=None, updated_at=ts(s.started_at + timedelta(minutes=3))
    )
    land.add("sessions", 1, stale, case=s.case)
    # sx26: session row only in batch 2
    s = by_id["sx26"]
    land.add("sessions", 1, session_row(s), case=s.case)
    # sx30: message re-exports
    s = by_id["sx30"]
    land.add("sessions", 0, session_row(s), case=s.case)
    m1, m2, m3, m4 = s.messages
    land.add("messages", 0, message_row(s, m1))
    land.add("messages", 0, message_row(s, m2, "delivered", m2.sent_at + timedelta(seconds=2)))
    land.add("messages", 0, message_row(s, m3))
    land.add("messages", 0, message_row(s, m4))
    land.add("messages", 1, message_row(s, m2), case="sx30_02 delivered -> read")
    land.add(
        "messages",
        1,
        message_row(s, m3, "delivered", m3.sent_at + timedelta(seconds=2)),
        case="sx30_03 stale re-export (lower status_updated_at): batch 1 wins",
    )
    land.add(
        "messages",
        1,
        {**message_row(s, m4), "media_url": "https://cdn.example.vn/media/sx30_van_don_v2.jpg"},
        case="sx30_04 equal status_updated_at: batch 2 wins",
    )
    # sx31: bad session (done_at before started_at), its messages exported normally above
    s = by_id["sx31"]
    land.add("sessions", 1, session_row(s), bad="done_at before started_at", case=s.case)

    # late rows ---------------------------------------------------------------
    land.add(
        "messages",
        1,
        {
            "message_id": "mlate_01",
            "conversation_id": "conv_c0042",
            "session_id": "sx90",
            "channel_id": "ch01",
            "initiated_by": "user",
            "direction": "incoming",
            "from_id": "1234567890123456",
            "to_id": "ch01",
            "agent_user_id": None,
            "sent_at": ts(utc(14, 3, 0, 0)),
            "content_type": "text",
            "content": "Alo shop ơi",
            "template_id": None,
            "template_name": None,
            "media_url": None,
            "status": "read",
            "status_updated_at": ts(utc(14, 3, 0, 30)),
        },
        case="late: session sx90 in no file",
    )
    land.add(
        "tag_events",
        1,
        {
            "tag_event_id": "telate_01",
            "tag_id": "t01",
            "session_id": "sx90",
            "contact_id": "c0042",
            "channel_id": "ch01",
            "user_id": "u01",
            "action": "added",
            "event_at": ts(utc(14, 3, 1, 0)),
        },
        case="late: session sx90 in no file",
    )

    # tag events and status events --------------------------------------------
    # a contact-level tag (no session) and an automation tag
    c = w.contacts_by_channel["ch03"][0]
    add_tag_event(
        w,
        None,
        "t01",
        "u02",
        "added",
        utc(3, 3, 40, 0),
        te_id="tex_contact_1",
        contact=c,
        channel="ch03",
        session_id=None,
    )
    add_tag_event(
        w,
        None,
        "t07",
        None,
        "added",
        utc(12, 9, 0, 0),
        te_id="tex_contact_2",
        contact=w.contacts_by_channel["ch07"][4],
        channel="ch07",
        session_id=None,
    )
    add_tag_event(w, by_id["sx13"], "t10", None, "added", utc(12, 3, 0, 5), te_id="tex13_1")
    for e in sorted(w.tag_events, key=lambda e: e["event_at"]):
        batch = 0 if e["event_at"] < CUTOFF_1 else 1
        land.add("tag_events", batch, {**e, "event_at": ts(e["event_at"])})
    for e in sorted(w.status_events, key=lambda e: e["event_at"]):  # stable: ties as built
        batch = 0 if e["event_at"] < CUTOFF_1 else 1
        land.add("agent_status_events", batch, {**e, "event_at": ts(e["event_at"])})
    dup = next(r for r in land.rows[("agent_status_events", 0)] if r.values["user_id"] == "u01")
    land.add(
        "agent_status_events",
        1,
        dict(dup.values),
        case=f"{dup.values['event_id']} re-exported identically",
    )
    add_bad_rows(land, rng)


def add_bad_rows(land: Landing, rng: random.Random) -> None:
    """A few rows of every kind of bad input (CONTRACT.md section 4, section 6 items 3-6)."""
    B = land.insert_bad
    B(
        rng,
        "channels",
        1,
        {"channel_id": "ch09", "channel_name": "TikTok Shop", "channel_type": "tiktok"},
        "unknown channel_type 'tiktok'",
    )
    B(
        rng,
        "channels",
        0,
        {"channel_id": None, "channel_name": "Kênh không mã", "channel_type": "facebook"},
        "missing channel_id",
    )
    B(
        rng,
        "users",
        0,
        {"user_id": "u31", "full_name": "Mai Thực Tập", "email": None, "is_active": "maybe"},
        "invalid is_active 'maybe'",
    )
    B(
        rng,
        "users",
        1,
        {"user_id": "", "full_name": "Không Mã", "email": "x@bepnhamai.vn", "is_active": "true"},
        "missing user_id",
    )
    B(rng, "groups", 0, {"group_id": None, "group_name": "Nhóm lỗi"}, "missing group_id")
    B(rng, "user_groups", 0, {"user_id": "u02", "group_id": None}, "missing group_id")
    B(rng, "user_groups", 1, {"user_id": None, "group_id": "g2"}, "missing user_id")
    B(
        rng,
        "contacts",
        0,
        {
            "contact_id": "c9001",
            "display_name": "Khách không ID",
            "channel_id": "ch01",
            "external_id": None,
        },
        "missing external_id",
    )
    B(
        rng,
        "contacts",
        1,
        {
            "contact_id": None,
            "display_name": "Khách lỗi",
            "channel_id": "ch03",
            "external_id": "100200300400500600",
        },
        "missing contact_id",
    )
    B(
        rng,
        "categories",
        0,
        {"category_id": None, "category_name": "Danh mục lỗi", "parent_id": "cat01"},
        "missing category_id",
    )
    B(rng, "tags", 0, {"tag_id": None, "tag_name": "Tag lỗi"}, "missing tag_id")

    def sess(sid: str | None, **kw) -> dict:
        base = {
            "session_id": sid,
            "conversation_id": f"conv_bad_{sid}",
            "channel_id": "ch01",
            "contact_id": "c0001",
            "session_name": "Phiên lỗi",
            "support_type": "message",
            "assigned_user_id": "u01",
            "category_id": None,
            "note": None,
            "status": "done",
            "started_at": "2026-03-05T02:00:00Z",
            "done_at": "2026-03-05T02:30:00Z",
            "rating": None,
            "updated_at": "2026-03-05T02:30:01Z",
        }
        base.update(kw)
        return base

    B(rng, "sessions", 0, sess(None, conversation_id="conv_bad_noid"), "missing session_id")
    B(rng, "sessions", 0, sess("sb02", status="Done"), "unknown status 'Done'")
    B(rng, "sessions", 0, sess("sb03", support_type="Comment"), "unknown support_type 'Comment'")
    B(
        rng,
        "sessions",
        0,
        sess("sb04", started_at="31/03/2026 10:00"),
        "unparseable started_at '31/03/2026 10:00'",
    )
    B(
        rng,
        "sessions",
        1,
        sess("sb05", updated_at="2026-03-01"),
        "unparseable updated_at '2026-03-01'",
    )
    B(
        rng,
        "sessions",
        1,
        sess("sb06", done_at="2026-02-30 10:00"),
        "unparseable done_at '2026-02-30 10:00'",
    )
    B(
        rng,
        "sessions",
        1,
        sess("sb07", started_at="2026-03-01T10:00+0700"),
        "unparseable started_at '2026-03-01T10:00+0700'",
    )
    B(rng, "sessions", 0, sess("sb08", rating="6"), "invalid rating '6'")
    B(
        rng,
        "sessions",
        1,
        sess("sb09", status="open", rating=None),
        "done_at set on an open session",
    )
    B(rng, "sessions", 1, sess("sb10", updated_at=None), "missing updated_at")

    def msg(mid: str | None, **kw) -> dict:
        base = {
            "message_id": mid,
            "conversation_id": "conv_c0000",
            "session_id": "sx27",
            "channel_id": "ch01",
            "initiated_by": "business",
            "direction": "outgoing",
            "from_id": "ch01",
            "to_id": "ext",
            "agent_user_id": "u05",
            "sent_at": "2026-03-09T03:00:30Z",
            "content_type": "text",
            "content": "Tin nhắn lỗi",
            "template_id": None,
            "template_name": None,
            "media_url": None,
            "status": "read",
            "status_updated_at": "2026-03-09T03:01:00Z",
        }
        base.update(kw)
        return base

    B(rng, "messages", 1, msg(None), "missing message_id")
    B(rng, "messages", 1, msg("mx27_b2", direction="Outgoing"), "unknown direction 'Outgoing'")
    B(
        rng,
        "messages",
        1,
        msg("mx27_b3", direction="incoming", initiated_by="user", from_id="ext", to_id="ch01"),
        "agent_user_id on an incoming message",
    )
    B(rng, "messages", 1, msg("mx27_b4", session_id=""), "missing session_id")
    B(
        rng,
        "messages",
        1,
        msg("mx27_b5", sent_at="2026-03-01T10:00+0700"),
        "unparseable sent_at '2026-03-01T10:00+0700'",
    )
    B(
        rng,
        "messages",
        1,
        msg("mx27_b6", status_updated_at="31/03/2026 10:00"),
        "unparseable status_updated_at '31/03/2026 10:00'",
    )
    B(rng, "messages", 1, msg("mx27_b7", content_type="emoji"), "unknown content_type 'emoji'")
    B(rng, "messages", 1, msg("mx27_b8", status="Read"), "unknown status 'Read'")
    B(
        rng,
        "messages",
        0,
        msg("mx27_b9", sent_at="2026-02-30 10:00", session_id="sx01"),
        "unparseable sent_at '2026-02-30 10:00'",
    )

    def tev(teid: str | None, **kw) -> dict:
        base = {
            "tag_event_id": teid,
            "tag_id": "t01",
            "session_id": "sx27",
            "contact_id": "c0001",
            "channel_id": "ch01",
            "user_id": "u05",
            "action": "added",
            "event_at": "2026-03-09T03:05:00Z",
        }
        base.update(kw)
        return base

    B(rng, "tag_events", 1, tev("teb_1", action="Added"), "unknown action 'Added'")
    B(
        rng,
        "tag_events",
        1,
        tev("teb_2", event_at="2026-03-01"),
        "unparseable event_at '2026-03-01'",
    )
    B(rng, "tag_events", 1, tev(None), "missing tag_event_id")
    B(
        rng,
        "tag_events",
        0,
        tev("teb_4", tag_id=None, session_id="sx01", event_at="2026-03-03T02:04:00Z"),
        "missing tag_id",
    )

    def sev(eid: str | None, **kw) -> dict:
        base = {
            "event_id": eid,
            "user_id": "u02",
            "status": "paused",
            "event_at": "2026-03-10T04:00:00Z",
        }
        base.update(kw)
        return base

    B(rng, "agent_status_events", 1, sev("evb_1", status="busy"), "unknown status 'busy'")
    B(
        rng,
        "agent_status_events",
        1,
        sev("evb_2", event_at="2026-02-30 10:00"),
        "unparseable event_at '2026-02-30 10:00'",
    )
    B(rng, "agent_status_events", 0, sev(None, event_at="2026-03-03T02:00:00Z"), "missing event_id")
    B(
        rng,
        "agent_status_events",
        0,
        sev("evb_4", user_id=None, event_at="2026-03-03T02:00:00Z"),
        "missing user_id",
    )


# --------------------------------------------------------------------------- schedules

HCM = "Asia/Ho_Chi_Minh"
NY = "America/New_York"  # daylight saving from Sunday 2026-03-08, 02:00 EST -> 03:00 EDT


def hours_row(
    schedule_id: str | None,
    valid_from: str | None,
    time_zone: str | None,
    weekday: str | None,
    opens_at: str | None,
    closes_at: str | None,
) -> dict:
    return {
        "schedule_id": schedule_id,
        "valid_from": valid_from,
        "time_zone": time_zone,
        "weekday": weekday,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


def add_schedules(land: Landing) -> None:
    """The business-hours tables of CONTRACT.md 7.1, by hand, in file order (no randomness).

    `default` (Ho Chi Minh City): Mon-Fri 08:00-12:00 and 13:00-17:30, Sat 08:00-12:00 from
    the beginning (empty valid_from); from Monday 2026-03-09 (a version change at local
    midnight) Mon-Fri open at 07:00 and Friday afternoon lasts until 20:00. `ny_team` (New
    York, across the DST change of 2026-03-08): Mon-Fri 09:00-17:00 and a night shift split
    in two rows, Sat 20:00-24:00 and Sun 00:00-04:00. `legacy` has only bad rows. Batch 2
    corrects a row, renames a holiday, adds a holiday afterwards and moves a channel.
    """
    weekdays = [str(d) for d in range(1, 6)]
    b1 = [
        hours_row("default", None, HCM, d, o, c)
        for d in weekdays
        for o, c in (("08:00", "12:00"), ("13:00", "17:30"))
    ]
    b1.append(hours_row("default", None, HCM, "6", "08:00", "12:00"))
    for d in weekdays:
        b1.append(hours_row("default", "2026-03-09", HCM, d, "07:00", "12:00"))
        b1.append(
            hours_row("default", "2026-03-09", HCM, d, "13:00", "20:00" if d == "5" else "17:30")
        )
    b1.append(hours_row("default", "2026-03-09", HCM, "6", "08:00", "12:00"))
    b1 += [hours_row("ny_team", None, NY, d, "09:00", "17:00") for d in weekdays]
    b1.append(hours_row("ny_team", None, NY, "6", "20:00", "24:00"))  # ends at 24:00
    b1.append(hours_row("ny_team", None, NY, "7", "00:00", "04:00"))  # ... and goes on
    for values in b1:
        land.add("business_hours", 0, values)
    for values, reason in (
        (hours_row(None, None, HCM, "7", "08:00", "12:00"), "missing schedule_id"),
        (hours_row("default", None, "", "7", "09:00", "11:00"), "missing time_zone"),
        (hours_row("default", None, HCM, None, "09:00", "11:00"), "missing weekday"),
        (hours_row("default", None, HCM, "7", "", "11:00"), "missing opens_at"),
        (hours_row("default", None, HCM, "7", "09:00", "  "), "missing closes_at"),
        (
            hours_row("default", "2026-02-30", HCM, "7", "08:00", "12:00"),
            "unparseable valid_from '2026-02-30'",
        ),
        (
            hours_row("ny_team", None, "localtime", "1", "09:00", "17:00"),
            "unknown time_zone 'localtime'",
        ),
        (
            hours_row("ny_team", None, "posix/America/New_York", "2", "09:00", "17:00"),
            "unknown time_zone 'posix/America/New_York'",
        ),
        (
            hours_row("ny_team", None, "america/new_york", "3", "09:00", "17:00"),
            "unknown time_zone 'america/new_york'",
        ),
        (hours_row("default", None, HCM, "01", "08:00", "12:00"), "invalid weekday '01'"),
        (hours_row("default", None, HCM, "8", "08:00", "12:00"), "invalid weekday '8'"),
        (hours_row("default", None, HCM, "7", "8:00", "12:00"), "invalid opens_at '8:00'"),
        (hours_row("default", None, HCM, "7", "12:60", "17:00"), "invalid opens_at '12:60'"),
        (hours_row("default", None, HCM, "7", "13:00", "24:30"), "invalid closes_at '24:30'"),
        (
            hours_row("ny_team", None, NY, "6", "20:00", "04:00"),
            "closes_at not after opens_at",
        ),
    ):
        land.add("business_hours", 0, values, bad=reason)
    land.add(
        "business_hours",
        1,
        hours_row("default", None, "Asia/Saigon", " 6 ", "08:00", "11:30"),
        case="Saturday of the first version corrected: same typed key, the zone's link name",
    )
    land.add(
        "business_hours",
        1,
        hours_row("legacy", "09/03/2026", HCM, "1", "08:00", "17:00"),
        bad="unparseable valid_from '09/03/2026'",
    )
    land.add(
        "business_hours",
        1,
        hours_row("legacy", "2026-03-09", HCM, "2", "17:00", "17:00"),
        bad="closes_at not after opens_at",
    )

    def holiday(schedule_id: str | None, day: str | None, name: str | None) -> dict:
        return {"schedule_id": schedule_id, "holiday_date": day, "holiday_name": name}

    land.add("holidays", 0, holiday("default", "2026-03-10", "Ngày hội gia đình Bếp Nhà Mai"))
    land.add("holidays", 0, holiday("default", "2026-04-30", "Ngày Giải phóng miền Nam"))
    land.add("holidays", 0, holiday("default", "2026-05-01", "Quốc tế Lao động"))
    land.add("holidays", 0, holiday("ny_team", "2026-03-12", None), case="holiday without a name")
    land.add("holidays", 0, holiday("default", None, "Nghỉ lễ"), bad="missing holiday_date")
    land.add("holidays", 0, holiday("ny_team", "2026-07-04", "Independence Day"))
    land.add(
        "holidays",
        0,
        holiday("default", "2026-02-30", "Ngày không có thật"),
        bad="unparseable holiday_date '2026-02-30'",
    )
    land.add(
        "holidays",
        1,
        holiday("default", "2026-03-10", "Ngày hội gia đình (nghỉ cả ngày)"),
        case="holiday re-exported renamed",
    )
    land.add(
        "holidays",
        1,
        holiday("default", "2026-03-04", "Nghỉ do mất điện"),
        case="holiday declared afterwards: batch-1 sessions of 2026-03-04 lose business time",
    )
    land.add("holidays", 1, holiday(None, "2026-03-11", "Không rõ lịch"), bad="missing schedule_id")
    land.add(
        "holidays",
        1,
        holiday("default", "10/03/2026", "Ngày hội gia đình"),
        bad="unparseable holiday_date '10/03/2026'",
    )

    def mapping(channel_id: str | None, schedule_id: str | None) -> dict:
        return {"channel_id": channel_id, "schedule_id": schedule_id}

    land.add("channel_schedules", 0, mapping("ch02", "default"), case="mapped to default")
    land.add("channel_schedules", 0, mapping("ch04", "ny_team"), case="the DST schedule")
    land.add("channel_schedules", 0, mapping(None, "ny_team"), bad="missing channel_id")
    land.add("channel_schedules", 0, mapping("ch06", "default"))
    land.add("channel_schedules", 0, mapping("ch08", "legacy"), case="no valid row: no schedule")
    land.add("channel_schedules", 1, mapping("ch06", "ny_team"), case="channel moved in batch 2")
    land.add("channel_schedules", 1, mapping("ch05", ""), bad="missing schedule_id")


# --------------------------------------------------------------------------- write


def write_files(land: Landing, out_dir: Path) -> list[Path]:
    landing = out_dir / "landing"
    written = []
    for (table, batch), rows in land.rows.items():
        if not rows:
            continue
        header = HEADER_OVERRIDES.get((table, batch), COLUMNS[table])
        path = landing / table / BATCH_FILES[batch]
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow(
                    ["" if row.values.get(c) is None else row.values[c] for c in header]
                )
        written.append(path)
    return written


def write_expectations(land: Landing, counts: dict, out_dir: Path) -> None:
    totals = {k: sum(c[k] for c in counts.values()) for k in ("raw", "bad", "superseded", "staged")}
    (out_dir / "expected_counts.json").write_text(
        json.dumps({"tables": counts, "total": totals}, indent=2) + "\n", encoding="utf-8"
    )
    with (out_dir / "expected_quarantine.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["table", "source_file", "row_number", "id", "reason"])
        for table in COLUMNS:
            for batch in (0, 1):
                for pos, row in enumerate(land.rows[(table, batch)], start=1):
                    if row.bad:
                        key = "/".join(str(row.values.get(k) or "") for k in KEYS[table])
                        writer.writerow([table, f"{table}/{BATCH_FILES[batch]}", pos, key, row.bad])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="where landing/ and the expectation files go (default: seeds/)",
    )
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    w = World(rng)
    build_dimensions(w)
    build_random_sessions(w, 300)
    build_edge_sessions(w)
    build_status_events(w)
    land = Landing()
    export(w, land)
    add_schedules(land)  # after every random row: the other tables keep their bytes
    counts = fates(land)
    files = write_files(land, args.out_dir)
    write_expectations(land, counts, args.out_dir)
    for table, c in counts.items():
        print(
            f"{table:20s} raw {c['raw']:5d}  bad {c['bad']:3d}  "
            f"superseded {c['superseded']:3d}  staged {c['staged']:5d}"
        )
    print(f"wrote {len(files)} files under {args.out_dir / 'landing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
