"""The small dimension tables: channels, users, groups, user_groups, categories, tags.

Written mostly in the first batch, with the awkward cases built in: a channel and some
users that arrive only in the second batch (sessions before their dimension), renamed
re-exports, a group link to a group never loaded, a tag with no name, categories four
levels deep, a missing parent, a self-loop and a two-category cycle.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from omnireport.generate.export import Exporter
from omnireport.generate.names import FAMILY, GIVEN, MIDDLE

CHANNELS = (
    ("ch01", "Shop Thời Trang Mai Anh", "facebook"),
    ("ch02", "Mai Anh Official", "facebook"),
    ("ch03", "Mai Anh Zalo OA", "zalo"),
    ("ch04", "mai.anh.store", "instagram"),
    ("ch05", "Livechat website", "livechat"),
    ("ch06", "Mai Anh Outlet, Hà Nội", "facebook"),
    ("ch07", 'Zalo CSKH "Mai Anh"', "zalo"),
    ("ch08", None, "livechat"),  # a channel with no name
)
LATE_CHANNEL = ("ch09", "Kênh mới (đến sau)", "instagram")  # arrives in the second batch
MISSING_CHANNEL = "ch99"  # used by a few contacts, never exported

GROUPS = (
    ("g01", "CSKH Miền Bắc"),
    ("g02", "CSKH Miền Nam"),
    ("g03", "Bán hàng"),
    ("g04", None),
    ("g05", "Ca đêm"),
)
MISSING_GROUP = "g99"

TAGS = (
    ("t01", "VIP"),
    ("t02", "Khiếu nại"),
    ("t03", "Đổi trả"),
    ("t04", "Hỏi giá"),
    ("t05", "Đã chốt đơn"),
    ("t06", "Spam"),
    ("t07", None),
    ("t08", "giao hàng"),
    ("t09", "Ưu tiên"),
    ("t10", "bảo hành"),
)
MISSING_TAG = "t99"

# (id, name, parent): 3 levels, a 4-level chain, a missing parent, a self-loop, a 2-cycle
CATEGORIES = (
    ("cat01", "Sản phẩm", None),
    ("cat02", "Đơn hàng", None),
    ("cat03", "Khiếu nại", None),
    ("cat04", "Áo", "cat01"),
    ("cat05", "Quần", "cat01"),
    ("cat06", "Giao hàng", "cat02"),
    ("cat07", "Thanh toán", "cat02"),
    ("cat08", "Chất lượng", "cat03"),
    ("cat09", "Áo sơ mi", "cat04"),
    ("cat10", "Áo thun", "cat04"),
    ("cat11", "Giao chậm", "cat06"),
    ("cat12", "Chuyển khoản", "cat07"),
    ("cat13", "Áo sơ mi dài tay", "cat09"),  # level 4: the top ancestor is ignored
    ("cat14", "Đồ cũ", "cat_gone"),  # parent never loaded
    ("cat15", "Vòng lặp", "cat15"),  # self-loop
    ("cat16", "Vòng A", "cat17"),  # 2-cycle
    ("cat17", "Vòng B", "cat16"),
    ("cat18", None, "cat05"),  # no name
    ("cat19", "Khác", None),
)
MISSING_CATEGORY = "cat98"
LATE_CATEGORY = "cat20"  # arrives in the second batch, after sessions that use it  # used by some sessions, never exported

IS_ACTIVE_FORMS = (
    "true",
    "true",
    "true",
    "false",
    "t",
    "F",
    "1",
    "0",
    "yes",
    "NO",
    " true ",
    "",
    "True",
)


@dataclass(frozen=True)
class Dimensions:
    """What the session generator needs to know about the dimensions."""

    channels: tuple[tuple[str, str], ...]  # (channel_id, channel_type) contacts may use
    agents: tuple[str, ...]  # user ids exported in users
    ghost_agents: tuple[str, ...]  # agent ids never exported
    tag_ids: tuple[str, ...]
    category_ids: tuple[str, ...]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def agent_count(sessions: int) -> int:
    return max(12, min(400, sessions // 250))


def write_dimensions(exporter: Exporter, sessions: int, rng: random.Random) -> Dimensions:
    """Write every dimension table; return the ids the sessions will point at."""
    last = exporter.batches - 1
    second = min(1, last)

    for channel_id, name, kind in CHANNELS:
        exporter.emit("channels", 0, [channel_id, name, kind], 0)
    exporter.emit("channels", second, list(LATE_CHANNEL), 0)
    # a renamed re-export: the last loaded name wins
    exporter.emit_dup("channels", last, ["ch02", "Mai Anh Official (mới)", "facebook"])

    agents = tuple(f"u{i:03d}" for i in range(1, agent_count(sessions) + 1))
    for index, user_id in enumerate(agents):
        name = person_name(rng)
        email = None if rng.random() < 0.15 else f"{user_id}@maianh.vn"
        batch = second if index % 9 == 8 else 0  # some users arrive after their sessions
        exporter.emit("users", batch, [user_id, name, email, rng.choice(IS_ACTIVE_FORMS)], 0)
    exporter.emit_dup("users", last, [agents[0], "Nguyễn Văn Trưởng Nhóm", "lead@maianh.vn", "yes"])

    for group_id, name in GROUPS:
        exporter.emit("groups", 0, [group_id, name], 0)
    for user_id in agents:
        for group_id, _ in rng.sample(GROUPS, rng.choice((1, 1, 2, 3))):
            exporter.emit("user_groups", 0, [user_id, group_id], 0)
    exporter.emit("user_groups", 0, [agents[1], MISSING_GROUP], 0)
    exporter.emit_dup("user_groups", second, [agents[2], GROUPS[0][0]])

    for category_id, name, parent in CATEGORIES:
        exporter.emit("categories", 0, [category_id, name, parent], 0)
    exporter.emit_dup("categories", second, ["cat19", "Khác (đổi tên)", None])
    exporter.emit("categories", second, [LATE_CATEGORY, "Khuyến mãi (đến sau)", "cat02"], 0)

    for tag_id, name in TAGS:
        exporter.emit("tags", 0, [tag_id, name], 0)

    if exporter.bad_rate > 0:
        # dimension tables are too small for the rate to hit: one broken row each, always
        # (extra ids, and a bad re-export of a good row that must not replace it)
        exporter.emit_bad("channels", 0, ["ch_bad", "Kênh lỗi", "Facebook"])
        exporter.emit_bad("users", second, [agents[3], "Bản xuất lỗi", None, "maybe"])
        exporter.emit_bad("groups", 0, [None, "Nhóm lỗi"])
        exporter.emit_bad("user_groups", 0, [agents[4], None])
        exporter.emit_bad("categories", 0, [None, "Danh mục lỗi", "cat01"])
        exporter.emit_bad("tags", 0, ["", "Thẻ lỗi"])

    channels = tuple((c[0], c[2]) for c in CHANNELS) + ((LATE_CHANNEL[0], LATE_CHANNEL[2]),)
    return Dimensions(
        channels=channels,
        agents=agents,
        ghost_agents=("u_ghost1", "u_ghost2", "bot_x"),
        tag_ids=tuple(t[0] for t in TAGS),
        category_ids=tuple(c[0] for c in CATEGORIES) + (LATE_CATEGORY,),
    )
