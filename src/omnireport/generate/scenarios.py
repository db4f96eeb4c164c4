"""One session at a time: its contact, messages and tag events, with the contract's edge cases.

Every session draws its flags (proactive, never answered, answered after 24 h, several
agents, a same-second tie between two agents, page auto-replies, messages after done_at,
an agent who writes only after done_at, an assignee who never writes, an unknown agent,
done without done_at, ...) from one random stream, builds a timeline of messages and
writes each row to the batch whose window holds the row's export time. Nothing is kept
between sessions except a bounded ring of recent contacts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from omnireport.generate.dimensions import (
    MISSING_CATEGORY,
    MISSING_CHANNEL,
    MISSING_TAG,
    Dimensions,
    person_name,
)
from omnireport.generate.export import Exporter
from omnireport.generate.names import AGENT_TEXTS, CONTACT_TEXTS, NOTES, PAGE_TEXTS
from omnireport.generate.timefmt import DAY, HOUR, MINUTE, SECOND, TimestampWriter

CONTACT_RING = 5_000
# local hour weights (Asia/Ho_Chi_Minh): quiet nights, busy mornings, afternoons and evenings
HOUR_WEIGHTS = (1, 0.6, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 9, 10, 9, 7, 7, 8, 9, 8, 7, 6, 7, 9, 10, 7, 3)
CONTACT, AGENT, PAGE = "contact", "agent", "page"


@dataclass
class Contact:
    contact_id: str
    channel_id: str
    channel_type: str
    external_id: str
    name: str | None


@dataclass
class Message:
    sent: int
    kind: str
    agent: str | None = None
    seq: int = 0
    reversed_tie: bool = False


class Window:
    """The generated period and its batch windows (batch k holds rows exported in window k)."""

    def __init__(self, start_us: int, days: int, batches: int) -> None:
        self.start = start_us
        self.length = days * DAY
        self.batches = batches

    def batch_of(self, us: int) -> int:
        batch = (us - self.start) * self.batches // self.length
        return 0 if batch < 0 else min(batch, self.batches - 1)


def _cum(weights: tuple[float, ...]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


class SessionFactory:
    """Writes sessions (with their messages, tag events and new contacts) one by one."""

    def __init__(self, exporter: Exporter, dims: Dimensions, window: Window, seed: int) -> None:
        self.x = exporter
        self.dims = dims
        self.window = window
        self.rng = random.Random(f"{seed}:sessions")
        self.ts = TimestampWriter(random.Random(f"{seed}:timestamps"))
        self._contacts: list[Contact] = []
        self._contact_count = 0
        self._hour_cum = _cum(HOUR_WEIGHTS)
        channel_weights = tuple(5 if c[0] in ("ch01", "ch03") else 2 for c in dims.channels)
        self._channel_cum = _cum(channel_weights)

    # ---- contacts ---------------------------------------------------------------------
    def _contact(self, batch: int) -> Contact:
        rng = self.rng
        if self._contacts and rng.random() < 0.3:
            return rng.choice(self._contacts)
        self._contact_count += 1
        contact_id = f"k{self._contact_count:07d}"
        if rng.random() < 0.004:
            channel_id, channel_type = MISSING_CHANNEL, "facebook"
        else:
            channel_id, channel_type = self.dims.channels[
                _pick(self._channel_cum, rng.random() * self._channel_cum[-1])
            ]
        external_id = {
            "facebook": lambda: str(rng.randrange(10**15, 10**16)),
            "zalo": lambda: str(rng.randrange(10**17, 10**18)),
            "instagram": lambda: str(rng.randrange(10**16, 10**17)),
            "livechat": lambda: f"lc_{rng.getrandbits(48):012x}",
        }[channel_type]()
        name = None if rng.random() < 0.05 else person_name(rng)
        contact = Contact(contact_id, channel_id, channel_type, external_id, name)
        if len(self._contacts) < CONTACT_RING:
            self._contacts.append(contact)
        else:
            self._contacts[self._contact_count % CONTACT_RING] = contact
        roll = rng.random()
        if roll >= 0.005:  # 0.5 % of contacts are never exported
            contact_batch = self.x.later_batch(batch) if roll < 0.045 else batch
            row = [contact_id, name, channel_id, external_id]
            self.x.emit("contacts", contact_batch, row, 0, copy_dup=False)
            if self.x.wants_dup():
                renamed = [contact_id, (name or "Khách") + " (cập nhật)", channel_id, external_id]
                self.x.emit_dup("contacts", self.x.later_batch(contact_batch), renamed)
        return contact

    # ---- times ------------------------------------------------------------------------
    def start_time(self, local_midnight_us: int) -> int:
        rng = self.rng
        if rng.random() < 0.03:  # spans local midnight
            offset = 23 * HOUR + rng.randrange(20 * MINUTE, 60 * MINUTE)
        else:
            hour = _pick(self._hour_cum, rng.random() * self._hour_cum[-1])
            offset = hour * HOUR + rng.randrange(HOUR // SECOND) * SECOND
        return local_midnight_us + offset + self._fraction()

    def _fraction(self) -> int:
        """Usually 0; 12 % of times get 1, 2, 3 or 6 fraction digits."""
        if self.rng.random() >= 0.12:
            return 0
        return self._fraction_digits()

    def _fraction_digits(self) -> int:
        rng = self.rng
        unit = rng.choice((100_000, 1_000, 1, 10_000))
        return rng.randrange(1, SECOND // unit) * unit

    def _secs(self, low: int, high: int) -> int:
        rng = self.rng
        seconds = low + int(rng.random() * (high - low + 1))  # randint, without its overhead
        if rng.random() >= 0.12:
            return seconds * SECOND
        return seconds * SECOND + self._fraction_digits()

    def _first_wait(self, late: bool) -> int:
        rng = self.rng
        if late:
            return DAY + self._secs(60, 40_000)
        roll = rng.random()
        if roll < 0.35:
            return self._secs(1, 59)
        if roll < 0.7:
            return self._secs(60, 299)
        if roll < 0.9:
            return self._secs(300, 1799)
        if roll < 0.98:
            return self._secs(1800, 14_400)
        return self._secs(14_400, 80_000)

    # ---- one session --------------------------------------------------------------------
    def session(self, index: int, start: int) -> None:
        rng = self.rng
        dims = self.dims
        session_id = f"s{index:07d}"
        contact = self._contact(self.window.batch_of(start))
        conversation_id = f"conv_{contact.contact_id}"
        support_type = (
            "comment"
            if contact.channel_type in ("facebook", "instagram") and rng.random() < 0.3
            else "message"
        )

        def pick_agent() -> str:
            if rng.random() < 0.02:
                return rng.choice(dims.ghost_agents)
            return rng.choice(dims.agents)

        primary = pick_agent()
        others = [a for a in (pick_agent(), pick_agent()) if a != primary]
        proactive = rng.random() < 0.06
        unanswered = not proactive and rng.random() < 0.09
        late_answer = not proactive and not unanswered and rng.random() < 0.03
        multi = bool(others) and rng.random() < 0.18
        tie = bool(others) and not unanswered and not proactive and rng.random() < 0.03
        skew = not unanswered and rng.random() < 0.006

        boundary = not proactive and not unanswered and not late_answer and rng.random() < 0.04
        empty = rng.random() < 0.012  # a session with no message, or only an automatic one
        timeline: list[Message] = []
        t = start
        if skew:  # an agent message a few seconds before started_at
            timeline.append(Message(start - self._secs(1, 5), AGENT, primary))
        if proactive:
            timeline.append(Message(t, AGENT, primary))
            t += self._secs(60, 7200)
        rounds = 1 if unanswered else 1 + min(int(rng.expovariate(0.3)), 15)
        current = primary
        for round_index in range(rounds):
            if proactive and round_index == 0 and rng.random() < 0.3:
                break  # the customer never replied to the proactive message
            if empty:
                if rng.random() < 0.5:
                    timeline.append(Message(t, PAGE))
                break
            burst = 1 if boundary and round_index == 0 else rng.choice((1, 1, 1, 2, 2, 3, 4))
            for i in range(burst):
                timeline.append(Message(t, CONTACT))
                if round_index == 0 and i == 0 and rng.random() < 0.45:
                    # automatic page reply, sometimes in the same second
                    timeline.append(Message(t + self._secs(0, 2), PAGE))
                t += self._secs(3, 120)
            if rng.random() < 0.08:
                timeline.append(Message(t, PAGE))
                t += self._secs(1, 30)
                timeline.append(Message(t, CONTACT))  # contact messages with a page message between
                t += self._secs(3, 60)
            if unanswered:
                break
            if boundary and round_index == 0:
                # a wait of exactly 60 s, 5, 15, 30 min or 24 h: the strict `<` / `over` edges
                t = start + rng.choice((60, 300, 900, 1800, 86400, 86400)) * SECOND
            else:
                t += self._first_wait(late_answer) if round_index == 0 else self._secs(5, 3600)
            if multi and round_index > 0 and rng.random() < 0.5:
                current = rng.choice(others)
            if tie and round_index == 0:
                timeline.append(Message(t, AGENT, current, reversed_tie=True))
                timeline.append(Message(t, AGENT, others[0], reversed_tie=True))
            else:
                for _ in range(rng.choice((1, 1, 2, 3))):
                    timeline.append(Message(t, AGENT, current))
                    t += self._secs(5, 120)
            t += self._secs(30, 1800)

        timeline.sort(key=lambda m: m.sent)
        last = timeline[-1].sent if timeline else start
        near_end = start > self.window.start + self.window.length - 36 * HOUR
        done = rng.random() < (0.4 if unanswered or near_end else 0.87)
        done_at = last + self._secs(10, 1800) if done else None
        after: list[Message] = []
        if done_at is not None:
            if rng.random() < 0.06:
                after.append(Message(done_at + self._secs(5, 600), CONTACT))
                if rng.random() < 0.5:
                    after.append(Message(after[-1].sent + self._secs(5, 600), AGENT, current))
            if rng.random() < 0.025:  # an agent who writes only after done_at
                outsider = next(
                    (a for a in dims.agents if a != primary and a not in others), primary
                )
                after.append(Message(done_at + self._secs(30, 3600), AGENT, outsider))
            if rng.random() < 0.03:
                done_at = None  # done without done_at (6.9)
        timeline.extend(after)
        for seq, message in enumerate(timeline, start=1):
            message.seq = seq
        updated = max(done_at or 0, last) + self._secs(1, 120)

        has_agent = any(m.kind == AGENT for m in timeline)
        roll = rng.random()
        if roll < 0.1 or (not has_agent and roll < 0.5):
            assignee = None
        elif roll < 0.2:
            assignee = rng.choice(dims.agents)  # often an assignee who never writes
        else:
            assignee = primary
        category = None
        if rng.random() < 0.7:
            category = MISSING_CATEGORY if rng.random() < 0.01 else rng.choice(dims.category_ids)
        rating = None
        if done and rng.random() < 0.35:
            rating = rng.choice(("5", "5", "5", "4", "4", "3", "2", "1", " 4 "))
        name = contact.name if rng.random() < 0.95 else None
        if name and support_type == "comment":
            name = f"{name} - bình luận"
        ts = self.ts.write
        row = [
            session_id,
            conversation_id,
            contact.channel_id,
            contact.contact_id,
            name,
            support_type,
            assignee,
            category,
            rng.choice(NOTES),
            "done" if done else "open",
            ts(start),
            ts(done_at) if done_at is not None else None,
            rating,
            ts(updated),
        ]
        self._write_session(row, start, updated, timeline)
        self._write_messages(session_id, conversation_id, contact, timeline)
        if rng.random() < 0.35:
            self._write_tags(session_id, contact, start, timeline, primary)

    def _write_session(self, row: list, start: int, updated: int, timeline: list[Message]) -> None:
        rng = self.rng
        x = self.x
        batch = self.window.batch_of(updated)
        roll = rng.random()
        if roll < 0.004:
            return  # never exported: its messages and tag events stay late
        if roll < 0.035:
            batch = x.later_batch(batch)  # exported after its messages
        if x.wants_dup():
            ts = self.ts.write
            kind = rng.randrange(3)
            if kind == 0 and row[9] == "done":
                # closing an open session: the open version was exported before
                first = timeline[0].sent if timeline else start
                early = [*row]
                early[9], early[11], early[12] = "open", None, None
                early[13] = ts(max(first, start) + SECOND)
                x.emit_dup("sessions", self.window.batch_of(first), early)
                x.emit("sessions", batch, row, updated, copy_dup=False)
            elif kind == 1:
                # same updated_at, changed fields, in a later batch: the later one wins
                x.emit("sessions", batch, row, updated, copy_dup=False)
                again = [*row]
                again[8] = "Cập nhật lại, cùng updated_at"
                again[7] = rng.choice(self.dims.category_ids)
                again[13] = ts(updated)  # the same instant, maybe written in another form
                x.emit_dup("sessions", x.later_batch(batch), again)
            else:
                # a stale version (lower updated_at) exported after the current one: it loses
                x.emit("sessions", batch, row, updated, copy_dup=False)
                stale = [*row]
                stale[9], stale[11], stale[12] = "open", None, None
                stale[13] = ts(updated - self._secs(60, 3600))
                x.emit_dup("sessions", x.later_batch(batch), stale)
            return
        x.emit("sessions", batch, row, updated, copy_dup=False)

    def _write_messages(
        self, session_id: str, conversation_id: str, contact: Contact, timeline: list[Message]
    ) -> None:
        rng = self.rng
        x = self.x
        ts = self.ts.write
        batch_of = self.window.batch_of
        tie_rows: list[tuple[int, list, int]] = []
        for message in timeline:
            channel_id = contact.channel_id
            if rng.random() < 0.01:
                channel_id = rng.choice(self.dims.channels)[0]  # the message's own channel (6.19)
            content_type, content, template_id, template_name, media_url = (
                "text",
                None,
                None,
                None,
                None,
            )
            if message.kind == CONTACT:
                initiated, direction, from_id, to_id, agent = (
                    "user",
                    "incoming",
                    contact.external_id,
                    channel_id,
                    None,
                )
                roll = rng.random()
                if roll < 0.8:
                    content = rng.choice(CONTACT_TEXTS) or None
                elif roll < 0.9:
                    content_type, media_url = (
                        "image",
                        f"https://cdn.example.vn/media/{rng.getrandbits(40):010x}.jpg",
                    )
                else:
                    content_type = rng.choice(("sticker", "audio", "video", "file", "other"))
                status = "read" if rng.random() < 0.9 else "delivered"
                status_at = message.sent + self._secs(1, 600)
            else:
                initiated, direction, from_id, to_id = (
                    "business",
                    "outgoing",
                    channel_id,
                    contact.external_id,
                )
                agent = message.agent if message.kind == AGENT else None
                if message.kind == PAGE or rng.random() < 0.05:
                    content_type, template_id = "template", f"tpl_{rng.randint(1, 4):02d}"
                    template_name = f"Mẫu trả lời {template_id[-1]}"
                    content = rng.choice(PAGE_TEXTS)
                else:
                    content = rng.choice(AGENT_TEXTS)
                roll = rng.random()
                status = (
                    "read"
                    if roll < 0.6
                    else "delivered"
                    if roll < 0.85
                    else "sent"
                    if roll < 0.95
                    else "failed"
                )
                status_at = message.sent if status == "sent" else message.sent + self._secs(0, 3600)
            message_id = f"m{session_id[1:]}_{message.seq:03d}"
            row = [
                message_id,
                conversation_id,
                session_id,
                channel_id,
                initiated,
                direction,
                from_id,
                to_id,
                agent,
                ts(message.sent),
                content_type,
                content,
                template_id,
                template_name,
                media_url,
                status,
                ts(status_at),
            ]
            batch = batch_of(status_at)
            if message.reversed_tie:
                tie_rows.append((batch, row, message.sent))
                if (
                    len(tie_rows) == 2
                ):  # the higher id first in the file: order must come from the id
                    for tie_batch, tie_row, sent in reversed(tie_rows):
                        x.emit("messages", tie_batch, tie_row, sent, copy_dup=False)
                continue
            if x.wants_dup():
                self._message_reexport(row, message.sent, status_at, batch)
            else:
                x.emit("messages", batch, row, message.sent, copy_dup=False)

    def _message_reexport(self, row: list, sent: int, status_at: int, batch: int) -> None:
        rng = self.rng
        x = self.x
        ts = self.ts.write
        if rng.random() < 0.6:
            # first exported as `sent`, later with its final status (higher status_updated_at)
            early = [*row]
            early[15], early[16] = "sent", ts(sent)
            early_batch = self.window.batch_of(sent)
            if early_batch == batch and rng.random() < 0.5:
                x.emit(
                    "messages", batch, row, sent, copy_dup=False
                )  # final first, stale after: stale loses
                x.emit_dup("messages", batch, early)
            else:
                x.emit_dup("messages", early_batch, early)
                x.emit("messages", batch, row, sent, copy_dup=False)
        else:
            # same status_updated_at, other status, exported later: the last loaded wins
            x.emit("messages", batch, row, sent, copy_dup=False)
            again = [*row]
            again[15] = "delivered" if row[15] == "read" else "read"
            again[16] = ts(status_at)  # the same instant, maybe written in another form
            x.emit_dup("messages", x.later_batch(batch), again)

    def _write_tags(
        self, session_id: str, contact: Contact, start: int, timeline: list[Message], primary: str
    ) -> None:
        rng = self.rng
        x = self.x
        ts = self.ts.write
        dims = self.dims
        end = timeline[-1].sent if timeline else start
        pattern = rng.randrange(6)
        tag = MISSING_TAG if rng.random() < 0.03 else rng.choice(dims.tag_ids)
        user = (
            None
            if rng.random() < 0.3
            else (primary if rng.random() < 0.7 else rng.choice(dims.agents))
        )
        channel_id = contact.channel_id if rng.random() < 0.97 else rng.choice(dims.channels)[0]
        at = start + (end - start) // 3 + self._fraction()
        events: list[tuple[str, int, str | None]] = []  # (action, time, session)
        if pattern == 0:
            events = [("added", at, session_id)]
        elif pattern == 1:
            events = [("added", at, session_id), ("removed", at + self._secs(60, 7200), session_id)]
        elif pattern == 2:
            later = at + self._secs(60, 7200)
            events = [
                ("added", at, session_id),
                ("removed", later, session_id),
                ("added", later + self._secs(60, 3600), session_id),
            ]
        elif pattern == 3:
            # added and removed in the same second: the id decides which is last
            events = [("added", at, session_id), ("removed", at, session_id)]
            if rng.random() < 0.5:
                events.reverse()
        elif pattern == 4:
            events = [("added", at, None)]  # contact-level tag
        else:
            events = [
                ("added", start + SECOND, session_id),
                ("added", at, session_id),
            ]  # automation, then agent
        for j, (action, when, sid) in enumerate(events, start=1):
            who = None if (pattern == 5 and j == 1) else user
            row = [
                f"te{session_id[1:]}_{j}",
                tag,
                sid,
                contact.contact_id,
                channel_id,
                who,
                action,
                ts(when),
            ]
            batch = self.window.batch_of(when)
            x.emit("tag_events", batch, row, when, copy_dup=False)
            if x.wants_dup():
                # no order column: the last loaded version wins, even with another action
                again = [*row]
                if rng.random() < 0.5:
                    again[6] = "removed" if action == "added" else "added"
                x.emit_dup("tag_events", x.later_batch(batch), again)


def _pick(cumulative: list[float], value: float) -> int:
    for index, bound in enumerate(cumulative):
        if value < bound:
            return index
    return len(cumulative) - 1
