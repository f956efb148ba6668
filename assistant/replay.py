"""Stored text shown again is filtered by the caller's scope as it is *now*, not as it was when stored.

A conversation keeps the answers a key was given. If a cited document's visibility has since narrowed, or the
key's team changed, replaying the old answer (or feeding it to a follow-up) would show text the caller may no
longer read. So every stored answer keeps, per sentence, the chunks it cites; on replay, a sentence is kept only
when every chunk it cites is still readable by the caller, and the message says how many were withheld.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.access import Scope, chunk_readable
from assistant.schemas import Answer
from assistant.store.chroma import ChunkStore
from assistant.store.conversations import Message

WITHHELD = "({n} sentence{s} withheld: {it} cite{v} documents you can no longer read.)"


def answer_message(answer: Answer) -> Message:
    """The stored form of an answer: its text plus, per sentence, the chunk ids it cites, and the whole answer
    for the web page (dropped on replay when any cited chunk is no longer readable)."""
    by_n = {c.n: c.chunk_id for c in answer.citations}
    sentences = [{"text": s.text, "chunk_ids": [by_n[n] for n in s.citations if n in by_n]}
                 for s in answer.sentences]
    return Message(role="assistant", content=answer.answer,
                   extra={"citations": [c.chunk_id for c in answer.citations], "sentences": sentences,
                          "answer": answer.model_dump(mode="json")})  # what the page re-renders on reopening


def _ids(value: object) -> list[str]:
    return [str(i) for i in value] if isinstance(value, list) else []


def refilter(messages: Sequence[Message], store: ChunkStore, scope: Scope) -> list[Message]:
    """``messages`` as ``scope`` may see them today (unrestricted callers see them unchanged)."""
    if scope is None:
        return list(messages)
    cited = sorted({i for m in messages for i in _ids(m.extra.get("citations"))})
    readable = {c.id for c in store.get_chunks(cited) if chunk_readable(c, scope)}
    shown: list[Message] = []
    for message in messages:
        ids = _ids(message.extra.get("citations"))
        if message.role != "assistant" or set(ids) <= readable:
            shown.append(message)
            continue
        raw = message.extra.get("sentences")
        sentences = [s for s in raw if isinstance(s, dict)] if isinstance(raw, list) else []
        kept = [s for s in sentences if _ids(s.get("chunk_ids")) and set(_ids(s.get("chunk_ids"))) <= readable]
        withheld = max(len(sentences) - len(kept), 1)
        notice = WITHHELD.format(n=withheld, s="" if withheld == 1 else "s", it="it" if withheld == 1 else "they",
                                 v="s" if withheld == 1 else "")
        text = " ".join([*(str(s.get("text", "")) for s in kept), notice])
        shown.append(Message(role=message.role, content=text, created=message.created,
                             extra={"citations": [i for i in ids if i in readable], "sentences": kept,
                                    "withheld": withheld}))
    return shown
