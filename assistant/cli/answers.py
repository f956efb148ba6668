"""How `prodops ask` and `chat` print an answer: the JSON contract and the terminal form."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from assistant.schemas import Answer

console = Console()

def answer_json(answer: Answer) -> dict[str, object]:
    """The `ask --json` contract (the API's chat response has the same fields plus conversation_id)."""
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "citations": [{"n": c.n, "chunk_id": c.chunk_id, "source": c.source, "text": c.text}
                      for c in answer.citations],
        "sentences": [{"text": s.text, "citations": s.citations, "supported": s.supported, "score": s.score}
                      for s in answer.sentences],
        "invalid_citations": answer.invalid_citations,
        "query": answer.query,
        "fallback": answer.fallback.model_dump() if answer.fallback else None,
        "removed": [{"text": s.text, "supported": s.supported, "score": s.score} for s in answer.removed],
    }


def print_notice(answer: Answer, err: Console) -> None:
    """One line on stderr when the model's answer was replaced by the offline one (exit code stays 0)."""
    if answer.fallback is not None:
        err.print(f"[yellow]note:[/yellow] {escape(answer.fallback.message)}", soft_wrap=True)


def print_answer(answer: Answer) -> None:
    style = "yellow" if answer.abstained else "bold"
    console.print(f"[{style}]{escape(answer.answer)}[/{style}]")
    for sentence in answer.sentences:
        if not sentence.supported:
            console.print(f"  [red]unsupported ({sentence.score:.2f}):[/red] {escape(sentence.text)}")
    for c in answer.citations:
        snippet = " ".join(c.text.split())
        console.print(f"  [cyan][{c.n}][/cyan] {escape(c.source)} — {escape(snippet[:160])}")
