"""Entry point of ``python -m pipelines.intervals``."""

import sys

from pipelines.intervals.cli import main

sys.exit(main())
