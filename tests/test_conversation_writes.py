"""Conversation history written by several server processes at once (``prodops serve --workers N``): every
question and its answer land together, in order, none lost and no position taken twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from assistant.store.conversations import ConversationStore

WRITER = """
import sys
from pathlib import Path
from assistant.store.conversations import ConversationStore, Message
store = ConversationStore(Path(sys.argv[1]))
for i in range(40):
    store.append("shared", "owner-1", Message(role="user", content=f"{sys.argv[2]} q{i}"),
                 Message(role="assistant", content=f"{sys.argv[2]} a{i}"))
store.close()
"""


def test_two_processes_appending_to_one_conversation_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    ConversationStore(path).close()  # the schema exists before the writers race
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name], stderr=subprocess.PIPE, text=True)
               for name in ("left", "right")]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    store = ConversationStore(path)
    messages = store.get("shared", "owner-1").messages
    store.close()
    assert len(messages) == 160
    for question, answer in zip(messages[::2], messages[1::2], strict=True):  # each answer right after its question
        assert question.role == "user" and answer.role == "assistant"
        assert answer.content == question.content.replace(" q", " a")
    for name in ("left", "right"):  # each writer's turns in the order it wrote them
        mine = [m.content for m in messages if m.content.startswith(name) and m.role == "user"]
        assert mine == [f"{name} q{i}" for i in range(40)]
