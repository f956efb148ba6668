"""Conversation history in SQLite (local to one node, see the README), owned by the key that started it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant.errors import NotFound
from assistant.store.sqlite_file import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL, position INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (conversation_id, position)
);
"""


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
