"""Should a participant's turn be embedded with the interviewer's question? Retrieval gain vs scripted pull.

Usage::

    PYTHONPATH=. python benchmarks/turn_vectors.py DATA_DIR

DATA_DIR holds ingested podcast episodes (``lennys-podcast/episodes/<name>/transcript.md``) and the dev set is
read from ``../shared/evals/realdata-dev.yaml``. Two vectors per participant turn are compared: its own words
(what prodops stores) and "question + answer" (what it stored before). Printed for each:

* dense retrieval of the dev set's research questions about those episodes: the rank of the first participant
  turn holding the question's evidence, as MRR and recall@10 over all participant turns;
* the scripted pull: mean cosine between answers to scripted questions in different episodes, minus the mean
  cosine between conversation answers in different episodes (how much a shared question pulls answers
  together, which is what makes scripted rounds look like themes).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import numpy as np
import yaml

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.schemas import Chunk

SHARED = Path(os.environ.get("PRODOPS_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip().lower()


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def _pull(vectors: np.ndarray, turns: list[Chunk], segment: str) -> float:
    index = [i for i, t in enumerate(turns) if t.meta.segment == segment]
    sims = vectors[index] @ vectors[index].T
    sources = np.array([turns[i].meta.source for i in index])
    other = sources[:, None] != sources[None, :]
    return float(sims[other].mean()) if other.any() else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    args = parser.parse_args()
    runtime = Runtime(Settings(data_dir=Path(args.data_dir)))
    turns = sorted(runtime.store.iter_chunks(where={"speaker_is_participant": True}), key=lambda c: c.id)
    own = _unit(np.asarray(runtime.store.vectors([t.id for t in turns]), dtype=np.float32))
    with_question = _unit(np.asarray(runtime.embedder.embed_documents([f"{t.context}\n{t.text}" for t in turns]),
                                     dtype=np.float32))
    stored = {t.meta.source for t in turns}
    dev = yaml.safe_load((SHARED / "evals" / "realdata-dev.yaml").read_text(encoding="utf-8"))
    questions = [q for q in dev["questions"] if q["kind"] == "research"
                 and set(q["gold_sources"]) <= stored and q["evidence"]]
    print(f"{len(turns)} participant turns, {len(questions)} research questions about stored episodes\n")
    print(f"| {'vector':20s} | {'MRR':>6s} | {'recall@10':>9s} | {'scripted pull':>13s} |")
    print(f"|{'-' * 22}|{'-' * 8}|{'-' * 11}|{'-' * 15}|")
    for name, vectors in (("own words (stored)", own), ("question + answer", with_question)):
        ranks = []
        for q in questions:
            gold = {i for i, t in enumerate(turns) if t.meta.source in q["gold_sources"]
                    and any(_norm(line)[:60] in _norm(t.text) for line in q["evidence"].splitlines() if line)}
            if not gold:
                continue
            query = _unit(np.asarray(runtime.embedder.embed_query(q["question"]), dtype=np.float32)[None, :])[0]
            order = np.argsort(-(vectors @ query), kind="stable")
            ranks.append(next(r for r, i in enumerate(order, start=1) if int(i) in gold))
        mrr = float(np.mean([1 / r for r in ranks])) if ranks else float("nan")
        recall = float(np.mean([r <= 10 for r in ranks])) if ranks else float("nan")
        pull = _pull(vectors, turns, "scripted") - _pull(vectors, turns, "conversation")
        print(f"| {name:20s} | {mrr:6.3f} | {recall:9.2f} | {pull:+13.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
