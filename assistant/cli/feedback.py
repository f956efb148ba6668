"""`prodops feedback export`: answers people rated in the web page, as golden-set candidates (eval YAML).

A thumbs-up on an answer is evidence the question is answerable from the sources it cited; a thumbs-up on an
abstention says the abstention was right; a thumbs-down is a question the team cares about that prodops got
wrong, the most useful kind of case, exported with empty expectations for a person to fill in. Every case keeps
the rating, the note and the answer under ``review`` (ignored by the eval loader) so the reviewer sees why it is
there. The file validates as an eval dataset (``evals/dataset.py``), so it can be merged into one directly.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from assistant.cli.common import JsonOpt, friendly_errors
from assistant.config import Settings
from assistant.errors import StoreUnavailable
from assistant.runtime import Runtime, default_runtime
from assistant.schemas import Kind
from assistant.store.conversations import ConversationStore, FeedbackItem

feedback_app = typer.Typer(help="Answer feedback from the web page: export it as golden-set candidates.",
                           no_args_is_help=True)
CATEGORY_OF_KIND = {Kind.STRATEGY: "alignment", Kind.METRICS: "metrics", Kind.INTERVIEW: "research",
                    Kind.NOTE: "strategy"}
HEADER = ("# Golden-set candidates from answer feedback (prodops feedback export). Review each case: fill in\n"
          "# key_facts, check relevant_sources and answerable, then move it into a dataset under evals/datasets/.\n")


def _kinds(runtime: Runtime) -> dict[str, Kind]:
    try:
        return {r.path: r.kind for r in runtime.store.sources()}
    except StoreUnavailable:
        return {}  # categories fall back to "research"; the export itself needs no store


def _team_of(settings: Settings, owner: str) -> str | None:
    """The rater's team when their key is a team member's (so the case is asked with the same scope)."""
    for key in settings.api_keys:
        if owner in (key.name, key.key_sha256) and key.role != "admin":
            return key.team
    return None


def candidate(item: FeedbackItem, kinds: dict[str, Kind], settings: Settings) -> dict[str, Any]:
    """One eval question case (plus a ``review`` block) from one rated answer."""
    answer: dict[str, Any] = item.extra.get("answer") or {}  # type: ignore[assignment]
    abstained = bool(answer.get("abstained", False))
    sources = list(dict.fromkeys(c["source"] for c in answer.get("citations", []) if c.get("source")))
    counted = Counter(CATEGORY_OF_KIND.get(kinds[s], "research") for s in sources if s in kinds)
    case: dict[str, Any] = {
        "id": f"fb-{item.conversation_id[:8]}-{item.position}",
        "question": answer.get("query") or item.question,
        "category": counted.most_common(1)[0][0] if counted else "research",
        "answerable": not (abstained and item.rating == "up"),
        "relevant_sources": sources if item.rating == "up" and not abstained else [],
        "key_facts": [],
    }
    team = _team_of(settings, item.owner)
    if team:
        case["team"] = team
    case["review"] = {"rating": item.rating, "note": item.note, "rated": item.created, "asked": item.question,
                      "answer": item.answer, "cited_sources": sources, "conversation_id": item.conversation_id}
    return case


def export_dataset(runtime: Runtime, rating: str | None = None) -> dict[str, Any]:
    """The eval dataset document for every rated answer (or only ``up``/``down`` ones)."""
    items = ConversationStore(runtime.settings.conversations_path).feedback_items(rating)  # type: ignore[arg-type]
    kinds = _kinds(runtime) if items else {}
    return {
        "name": "feedback-candidates",
        "workspace": str(runtime.settings.workspace),
        "thresholds": {},
        "questions": [candidate(item, kinds, runtime.settings) for item in items],
    }


@feedback_app.command("export")
@friendly_errors
def export(
    out: Annotated[Path | None, typer.Option("--out", help="Write the YAML here instead of printing it.")] = None,
    rating: Annotated[str | None, typer.Option("--rating", help="Only 'up' or only 'down' ratings.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rated answers as eval-dataset YAML (evals/datasets/ schema), ready for review."""
    from assistant.errors import ProdopsError

    if rating not in (None, "up", "down"):
        raise ProdopsError(f"--rating {rating!r}: use up or down (or leave it out for both)")
    dataset = export_dataset(default_runtime(), rating)
    text = json.dumps(dataset) + "\n" if as_json else HEADER + yaml.safe_dump(dataset, sort_keys=False,
                                                                             allow_unicode=True, width=100)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {len(dataset['questions'])} candidates to {out}", err=True)
