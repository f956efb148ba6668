"""Package faces that import their modules only when a name is used.

Each subpackage re-exports its public names (``from assistant.strategy import draft_strategy``), but importing
a face must not pull in chromadb, torch or FastAPI for a command that needs none of them: start-up time is
what a CLI user waits for on every call. :func:`lazy_exports` returns the module-level ``__getattr__`` that
resolves a name on first use (PEP 562); each face also imports the names under ``TYPE_CHECKING`` for mypy.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``package`` that imports ``names[name]`` (a submodule, relative) on first use."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    return __getattr__
