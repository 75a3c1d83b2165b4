"""urbact-tui: look up URBACT city-network contacts offline, from the keyboard."""

__version__ = "0.1.0"
