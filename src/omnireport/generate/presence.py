"""The agents' presence log: shifts with pauses, repeated `paused`, pauses across local
midnight, same-second events, and pauses still open at the end of the period."""

from __future__ import annotations

import random

from omnireport.generate.export import Exporter
from omnireport.generate.scenarios import Window
from omnireport.generate.timefmt import DAY, HOUR, MINUTE, SECOND, TimestampWriter


def write_presence(
    exporter: Exporter, agents: tuple[str, ...], window: Window, days: int, seed: int
) -> None:
    """Write every agent's status events, agent by agent, day by day."""
    rng = random.Random(f"{seed}:presence")
    ts = TimestampWriter(random.Random(f"{seed}:presence-ts"))
    for user_id in agents:
        for day in range(days):
            if rng.random() >= 0.8:
                continue
            midnight = window.start + day * DAY  # local midnight
            events: list[tuple[int, str]] = []
            night = rng.random() < 0.1
            t = (
                midnight
                + (14 * HOUR if night else 7 * HOUR + 30 * MINUTE)
                + rng.randrange(0, 7200) * SECOND
            )
            events.append((t, "online"))
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                t += rng.randrange(20 * 60, 3 * 3600) * SECOND
                events.append((t, "paused"))
                if rng.random() < 0.2:  # repeated paused continues the same pause
                    t += rng.randrange(60, 600) * SECOND
                    events.append((t, "paused"))
                if rng.random() < 0.06:
                    events.append((t, "online"))  # same second as the pause: the event id decides
                else:
                    t += rng.randrange(5 * 60, 3600) * SECOND
                    events.append((t, "online"))
            roll = rng.random()
            if night or roll < 0.05:
                # pause shortly before local midnight, back online after it
                t = max(t, midnight + 23 * HOUR + 40 * MINUTE) + rng.randrange(0, 600) * SECOND
                events.append((t, "paused"))
                t = midnight + DAY + rng.randrange(5 * 60, 40 * 60) * SECOND
                events.append((t, "online"))
                events.append((t + rng.randrange(60, 3600) * SECOND, "offline"))
            elif roll < 0.12 or (day == days - 1 and roll < 0.4):
                # the shift ends paused: the pause lasts until the next online (or stays open)
                events.append(
                    (max(t, midnight + 17 * HOUR) + rng.randrange(0, 3600) * SECOND, "paused")
                )
            else:
                t = max(t + 10 * MINUTE, midnight + 17 * HOUR) + rng.randrange(0, 5 * 3600) * SECOND
                events.append((t, "offline"))
                if rng.random() < 0.05:
                    events.append((t + 30 * SECOND, "offline"))
            for seq, (at, status) in enumerate(events, start=1):
                at += rng.randrange(0, SECOND, 1000) if rng.random() < 0.05 else 0
                row = [f"ev_{user_id}_{day:03d}_{seq:02d}", user_id, status, ts.write(at)]
                exporter.emit("agent_status_events", window.batch_of(at), row, at)
