"""``python -m assistant.cli``: the same as the ``prodops`` command."""

from assistant.cli.app import main

main()
