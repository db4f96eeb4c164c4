"""``python -m omnireport.report VIEW [options]``: the report without the main command line."""

import sys

from omnireport.report.cli import main

sys.exit(main())
