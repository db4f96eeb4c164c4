"""Deterministic, streaming generator of landing files that follow CONTRACT.md section 2.

`generate(GenerateConfig(out=..., sessions=...))` writes `<out>/<table>/batch_0001.csv`, ...
for every raw table, full of the contract's edge cases, with a share of bad rows
(`bad_rate`) and re-exports (`dup_rate`). Same seed, same bytes; memory does not grow
with the number of sessions. The command line is `omnireport generate` (see `cli.py`).
"""

from omnireport.generate.config import GenerateConfig
from omnireport.generate.export import GenerateStats
from omnireport.generate.run import generate

__all__ = ["GenerateConfig", "GenerateStats", "generate"]
