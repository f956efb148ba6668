"""A real language model through prodops: overhead against a raw OpenAI-client call, and verified answers on the
real-data dev set.

1. Overhead. For the same prompts on the same server (prompts prodops builds for sample-workspace questions),
   time to first token and total time through prodops' synthesizer (LangChain, the bounded client, citation
   parsing, grounding check, the verify-or-fallback step) against the OpenAI client streaming the same
   messages with the same limits. Goal: prodops / raw <= 1.1. Calls alternate, each after a one-token call with
   an unrelated prompt so neither side reuses the other's cached prompt, and temperature 0 makes both sides
   generate the same tokens (checked).
2. Dev set. With the local model, questions from ../shared/evals/realdata-dev.yaml (a subset by default: the
   model is slow on CPU; `--dev-per-kind`) over the documents they need plus distractor transcripts: the share of
   answers the model wrote and prodops verified, the share that fell back (by reason) and key-fact coverage of
   the answers shown (matching rule of ../shared/evals/README.md), beside the offline extractive answers.

    python benchmarks/llm.py [--gguf FILE | --base-url URL --model NAME] [--ctx 2048] [--repeats 3]
                             [--dev-per-kind 4] [--skip-dev] [--json OUT]

Without --base-url it starts the bundled SmolLM2 (the `local` extra) on a free loopback port and stops it at
the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from assistant.chat import ChatService
from assistant.config import Settings
from assistant.embeddings.minilm import get_embedder
from assistant.llm import ModelClient, model_client
from assistant.localmodel.server import running_server
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Answer
from assistant.synthesis.extractive import ExtractiveSynthesizer
from assistant.synthesis.llm import LLMSynthesizer
from assistant.synthesis.verified import VerifiedSynthesizer
from ingest.pipeline import ingest_paths

REPO = Path(__file__).resolve().parents[1]
SAMPLE_QUESTIONS = [
    "Which objective does the SSO and SCIM work serve?",
    "Why do enterprise deals stall in security review?",
    "What do customers say about exporting reports?",
    "What is the p95 latency target?",
]
DEV_KINDS = ("alignment", "research", "unanswerable")  # metric answers come from tables, not from the model


def fact_found(fact: str, answer: str) -> bool:
    """The dev set's rule: lower-case, drop whitespace, commas, $ and %, then a substring test."""
    return _norm(fact) in _norm(answer)


def _norm(text: str) -> str:
    return re.sub(r"[\s,$%]", "", text.lower())


@contextmanager
def model_server(args: argparse.Namespace, log_dir: Path) -> Iterator[tuple[str, str, int]]:
    if args.base_url:
        yield args.base_url, args.model, args.ctx
        return
    with running_server(log_dir, Path(args.gguf) if args.gguf else None, ctx=args.ctx) as info:
        yield info.base_url, info.alias, info.ctx


def client_for(url: str, name: str, ctx: int, max_tokens: int) -> ModelClient:
    settings = Settings(_env_file=None, llm_model=name, llm_base_url=url, llm_context_tokens=ctx,  # type: ignore[call-arg]
                        llm_max_tokens_answer=max_tokens, llm_timeout=300, llm_retries=0, llm_retry_after=0)
    client = model_client(settings)
    assert client is not None
    return client


# --- 1. overhead ------------------------------------------------------------------------------------------------


def raw_call(openai_client: Any, name: str, messages: list[dict[str, str]],
             max_tokens: int) -> tuple[float, float, str]:
    began = time.perf_counter()
    first = 0.0
    parts: list[str] = []
    stream = openai_client.chat.completions.create(model=name, messages=messages, max_tokens=max_tokens,
                                                   temperature=0, stream=True)
    for chunk in stream:
        delta = chunk.choices[0].delta.content if chunk.choices else None
        if delta:
            first = first or time.perf_counter() - began
            parts.append(delta)
    return first, time.perf_counter() - began, "".join(parts)


def prodops_call(synthesizer: VerifiedSynthesizer, question: str,
                 hits: list[Any]) -> tuple[float, float, str, Answer, float]:
    """TTFT, total, the streamed text, the final answer, and prodops' own time after the last token (parsing,
    grounding check, verify-or-fallback): the part of the total that load on the machine doesn't blur."""
    began = time.perf_counter()
    first = last = 0.0
    parts: list[str] = []
    final: Answer | None = None
    for item in synthesizer.stream(question, hits):
        if isinstance(item, Answer):
            final = item
        else:
            last = time.perf_counter()
            first = first or last - began
            parts.append(item)
    assert final is not None
    done = time.perf_counter()
    return first, done - began, "".join(parts), final, done - (last or done)


