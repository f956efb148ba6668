"""Option values checked before any work starts: kinds (with folder aliases), teams, dates, ports.

A filter that matches nothing looks exactly like "the sources don't cover this", after a long wait; so an
unknown team, a reversed date range or a port that can't exist is refused up front, in one line that says what
is accepted.
"""

from __future__ import annotations

import datetime as dt
import socket
from typing import Annotated

import typer

from assistant.errors import ProdopsError
from assistant.runtime import Runtime
from assistant.schemas import Kind, SearchFilters

KindOpt = Annotated[list[str] | None, typer.Option(
    "--kind", help="Only this kind (repeatable): strategy, interview, metrics, note; folder names such as "
    "roadmap, okrs, research or reports are accepted as aliases.")]
TeamOpt = Annotated[list[str] | None, typer.Option("--team", help="Only this team's documents (repeatable).")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="From this date, YYYY-MM-DD.")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Up to this date, YYYY-MM-DD.")]


def kind_aliases() -> dict[str, Kind]:
    """Every name accepted for a kind: the kinds, and the folder names ingestion reads as kinds."""
    from ingest.kinds import FOLDER_KINDS
    from ingest.metadata import KIND_VALUES

    return {**FOLDER_KINDS, **KIND_VALUES}


def parse_kinds(values: list[str] | None) -> list[Kind]:
    """``--kind`` values as kinds; ``roadmap`` is ``strategy`` (roadmaps are strategy documents)."""
    if not values:
        return []
    aliases = kind_aliases()
    kinds: list[Kind] = []
    for raw in values:
        kind = aliases.get(raw.strip().lower())
        if kind is None:
            names = ", ".join(k.value for k in Kind)
            raise ProdopsError(f"--kind {raw!r} is not a kind: use {names} (or a folder name such as roadmap, "
                               "okrs, research, notes or reports)")
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def parse_date(raw: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value; a user mistake becomes a one-line error, not a usage dump."""
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ProdopsError(f"{option} {raw!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-01") from exc


def date_range(since: str | None, until: str | None) -> tuple[dt.date | None, dt.date | None]:
    """(since, until), refused when since is after until (that range holds nothing)."""
    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    if start and end and start > end:
        raise ProdopsError(f"--since {start} is after --until {end}: nothing can match; swap the two dates")
    return start, end


def known_teams(runtime: Runtime) -> list[str]:
    """Teams that own or may read at least one stored source."""
    teams: set[str] = set()
    for record in runtime.store.sources():
        if record.team:
            teams.add(record.team)
        teams.update(v for v in record.visibility if v != "everyone")
    return sorted(teams, key=str.lower)


def check_teams(runtime: Runtime, values: list[str] | None) -> list[str]:
    """``--team`` values in the store's own spelling; an unknown team is an error that lists the known ones."""
    if not values:
        return []
    known = known_teams(runtime)
    by_key = {team.lower(): team for team in known}
    teams = []
    for raw in values:
        team = by_key.get(raw.strip().lower())
        if team is None:
            listing = ", ".join(known) if known else "none (ingest documents with a team first)"
            raise ProdopsError(f"--team {raw!r} is not a team in the store; known teams: {listing}")
        teams.append(team)
    return teams


def check_team(runtime: Runtime, value: str | None) -> str | None:
    return check_teams(runtime, [value])[0] if value else None


def build_filters(runtime: Runtime, kind: list[str] | None, team: list[str] | None, since: str | None = None,
                  until: str | None = None) -> SearchFilters:
    """Search filters from the shared options, every value checked."""
    kinds = parse_kinds(kind)
    start, end = date_range(since, until)
    return SearchFilters(kinds=kinds, teams=check_teams(runtime, team), date_from=start, date_to=end)


def check_port(host: str, port: int) -> None:
    """A TCP port that exists and is free on ``host``; otherwise say which and what to do."""
    if not 1 <= port <= 65535:
        raise ProdopsError(f"--port {port} is not a TCP port: use a number from 1 to 65535, e.g. --port 8000")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ProdopsError(f"cannot listen on {host}:{port} ({exc.strerror}): pick a free port with --port "
                               "or stop what uses it") from exc
