"""`python -m urbact_tui` runs the same command as `urbact-tui`."""

import sys

from .cli import main

sys.exit(main())
