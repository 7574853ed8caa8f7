"""`python -m bot` is `minyi`."""

import sys

from bot.cli import main

sys.exit(main())
