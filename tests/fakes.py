"""Deterministic stand-ins for a language model. They are not models: each one replays a fixed kind of bad
behaviour — inventing facts, citing what was never given, a server that hangs, dies mid-reply or answers
garbage — so the tests can prove the eval gate catches it and prodops falls back cleanly. Also a hash
embedder for tests that exercise parsing and storage at corpus scale, where the real model would take
minutes."""

from __future__ import annotations

import hashlib
import json
import math
import re
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

_SOURCE = re.compile(r'<source n="(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


class _PromptReadingFake(BaseChatModel):
    """Reads the numbered sources out of prodops' answer prompt and writes a reply from them."""

    def _reply(self, sources: list[tuple[int, str]]) -> str:
        raise NotImplementedError

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any) -> ChatResult:
        prompt = str(messages[-1].content)
        sources = [(int(n), text) for n, text in _SOURCE.findall(prompt)]
        text = self._reply(sources) if sources else "The sources don't cover this."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    @property
    def _llm_type(self) -> str:
        return "prodops-test-fake"


class InventingFake(_PromptReadingFake):
    """Cites the first real source, but states facts that appear nowhere in it."""

    def _reply(self, sources: list[tuple[int, str]]) -> str:
        n = sources[0][0]
        return (
            f"Revenue from the Antarctic region tripled to 9,870,000 dollars last quarter [{n}]. "
            f"The board approved a merger with Quillon Dynamics on 3 March [{n}]."
        )


class MisCitingFake(_PromptReadingFake):
    """Repeats a real source sentence but cites source numbers it was never given."""

    def _reply(self, sources: list[tuple[int, str]]) -> str:
        first = re.split(r"(?<=[.!?])\s+", sources[0][1].strip())[0]
        return f"{first} [{len(sources) + 3}]."


# --- Misbehaving model servers on loopback: real sockets, so the real OpenAI client and its errors are exercised.


class _Server:
    """A loopback TCP server whose per-connection behaviour is ``handle(conn)``; stopped on exit."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.handle = handle
        self.connections: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(conn)
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


def hung_server() -> _Server:
    """Accepts connections and never answers (a model server stuck loading or wedged)."""
    return _Server(lambda conn: conn.recv(65536))


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length:\s*(\d+)", head, re.I).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += conn.recv(65536)


def dying_server(deltas: list[str]) -> _Server:
    """Streams ``deltas`` as chat-completion chunks, then drops the connection mid-body (a killed server)."""

    def handle(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        for delta in deltas:
            event = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                     "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": None}]}
            payload = f"data: {json.dumps(event)}\n\n".encode()
            conn.sendall(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        conn.shutdown(socket.SHUT_RDWR)
        conn.close()

    return _Server(handle)


def garbage_server(body: bytes = b"<html>502 Bad Gateway</html>", status: int = 200) -> _Server:
    """Answers every request with a body that is not a chat completion."""

    def handle(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
                     "connection: close\r\n\r\n".encode() + body)
        conn.close()

    return _Server(handle)


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HashEmbedder:
    """A deterministic stand-in for the embedding model, for tests about parsing and storage only: a text's
    vector comes from hashing its words, so equal texts get equal vectors and nothing is learned or loaded."""

    name = "fake-hash"
    dimension = 32

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in text.lower().split():
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            vector[digest[0] % self.dimension] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]
