"""Kept-alive connections are asked to reconnect after a bounded number of requests when `prodops serve` runs
several processes, so clients that connected together spread over them (``assistant.api.keepalive``).

Checked over real HTTP: a uvicorn server on loopback and raw sockets, so what is asserted is what a client sees
on the wire (the reply's headers, and the server closing the connection), not a framework's view of it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
from fastapi import FastAPI

from assistant.api.app import serving_app
from assistant.api.keepalive import BoundedKeepAlive
from assistant.api.serving import serve_in_thread
from assistant.config import get_settings


def _ask(sock: socket.socket, port: int, path: str = "/ping") -> tuple[int, dict[str, str]]:
    """One GET on an open connection: the reply's status and headers (body read by Content-Length)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection before replying"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _ping_app(limit: int) -> BoundedKeepAlive:
    app = FastAPI()
    app.get("/ping")(lambda: {"ok": True})
    return BoundedKeepAlive(app, limit=limit)


def test_the_limit_th_reply_on_a_connection_asks_the_client_to_reconnect_and_the_server_closes_it() -> None:
    with serve_in_thread(_ping_app(limit=3)) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as first:
            replies = [_ask(first, port) for _ in range(3)]
            assert [status for status, _ in replies] == [200, 200, 200]
            assert [headers.get("connection") for _, headers in replies] == [None, None, "close"]
            assert _closed_by_server(first)
        with socket.create_connection(("127.0.0.1", port)) as second:  # a new connection starts a new count
            status, headers = _ask(second, port)
            assert status == 200 and "connection" not in headers


def test_a_limit_of_zero_keeps_connections_open() -> None:
    with serve_in_thread(_ping_app(limit=0)) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            replies = [_ask(sock, port) for _ in range(40)]
        assert all(status == 200 and "connection" not in headers for status, headers in replies)


@pytest.mark.parametrize(("workers", "closes_on"), [(2, 2), (1, None)])
def test_prodops_serve_bounds_kept_alive_connections_only_with_several_processes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: int, closes_on: int | None
) -> None:
    """``serving_app`` is what each `prodops serve` process runs: with several it asks a client to reconnect after
    PRODOPS_SERVE_KEEPALIVE_REQUESTS requests; one process has no one to share with and never does."""
    monkeypatch.setenv("PRODOPS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PRODOPS_SERVE_WORKERS", str(workers))
    monkeypatch.setenv("PRODOPS_SERVE_THREADS", str(os.cpu_count() or 1))
    monkeypatch.setenv("PRODOPS_SERVE_KEEPALIVE_REQUESTS", "2")
    get_settings.cache_clear()
    threads = torch.get_num_threads()
    try:
        app = serving_app()
        with serve_in_thread(app) as url:
            port = int(url.rsplit(":", 1)[1])
            sock = socket.create_connection(("127.0.0.1", port))
            closes = []
            for n in range(1, 4):
                status, headers = _ask(sock, port, "/health")
                assert status == 200
                if headers.get("connection") == "close":
                    closes.append(n)
                    break
            sock.close()
            assert closes == ([closes_on] if closes_on else [])
        app.state.runtime.close()
    finally:
        torch.set_num_threads(threads)
        get_settings.cache_clear()


def test_the_setting_is_read_from_the_environment_and_refuses_negatives(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import Settings

    monkeypatch.delenv("PRODOPS_SERVE_KEEPALIVE_REQUESTS", raising=False)
    assert Settings().serve_keepalive_requests == 25
    monkeypatch.setenv("PRODOPS_SERVE_KEEPALIVE_REQUESTS", "0")
    assert Settings().serve_keepalive_requests == 0
    monkeypatch.setenv("PRODOPS_SERVE_KEEPALIVE_REQUESTS", "-1")
    with pytest.raises(ValueError, match="serve_keepalive_requests"):
        Settings()
