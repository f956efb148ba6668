"""The `prodops` command line: one module per command group, shared error handling in :mod:`.common`."""

from assistant.cli.app import app, main

__all__ = ["app", "main"]
