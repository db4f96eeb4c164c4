"""`generate(config)`: write a landing folder of raw contract files, session by session."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from omnireport.contract import RAW_TABLES
from omnireport.generate.config import GenerateConfig
from omnireport.generate.dimensions import write_dimensions
from omnireport.generate.export import Exporter, GenerateStats
from omnireport.generate.presence import write_presence
from omnireport.generate.scenarios import SessionFactory, Window
from omnireport.generate.schedules import write_schedules
from omnireport.generate.timefmt import DAY, LOCAL_OFFSET, epoch_us
from omnireport.generate.writer import BatchFiles

Progress = Callable[[str], None]
# weekday weights, Monday first: weekends are quieter
WEEKDAY_WEIGHTS = (1.0, 1.0, 0.95, 1.0, 1.1, 0.8, 0.6)


def sessions_per_day(config: GenerateConfig) -> list[int]:
    """Split the sessions over the days by weekday weight (largest remainder, deterministic)."""
    weights = [
        WEEKDAY_WEIGHTS[(config.start_date + timedelta(days=d)).weekday()]
        for d in range(config.days)
    ]
    total = sum(weights)
    exact = [config.sessions * w / total for w in weights]
    counts = [int(e) for e in exact]
    order = sorted(range(config.days), key=lambda d: (-(exact[d] - counts[d]), d))
    for d in order[: config.sessions - sum(counts)]:
        counts[d] += 1
    return counts


def prepare_out(out: Path) -> None:
    """Refuse to mix a new run with other files: the table folders must not exist yet or be ours."""
    for table in RAW_TABLES:
        folder = out / table.name
        if folder.exists():
            strangers = [p.name for p in folder.iterdir() if not p.name.startswith("batch_")]
            if strangers:
                raise FileExistsError(
                    f"{folder} holds files this generator did not write ({', '.join(sorted(strangers)[:3])}); "
                    "pass an empty or new --out folder"
                )
            shutil.rmtree(folder)


def generate(config: GenerateConfig, progress: Progress | None = None) -> GenerateStats:
    """Write `<out>/<table>/batch_NNNN.<ext>` for every raw table; return what was written."""
    report = progress or (lambda _line: None)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    prepare_out(out)
    window = Window(epoch_us(config.start_date) - LOCAL_OFFSET, config.days, config.batches)
    files = BatchFiles(config)
    try:
        exporter = Exporter(files, config.batches, config.bad_rate, config.dup_rate, config.seed)
        dims = write_dimensions(
            exporter, config.sessions, random.Random(f"{config.seed}:dimensions")
        )
        factory = SessionFactory(exporter, dims, window, config.seed)
        index = 0
        step = max(1, config.sessions // 20)
        for day, count in enumerate(sessions_per_day(config)):
            midnight = window.start + day * DAY
            for _ in range(count):
                index += 1
                factory.session(index, factory.start_time(midnight))
                if index % step == 0:
                    report(f"{index}/{config.sessions} sessions")
        write_presence(exporter, dims.agents, window, config.days, config.seed)
        # last, from their own random stream: the tables above keep their bytes
        write_schedules(exporter, config, window)
    finally:
        files.close()
    return exporter.stats
