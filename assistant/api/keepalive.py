"""Kept-alive connections are asked to reconnect now and then, so several server processes share the clients.

Why: `prodops serve --workers N` runs N processes accepting on one socket, and a process's event loop accepts
every connection waiting when it wakes. Clients that connect together (a page's burst, a proxy's pool, a load
test) all land on one process and stay there for as long as they keep the connection alive: measured with 16
clients on 2 cores, one run put 100% of the CPU in one of two processes, serving 126 req/s where an even split
served 160 (``benchmarks/load.py --workers 2``, which prints the split). After ``limit`` requests on a
connection the reply says ``Connection: close``; the client reconnects (HTTP/1.1 clients do so by themselves)
and the connection is accepted by whichever process is free to accept first: the less busy one. Reverse
proxies bound requests per connection for similar reasons (nginx's ``keepalive_requests``).

A connection is known by its client address (host, port), which is unique while it is open; an address reused
later by a new connection may inherit a count, and is then only asked to reconnect sooner.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TRACKED = 10_000  # connections counted at once; past this the oldest counts are forgotten


class BoundedKeepAlive:
    """Pure ASGI middleware: the ``limit``-th reply on a connection carries ``Connection: close`` (0: never)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._served: dict[tuple[Any, ...], int] = {}  # requests answered per open connection, oldest first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or self.limit <= 0 or not client:
            await self.app(scope, receive, send)
            return
        key = tuple(client)
        served = self._served.pop(key, 0) + 1  # one event loop per process: no lock needed
        if served < self.limit:
            self._served[key] = served
            if len(self._served) > TRACKED:
                del self._served[next(iter(self._served))]
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)
