"""API keys -> caller identity and team scope. Keys are compared as SHA-256 digests in constant time."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import BaseModel

from assistant.config import Settings


class Caller(BaseModel):
    """Who is asking; ``scope`` None means every team's documents (open mode or an admin key)."""

    name: str
    team: str | None
    role: str
    scope: list[str] | None


OPEN_CALLER = Caller(name="open", team=None, role="admin", scope=None)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def authenticate(settings: Settings, presented: str | None) -> Caller | None:
    """The caller for a presented key, or None when it matches no configured key."""
    if not settings.api_keys:
        return OPEN_CALLER
    if not presented:
        return None
    presented_digest = digest(presented)
    match = None
    for entry in settings.api_keys:
        expected = entry.key_sha256 or digest(entry.key or "")
        if hmac.compare_digest(presented_digest, expected.lower()) and match is None:
            match = entry  # keep looping: the time taken must not depend on which key matched
    if match is None:
        return None
    scope = None if match.role == "admin" else [match.team]
    return Caller(name=match.name, team=match.team, role=match.role, scope=scope)
