"""Conversation history in SQLite (local to one node, see the README), owned by the key that started it.

Each owner sees a list of their conversations (newest first, titled by the first question), can reopen or delete
one, and can rate any answer (up or down, with an optional note). Ratings are kept beside the messages they
rate, so ``prodops feedback export`` can turn them into golden-set candidates with the question, the answer and
its cited sources.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant.errors import NotFound, ProdopsError
from assistant.store.sqlite_file import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL, position INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (conversation_id, position)
);
CREATE INDEX IF NOT EXISTS messages_owner ON messages (owner, conversation_id);
CREATE TABLE IF NOT EXISTS feedback (
    conversation_id TEXT NOT NULL, position INTEGER NOT NULL, owner TEXT NOT NULL, rating TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', created TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
"""
TITLE_CHARS = 80


Rating = Literal["up", "down"]


class Feedback(BaseModel):
    """A reader's verdict on one answer."""

    rating: Rating
    note: str = Field(default="", max_length=2000)
    created: str = ""


class Message(BaseModel):
    role: str
    content: str
    created: str = ""
    extra: dict[str, object] = {}
    position: int = 0
    feedback: Feedback | None = None


class Conversation(BaseModel):
    id: str
    messages: list[Message]


class ConversationSummary(BaseModel):
    """One line of an owner's conversation list."""

    id: str
    title: str
    created: str
    updated: str
    messages: int


class FeedbackItem(BaseModel):
    """A rated answer with the question that led to it (what an export turns into a golden-set case)."""

    conversation_id: str
    position: int
    owner: str
    rating: Rating
    note: str
    created: str
    question: str
    answer: str
    extra: dict[str, object] = {}


class ConversationStore(SqliteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def append(self, conversation_id: str, owner: str, *messages: Message) -> None:
        """Add ``messages`` at the end of the conversation, in one transaction (one disk sync for a question and
        its answer). The write lock is taken before the next position is read (BEGIN IMMEDIATE), so several
        server processes appending to one conversation never pick the same position."""
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT coalesce(max(position), -1) + 1, max(owner) FROM messages WHERE conversation_id = ?",
                    (conversation_id,),
                ).fetchone()
                if row[1] is not None and row[1] != owner:
                    raise NotFound(f"conversation {conversation_id} not found")
                self._db.executemany(
                    "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(conversation_id, row[0] + i, m.role, m.content, owner, created, json.dumps(m.extra))
                     for i, m in enumerate(messages)],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, conversation_id: str, owner: str) -> Conversation:
        """A conversation, only for the key (owner) that created it; others get NotFound, not a 403 leak."""
        with self._lock:
            rows = self._db.execute(
                "SELECT role, content, created, extra, owner FROM messages WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        if not rows or rows[0][4] != owner:
            raise NotFound(f"conversation {conversation_id} not found")
        with self._lock:
            rated = {
                position: Feedback(rating=rating, note=note, created=created)
                for position, rating, note, created in self._db.execute(
                    "SELECT position, rating, note, created FROM feedback WHERE conversation_id = ?",
                    (conversation_id,),
                )
            }
        return Conversation(
            id=conversation_id,
            messages=[Message(role=r, content=c, created=t, extra=json.loads(e), position=i, feedback=rated.get(i))
                      for i, (r, c, t, e, _) in enumerate(rows)],
        )

    def summaries(self, owner: str, limit: int = 100) -> list[ConversationSummary]:
        """The owner's conversations, most recently active first, titled by their first question."""
        with self._lock:
            rows = self._db.execute(
                """SELECT conversation_id, min(created), max(created), count(*),
                          (SELECT content FROM messages f WHERE f.conversation_id = m.conversation_id
                           ORDER BY position LIMIT 1)
                   FROM messages m WHERE owner = ? GROUP BY conversation_id
                   ORDER BY max(created) DESC, max(rowid) DESC LIMIT ?""",
                (owner, limit),
            ).fetchall()
        return [ConversationSummary(id=cid, title=_title(first), created=created, updated=updated, messages=count)
                for cid, created, updated, count, first in rows]

    def delete(self, conversation_id: str, owner: str) -> None:
        """Remove a conversation and its ratings; only its owner can (others get NotFound)."""
        self.get(conversation_id, owner)
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM feedback WHERE conversation_id = ?", (conversation_id,))
            self._db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            self._db.execute("COMMIT")

    def rate(self, conversation_id: str, owner: str, position: int, feedback: Feedback) -> Feedback:
        """Store (or replace) the owner's rating of the answer at ``position``."""
        messages = self.get(conversation_id, owner).messages
        if not 0 <= position < len(messages) or messages[position].role != "assistant":
            raise ProdopsError(f"message {position} of conversation {conversation_id} is not an answer: rate an "
                               "assistant message")
        stored = feedback.model_copy(update={"created": datetime.now(UTC).isoformat(timespec="seconds")})
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, position, owner, stored.rating, stored.note, stored.created),
            )
        return stored

    def feedback_items(self, rating: Rating | None = None) -> list[FeedbackItem]:
        """Every rated answer (optionally one rating) with its question, oldest first, for export."""
        query = """SELECT f.conversation_id, f.position, f.owner, f.rating, f.note, f.created, a.content, a.extra,
                          (SELECT q.content FROM messages q WHERE q.conversation_id = f.conversation_id
                           AND q.position < f.position AND q.role = 'user' ORDER BY q.position DESC LIMIT 1)
                   FROM feedback f JOIN messages a
                     ON a.conversation_id = f.conversation_id AND a.position = f.position"""
        args: tuple[str, ...] = ()
        if rating is not None:
            query += " WHERE f.rating = ?"
            args = (rating,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY f.created, f.conversation_id, f.position", args).fetchall()
        return [FeedbackItem(conversation_id=cid, position=pos, owner=owner, rating=rat, note=note, created=created,
                             answer=answer, extra=json.loads(extra), question=question or "")
                for cid, pos, owner, rat, note, created, answer, extra, question in rows]


def _title(first: str | None) -> str:
    text = " ".join((first or "").split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"
