"""Conversation history in SQLite (local to one node, see the README) and follow-up condensing.

A follow-up such as "and for the Growth team?" only makes sense with the previous question. With a language
model configured, a prompt rewrites it into a standalone question; offline, a deterministic rule does: a short
or elliptical follow-up is appended to the last question the user asked.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant.errors import NotFound
from assistant.sqlite_file import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL, position INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (conversation_id, position)
);
"""
_ELLIPTICAL = re.compile(r"^(and what about|and how about|what about|how about|and also|also|and|same|then)\b\s*", re.I)
_PREPOSITION = re.compile(r"^(for|in|at|on|with|from|by|during|across|among|since|before|after)\b", re.I)
_REFERRING = re.compile(r"\b(it|its|they|them|their|that|those|these|this|there|he|she|his|her)\b", re.I)


class Message(BaseModel):
    role: str
    content: str
    created: str = ""
    extra: dict[str, object] = {}


class Conversation(BaseModel):
    id: str
    messages: list[Message]


class ConversationStore(SqliteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def append(self, conversation_id: str, owner: str, message: Message) -> None:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            row = self._db.execute(
                "SELECT coalesce(max(position), -1) + 1, max(owner) FROM messages WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            if row[1] is not None and row[1] != owner:
                raise NotFound(f"conversation {conversation_id} not found")
            self._db.execute(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, row[0], message.role, message.content, owner, created, json.dumps(message.extra)),
            )

    def get(self, conversation_id: str, owner: str) -> Conversation:
        """A conversation, only for the key (owner) that created it; others get NotFound, not a 403 leak."""
        with self._lock:
            rows = self._db.execute(
                "SELECT role, content, created, extra, owner FROM messages WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        if not rows or rows[0][4] != owner:
            raise NotFound(f"conversation {conversation_id} not found")
        return Conversation(
            id=conversation_id,
            messages=[Message(role=r, content=c, created=t, extra=json.loads(e)) for r, c, t, e, _ in rows],
        )


def condense_rule(history: list[Message], question: str) -> str:
    """Deterministic standalone question: elliptical or referring follow-ups borrow the last user question."""
    previous = [m.content for m in history if m.role == "user"]
    if not previous:
        return question
    last = previous[-1].strip()
    stripped = question.strip()
    short = len(stripped.split()) <= 6
    if _ELLIPTICAL.match(stripped) or _PREPOSITION.match(stripped) or (short and _REFERRING.search(stripped)):
        follow = _ELLIPTICAL.sub("", stripped).strip(" ?,.")
        if not follow:
            return last
        joiner = " " if _PREPOSITION.match(follow) else " — "
        return f"{last.rstrip('?. ')}{joiner}{follow}?"
    return question
