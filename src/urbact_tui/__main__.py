"""`python -m urbact_tui` runs the same command as `urbact-tui`."""

from .cli import run

run()
