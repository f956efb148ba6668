"""Load clients in their own process: N keep-alive HTTP/1.1 connections on one asyncio loop, for a bounded time.

Why a separate process and raw sockets: clients in the server's process (threads with an HTTP library) take the
server's interpreter lock and several milliseconds of CPU per request, so the benchmark measured its own clients
as much as the server. Deployed clients run elsewhere; here they run beside the server on the same cores, as
cheaply as a client can (a request is prebuilt bytes, a reply is its status line, headers and body read by
length). Reads a JSON plan on stdin and writes JSON results on stdout:

    plan:    {"port": P, "clients": N, "seconds": S, "requests": [{"path", "body", "key"}, ...], "unique": bool}
    results: {"seconds": S, "cpu_seconds": C, "latencies": {path: [ms, ...]}, "errors": {path: n},
              "samples": [str, ...], "reconnects": n}

Client ``i`` starts at request ``i * 7`` of the list and walks it in order, so clients ask different questions.
A reply with ``Connection: close`` is followed by a new connection, as HTTP/1.1 clients do (counted as a
reconnect, not an error). With ``unique``, every request's question carries a code of its own (" (zq1001)"
before its question mark: a lower-case token no document holds and no name check reads), so no cache keyed by
a question's text helps: people rarely ask the very same words twice.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any


def encode(port: int, path: str, body: dict[str, Any], key: str) -> bytes:
    payload = json.dumps(body).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
                   ) -> tuple[int, bytes, bool]:
    """Send one request on a kept-alive connection; the reply's status, body (read by Content-Length) and
    whether the server will close the connection after it."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length, closing = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
        elif name.strip().lower() == "connection":
            closing = "close" in value.lower()
    return status, await reader.readexactly(length), closing


def coded(question: str, code: int) -> str:
    """The question with its own code before its closing punctuation, so it stays one sentence (a code after the
    question mark would read as a second question)."""
    text = question.rstrip()
    end = len(text.rstrip("?.!"))
    return f"{text[:end]} (zq{code}){text[end:]}"


def with_code(body: dict[str, Any], code: int) -> dict[str, Any]:
    """The request body with its question (a chat's last message, a search's query) carrying its own code."""
    marked = json.loads(json.dumps(body))
    if "messages" in marked:
        marked["messages"][-1]["content"] = coded(marked["messages"][-1]["content"], code)
    else:
        marked["query"] = coded(marked["query"], code)
    return marked


async def client(plan: dict[str, Any], index: int, deadline: float, out: dict[str, Any]) -> None:
    requests = plan["requests"]
    prebuilt = [(r["path"], encode(plan["port"], r["path"], r["body"], r["key"])) for r in requests]
    reader, writer = await asyncio.open_connection("127.0.0.1", plan["port"])
    i = index * 7
    try:
        while time.monotonic() < deadline:
            path, request = prebuilt[i % len(prebuilt)]
            if plan.get("unique"):
                r = requests[i % len(requests)]
                out["asked"] += 1
                request = encode(plan["port"], path, with_code(r["body"], 1000 + index * 1_000_000 + out["asked"]),
                                 r["key"])
            started = time.perf_counter()
            error = None
            try:
                status, body, closing = await exchange(reader, writer, request)
                if status != 200:
                    error = f"HTTP {status}: {body[:200].decode(errors='replace')}"
                if closing:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", plan["port"])
                    out["reconnects"] += 1
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", plan["port"])
            out["latencies"].setdefault(path, []).append((time.perf_counter() - started) * 1000)
            if error is not None:
                out["errors"][path] = out["errors"].get(path, 0) + 1
                if len(out["samples"]) < 5:
                    out["samples"].append(f"{path}: {error}")
            i += 1
    finally:
        writer.close()


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"latencies": {}, "errors": {}, "samples": [], "reconnects": 0, "asked": 0}
    start = time.monotonic()
    deadline = start + plan["seconds"]
    await asyncio.gather(*(client(plan, i, deadline, out) for i in range(plan["clients"])))
    out["seconds"] = time.monotonic() - start  # includes the requests in flight at the deadline
    out["cpu_seconds"] = time.process_time()  # the clients' own CPU (this process does nothing else)
    return out


def main() -> None:
    plan = json.load(sys.stdin)
    json.dump(asyncio.run(run(plan)), sys.stdout)


if __name__ == "__main__":
    main()
