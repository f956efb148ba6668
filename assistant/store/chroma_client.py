"""The Chroma client behind :class:`~assistant.store.chroma.ChunkStore`: opening it (embedded or a server), the
one embedded client per store path that this process shares, reopening it when another process wrote, and
releasing it (its files and threads) when a runtime closes. With :mod:`assistant.store.chroma`, the only
modules that import chromadb.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.errors import InternalError

from assistant.config import Settings
from assistant.embeddings.base import Embedder
from assistant.errors import StoreUnavailable
from assistant.store.gate import ReadWriteLock, StoreGate


class DelegatingEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma-facing wrapper around our Embedder, created lazily so opening the store never loads a model."""

    def __init__(self, factory: Callable[[], Embedder] | None = None) -> None:
        self._factory = factory

    def __call__(self, input: Documents) -> Embeddings:
        if self._factory is None:
            raise RuntimeError("prodops passes its own vectors; Chroma must not embed")
        return self._factory().embed_documents(list(input))  # type: ignore[return-value]

    @staticmethod
    def name() -> str:
        return "prodops"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> DelegatingEmbeddingFunction:
        return DelegatingEmbeddingFunction()

    def is_legacy(self) -> bool:
        return False


def unavailable(settings: Settings, exc: BaseException, verb: str = "reach") -> StoreUnavailable:
    where = settings.chroma_url or str(settings.chroma_path)
    hint = (
        "start the server (`chroma run --path DIR --port PORT`) or unset PRODOPS_CHROMA_URL"
        if settings.chroma_url
        else "check that PRODOPS_DATA_DIR is readable and writable"
    )
    reason = str(exc)[:200] or type(exc).__name__
    return StoreUnavailable(f"cannot {verb} the Chroma store at {where}: {reason}; {hint}")


def make_client(settings: Settings) -> Any:
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chromadb.Settings(anonymized_telemetry=False),
            )
            client.heartbeat()
            return client
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(
            path=str(settings.chroma_path), settings=chromadb.Settings(anonymized_telemetry=False)
        )
    except Exception as exc:  # chromadb raises many types; all mean "cannot open the store"
        raise unavailable(settings, exc, "open") from exc


def stale_index(exc: BaseException) -> bool:
    """Chroma's symptom of an index opened before another process wrote (see :mod:`assistant.store.gate`)."""
    return isinstance(exc, InternalError) and "error finding id" in str(exc).lower()


class EmbeddedClient:
    """This process's one client on an embedded store, shared by every ChunkStore on that path, and reopened
    (for all of them at once) when another process has written since it was opened."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.gate = StoreGate(settings.data_dir)
        self.rw = ReadWriteLock()
        self.client: Any = None
        self.seen: str | None = None
        self.version = 0

    def refresh(self, force: bool = False) -> None:
        """Reopen when the store's generation moved; call with the gate held (read or write)."""
        if self.client is not None and not force and self.gate.generation() == self.seen:
            return
        with self.rw.write():  # waits for this process's in-flight operations on the old client
            current = self.gate.generation()
            if self.client is not None and not force and current == self.seen:
                return
            if self.client is not None:
                self.client.close()  # the last reference: stops the old system before a new one loads the files
                self.client = None
            self.client = make_client(self.settings)
            self.seen = current
            self.version += 1

    def release(self) -> None:
        """Close the client (its open files and threads); the next operation of any store on this path reopens
        it. Without this, every data dir a long process ever opened keeps its files open."""
        with self.rw.write():  # waits for this process's in-flight operations
            if self.client is not None:
                self.client.close()
                self.client = None


_EMBEDDED: dict[str, EmbeddedClient] = {}
_EMBEDDED_LOCK = threading.Lock()


def embedded_for(settings: Settings) -> EmbeddedClient:
    key = str(settings.chroma_path.resolve())
    with _EMBEDDED_LOCK:
        if key not in _EMBEDDED:
            _EMBEDDED[key] = EmbeddedClient(settings)
        embedded = _EMBEDDED[key]
    with embedded.gate.reading() as outermost:
        if outermost or embedded.client is None:
            embedded.refresh()
    return embedded
