"""Timestamps as integer microseconds since the Unix epoch (UTC), and their text forms.

Good values are written in every form CONTRACT.md section 6.6 accepts (`Z`, `+07:00`,
`-05:30`, no offset, a space instead of `T`, 1-6 fraction digits, no seconds, surrounding
spaces); bad values in the forms it rejects.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
LOCAL_OFFSET = 7 * HOUR  # Asia/Ho_Chi_Minh: UTC+07:00 all year, no daylight saving

_EPOCH = datetime(1970, 1, 1)


def epoch_us(day: date) -> int:
    """Microseconds from the epoch to UTC midnight of `day`."""
    return (day - _EPOCH.date()).days * DAY


_MINUTE_TEXT: dict[int, str] = {}  # minute -> `YYYY-MM-DDTHH:MM`, a bounded cache


def _naive(us: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS[.f]` with trailing fraction zeros trimmed."""
    minute, rest = divmod(us, 60_000_000)
    prefix = _MINUTE_TEXT.get(minute)
    if prefix is None:
        if len(_MINUTE_TEXT) > 200_000:
            _MINUTE_TEXT.clear()
        prefix = (_EPOCH + timedelta(minutes=minute)).isoformat()[:16]
        _MINUTE_TEXT[minute] = prefix
    seconds, micro = divmod(rest, 1_000_000)
    if micro:
        return f"{prefix}:{seconds:02d}.{micro:06d}".rstrip("0")
    return f"{prefix}:{seconds:02d}"


def iso_z(us: int) -> str:
    """The canonical form: `2026-03-01T08:15:00Z`."""
    return _naive(us) + "Z"


# (weight, style) of good timestamp forms
_STYLES = (
    (74, "z"),
    (6, "plus7"),
    (3, "minus530"),
    (5, "space"),
    (4, "bare"),
    (3, "plus0"),
    (3, "short"),
    (2, "padded"),
)


class TimestampWriter:
    """Writes good timestamps in a random accepted form (deterministic for its rng)."""

    def __init__(self, rng: random.Random, variety: bool = True) -> None:
        self._rng = rng
        self._variety = variety
        self._styles = [style for _, style in _STYLES]
        self._cum = []
        total = 0
        for weight, _ in _STYLES:
            total += weight
            self._cum.append(total)
        self._total = total

    def write(self, us: int) -> str:
        if not self._variety:
            return iso_z(us)
        pick = self._rng.random() * self._total
        if pick < self._cum[0]:
            return _naive(us) + "Z"
        for index, bound in enumerate(self._cum):
            if pick < bound:
                return self._styled(us, self._styles[index])
        return iso_z(us)

    def _styled(self, us: int, style: str) -> str:
        if style == "plus7":
            return _naive(us + 7 * HOUR) + "+07:00"
        if style == "minus530":
            return _naive(us - 5 * HOUR - 30 * MINUTE) + "-05:30"
        if style == "space":
            return _naive(us).replace("T", " ") + "Z"
        if style == "bare":
            return _naive(us)
        if style == "plus0":
            return _naive(us) + "+00:00"
        if style == "short":
            if us % MINUTE == 0:
                return _naive(us)[:16].replace("T", " ")
            return _naive(us).replace("T", " ")
        if style == "padded":
            return " " + _naive(us) + "Z "
        return iso_z(us)


def bad_timestamp(us: int, rng: random.Random) -> str:
    """An unparseable rendering of `us` (section 6.6), one of the listed kinds and a few more."""
    text = _naive(us - us % SECOND)
    day, clock = text[:10], text[11:]
    kind = rng.randrange(9)
    if kind == 0:
        return day  # date only
    if kind == 1:
        return f"{day}T{clock}+0700"  # offset without colon
    if kind == 2:
        return f"{day[8:10]}/{day[5:7]}/{day[0:4]} {clock[:5]}"  # 31/03/2026 10:00
    if kind == 3:
        return f"{day[:4]}-02-30 {clock[:5]}"  # impossible date
    if kind == 4:
        return f"{day}t{clock}z"  # lower-case T and Z
    if kind == 5:
        return f"{day}T{clock}.1234567Z"  # seven fraction digits
    if kind == 6:
        return f"{day}T24:{clock[3:]}Z"  # hour 24
    if kind == 7:
        return "not a time"
    return f"{day[:4]}-13-{day[8:10]} {clock}"  # month 13
