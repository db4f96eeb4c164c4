"""``python -m omnireport.metrics SUBCOMMAND ...``: the same as ``omnireport metrics``."""

import sys

from omnireport.metrics.cli import main

sys.exit(main())