def overhead(runtime: Runtime, url: str, name: str, ctx: int, repeats: int, max_tokens: int) -> dict[str, Any]:
    import openai

    client = client_for(url, name, ctx, max_tokens)
    raw = openai.OpenAI(base_url=url, api_key="not-needed", timeout=300, max_retries=0)
    synthesizer = VerifiedSynthesizer(LLMSynthesizer(client), ExtractiveSynthesizer())
    retriever = HybridRetriever(runtime)

    def flush() -> None:  # an unrelated prompt, so the next call re-reads its whole prompt
        raw.chat.completions.create(model=name, messages=[{"role": "user", "content": f"Say OK {time.time()}."}],
                                    max_tokens=1, temperature=0)

    rows = []
    for question in SAMPLE_QUESTIONS:
        hits = retriever.search(question, k=6)
        messages, _ = synthesizer.model.prompt(question, hits)
        wire = [{"role": "system" if i == 0 else "user", "content": str(m.content)} for i, m in enumerate(messages)]
        samples: dict[str, list[float]] = {"raw_ttft": [], "raw_total": [], "ttft": [], "total": [], "after": []}
        same = True
        verdict = ""
        for repeat in range(repeats):
            order = ("raw", "prodops") if repeat % 2 == 0 else ("prodops", "raw")
            texts = {}
            for side in order:
                flush()
                if side == "raw":
                    ttft, total, texts[side] = raw_call(raw, name, wire, max_tokens)
                    samples["raw_ttft"].append(ttft)
                    samples["raw_total"].append(total)
                else:
                    ttft, total, texts[side], final, after = prodops_call(synthesizer, question, hits)
                    samples["ttft"].append(ttft)
                    samples["total"].append(total)
                    samples["after"].append(after)
                    verdict = final.fallback.reason if final.fallback else "verified"
            same = same and texts["raw"] == texts["prodops"]
        row: dict[str, Any] = {key: statistics.median(values) for key, values in samples.items()}
        row.update(question=question, same_output=same, verdict=verdict,
                   ttft_ratio=row["ttft"] / row["raw_ttft"], total_ratio=row["total"] / row["raw_total"])
        rows.append(row)
        print(f"  {question[:50]:50} ttft {row['raw_ttft']:.2f}/{row['ttft']:.2f} s  total {row['raw_total']:.2f}/"
              f"{row['total']:.2f} s  same={same} {verdict}", file=sys.stderr)
    return {"rows": rows, "ttft_ratio": statistics.median(r["ttft_ratio"] for r in rows),
            "total_ratio": statistics.median(r["total_ratio"] for r in rows),
            "after_ms": 1000 * statistics.median(r["after"] for r in rows)}


# --- 2. dev set -------------------------------------------------------------------------------------------------


def dev_subset(shared: Path, per_kind: int) -> list[dict[str, Any]]:
    data = yaml.safe_load((shared / "evals" / "realdata-dev.yaml").read_text(encoding="utf-8"))
    chosen: list[dict[str, Any]] = []
    for kind in DEV_KINDS:
        chosen += [q for q in data["questions"] if q["kind"] == kind][:per_kind]
    return chosen


def dev_workspace(shared: Path, questions: list[dict[str, Any]], root: Path, distractors: int = 2) -> Path:
    """The handbook, every gold transcript, and a few other transcripts, copied into a scratch workspace."""
    corpus = shared / "corpus"
    shutil.copytree(corpus / "sourcegraph-handbook" / "content", root / "sourcegraph-handbook" / "content")
    gold = {g for q in questions for g in q["gold_sources"] if g.startswith("lennys-podcast/")}
    episodes = (corpus / "lennys-podcast" / "episodes").glob("*/transcript.md")
    others = sorted({str(p.relative_to(corpus)) for p in episodes} - gold)[:distractors]
    for rel in sorted(gold) + others:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(corpus / rel, root / rel)
    return root


