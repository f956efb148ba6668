"""API keys -> caller identity and team scope. Keys are compared as SHA-256 digests in constant time."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import BaseModel

from assistant.config import Settings


class Caller(BaseModel):
    """Who is asking; ``scope`` None means every team's documents (open mode or an admin key).

    ``owner`` is what conversations, feedback and jobs belong to: derived from the key itself, never from its
    name (two people called "ana" in different teams are different owners; renaming a key keeps its history).
    """

    name: str
    team: str | None
    role: str
    scope: list[str] | None
    owner: str


OPEN_CALLER = Caller(name="open", team=None, role="admin", scope=None, owner="open")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def owner_id(key_digest: str) -> str:
    """The owner id of a key: a hash of its digest (so stored rows never hold the digest that config holds)."""
    return "key:" + hashlib.sha256(("prodops-owner:" + key_digest.lower()).encode()).hexdigest()[:32]


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
    return Caller(name=match.name, team=match.team, role=match.role, scope=scope, owner=owner_id(presented_digest))