def dev_set(runtime: Runtime, questions: list[dict[str, Any]], url: str, name: str, ctx: int,
            max_tokens: int) -> dict[str, Any]:
    offline = ChatService(runtime)  # the runtime's settings name no model: extractive
    with_model = ChatService(runtime, model=client_for(url, name, ctx, max_tokens))
    rows = []
    for q in questions:
        began = time.perf_counter()
        shown = with_model.ask(q["question"])
        seconds = time.perf_counter() - began
        base = offline.ask(q["question"])
        status = "abstained" if shown.abstained and shown.fallback is None else (
            f"fallback:{shown.fallback.reason}" if shown.fallback else "verified")
        facts = q["key_facts"]

        def cover(answer: Answer, facts: list[str] = facts) -> float | None:
            return sum(fact_found(f, answer.answer) for f in facts) / len(facts) if facts else None

        rows.append({"id": q["id"], "kind": q["kind"], "status": status, "seconds": seconds,
                     "key_facts": cover(shown), "offline_key_facts": cover(base), "abstained": shown.abstained,
                     "offline_abstained": base.abstained, "answerable": q["answerable"]})
        print(f"  {q['id']:10} {status:24} {seconds:6.1f} s  facts {cover(shown)} (offline {cover(base)})",
              file=sys.stderr)
    counts = Counter(r["status"] for r in rows)
    scored = [r for r in rows if r["key_facts"] is not None]
    verified = [r for r in scored if r["status"] == "verified"]

    def mean(values: list[float]) -> float:
        return statistics.fmean(values) if values else float("nan")

    return {
        "questions": [r["id"] for r in rows], "rows": rows, "counts": dict(counts),
        "verified_share": counts["verified"] / len(rows),
        "fallback_share": sum(v for k, v in counts.items() if k.startswith("fallback")) / len(rows),
        "key_facts_shown": mean([r["key_facts"] for r in scored]),
        "key_facts_verified": mean([r["key_facts"] for r in verified]),
        "key_facts_offline": mean([r["offline_key_facts"] for r in scored]),
        "unanswerable_abstained": sum(r["abstained"] for r in rows if not r["answerable"]),
        "unanswerable": sum(1 for r in rows if not r["answerable"]),
        "median_seconds": statistics.median(r["seconds"] for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf", help="GGUF file to serve (default: the bundled SmolLM2).")
    parser.add_argument("--base-url", help="Use this OpenAI-compatible server instead of starting one.")
    parser.add_argument("--model", default="local", help="Model name for --base-url.")
    parser.add_argument("--ctx", type=int, default=2048, help="Context window (tokens) to serve and budget for.")
    parser.add_argument("--max-tokens", type=int, default=128, help="Answer token limit on both sides.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dev-per-kind", type=int, default=4, help="Dev-set questions per kind (alignment, "
                        "research, unanswerable).")
    parser.add_argument("--skip-dev", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    shared = Path(os.environ.get("PRODOPS_SHARED_DIR") or REPO.parent / "shared")
    parser.add_argument("--shared", type=Path, default=shared, help="The folder with evals/realdata-dev.yaml and "
                        "corpus/ (default: PRODOPS_SHARED_DIR, else ../shared).")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    embedder = get_embedder(64, "cpu")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, model_server(args, Path(tmp)) as (url, name, ctx):
        print(f"model {name} at {url}, context {ctx}", file=sys.stderr)
        if not args.skip_overhead:
            sample = Runtime(Settings(_env_file=None, data_dir=Path(tmp) / "sample"),  # type: ignore[call-arg]
                             embedder_factory=lambda: embedder)
            ingest_paths(sample, [REPO / "examples" / "workspace"], show_progress=False)
            results["overhead"] = overhead(sample, url, name, ctx, args.repeats, args.max_tokens)
        if not args.skip_dev and not (args.shared / "evals" / "realdata-dev.yaml").exists():
            print(f"dev set skipped: {args.shared}/evals/realdata-dev.yaml not found (pass --shared DIR)",
                  file=sys.stderr)
        elif not args.skip_dev:
            questions = dev_subset(args.shared, args.dev_per_kind)
            workspace = dev_workspace(args.shared, questions, Path(tmp) / "corpus")
            dev = Runtime(Settings(_env_file=None, data_dir=Path(tmp) / "dev"),  # type: ignore[call-arg]
                          embedder_factory=lambda: embedder)
            began = time.perf_counter()
            report = ingest_paths(dev, [workspace], show_progress=False)
            print(f"dev workspace: {report.chunks} chunks in {time.perf_counter() - began:.0f} s", file=sys.stderr)
            results["dev"] = dev_set(dev, questions, url, name, ctx, args.max_tokens)
    print_tables(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


def print_tables(results: dict[str, Any]) -> None:
    if "overhead" in results:
        print_overhead(results["overhead"])
    dev = results.get("dev")
    _print_dev(dev)


def print_overhead(over: dict[str, Any]) -> None:
    print("| question | TTFT raw | TTFT prodops | total raw | total prodops | ratio TTFT | ratio total | after last "
          "token | same tokens | prodops verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in over["rows"]:
        print(f"| {r['question']} | {r['raw_ttft']:.2f} s | {r['ttft']:.2f} s | {r['raw_total']:.2f} s | "
              f"{r['total']:.2f} s | {r['ttft_ratio']:.3f} | {r['total_ratio']:.3f} | {1000 * r['after']:.0f} ms | "
              f"{r['same_output']} | {r['verdict']} |")
    print(f"\nmedian overhead ratio: time to first token {over['ttft_ratio']:.3f}, total {over['total_ratio']:.3f} "
          f"(goal <= 1.1); prodops' own time after the last token {over['after_ms']:.0f} ms")


def _print_dev(dev: dict[str, Any] | None) -> None:
    if dev:
        print(f"\ndev set ({len(dev['rows'])} questions: {', '.join(dev['questions'])})\n")
        print("| measure | value |\n|---|---|")
        print(f"| answers the model wrote and prodops verified | {dev['verified_share']:.0%} |")
        print(f"| fell back to the offline answer | {dev['fallback_share']:.0%} ({dev['counts']}) |")
        print(f"| key facts of shown answers (answerable) | {dev['key_facts_shown']:.2f} |")
        print(f"| key facts of verified model answers | {dev['key_facts_verified']:.2f} |")
        print(f"| key facts, offline extractive (same questions) | {dev['key_facts_offline']:.2f} |")
        print(f"| unanswerable questions abstained | {dev['unanswerable_abstained']} of {dev['unanswerable']} |")
        print(f"| median seconds per question | {dev['median_seconds']:.1f} |")


if __name__ == "__main__":
    main()
