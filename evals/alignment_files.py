"""OKR extraction scored on real files against hand counts: the ``alignment:`` section of a real-data dev set.

Each item names one ingested file (by its corpus-relative path), how many objectives and key results a person
counted in it, and objective/key-result pairs an extractor must link. A file is *exact* when the objective count
is equal, the key-result count is within 10%, and every pair is linked: some extracted objective matches the
pair's objective (its title, or its full line with the owner prefix, e.g. "Core services: ...") and one of its
key results matches the pair's key result (a prefix is enough, since some key results wrap onto a second line).
Texts are compared after removing Markdown markup, case and extra whitespace. A pair with ``section:`` only
matches an objective under a heading of that name.

Run on its own (copies the named corpus files into a temporary workspace, ingests and scores them)::

    python -m evals.alignment_files --dataset ../shared/evals/realdata-dev.yaml --corpus ../shared/corpus \\
        [--also sourcegraph-handbook/content/strategy-goals/goals/2022_q1.md ...] [--json]
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from assistant.planning.plan import Objective, load_plan
from assistant.runtime import Runtime

KR_TOLERANCE = 0.10


class AlignmentPair(BaseModel):
    objective: str
    key_result: str
    section: str | None = None


class AlignmentItem(BaseModel):
    path: str
    objectives: int
    key_results: int
    layout: str = ""
    pairs: list[AlignmentPair] = Field(default_factory=list)


class PairResult(BaseModel):
    objective: str
    key_result: str
    section: str | None = None
    linked: bool
    objective_id: str | None = Field(default=None, description="The extracted objective that linked it.")


class FileResult(BaseModel):
    path: str
    layout: str = ""
    objectives_found: int = 0
    objectives_expected: int | None = None
    key_results_found: int = 0
    key_results_expected: int | None = None
    initiatives_found: int = 0
    pairs: list[PairResult] = Field(default_factory=list)
    pairs_linked: int = 0
    exact: bool = False
    problems: list[str] = Field(default_factory=list, description="Why the file is not exact, in words.")


class AlignmentFilesReport(BaseModel):
    files: list[FileResult]
    exact: int = Field(description="Files whose counts and pairs all match.")
    total: int

    @property
    def ratio(self) -> float:
        return self.exact / self.total if self.total else float("nan")


def normalise(text: str) -> str:
    """Text as compared: links reduced to their text, tags and Markdown marks dropped, case and spaces folded."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[*_`~#>\\]", " ", text)
    return " ".join(text.lower().split()).strip(" .;:,")


def _objective_texts(objective: Objective) -> set[str]:
    texts = {objective.title, objective.span}
    if objective.owner:
        texts.add(f"{objective.owner}: {objective.title}")
    return {normalise(t) for t in texts if t}


def _in_section(objective: Objective, section: str | None) -> bool:
    if not section:
        return True
    wanted = normalise(section)
    return any(normalise(s) == wanted or normalise(s).startswith(wanted + " ") for s in objective.section_path)


def link_pair(objectives: list[Objective], pair: AlignmentPair) -> PairResult:
    """The pair is linked when an extracted objective matches its text (and section) and holds its key result."""
    want_objective, want_kr = normalise(pair.objective), normalise(pair.key_result)
    for objective in objectives:
        if want_objective not in _objective_texts(objective) or not _in_section(objective, pair.section):
            continue
        for kr in objective.key_results:
            texts = {normalise(kr.text), normalise(kr.span)}
            if any(t == want_kr or (want_kr and t.startswith(want_kr)) for t in texts):
                return PairResult(**pair.model_dump(), linked=True, objective_id=objective.id)
    return PairResult(**pair.model_dump(), linked=False)


def score_file(runtime: Runtime, raw: dict[str, Any]) -> FileResult:
    """One dev-set item scored against the plan read from its file alone."""
    try:
        item = AlignmentItem.model_validate(raw)
    except ValidationError as exc:
        path = str(raw.get("path", "?")) if isinstance(raw, dict) else "?"
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        return FileResult(path=path, problems=[f"invalid dev-set item (fields: {fields}); expected path, "
                                               "objectives, key_results and pairs"])
    plan = load_plan(runtime, sources=[item.path])
    objectives = [o for o in plan.objectives if o.source == item.path]
    krs = sum(len(o.key_results) for o in objectives)
    result = FileResult(path=item.path, layout=item.layout, objectives_found=len(objectives),
                        objectives_expected=item.objectives, key_results_found=krs,
                        key_results_expected=item.key_results,
                        initiatives_found=sum(1 for i in plan.initiatives if i.source == item.path),
                        pairs=[link_pair(objectives, p) for p in item.pairs])
    result.pairs_linked = sum(p.linked for p in result.pairs)
    if item.path not in plan.sources:
        result.problems.append("not ingested (no chunks stored under this path)")
    if len(objectives) != item.objectives:
        result.problems.append(f"objectives {len(objectives)} != {item.objectives}")
    if abs(krs - item.key_results) > KR_TOLERANCE * item.key_results:
        result.problems.append(f"key results {krs} not within 10% of {item.key_results}")
    result.problems += [f"pair not linked: {p.objective!r} -> {p.key_result!r}" for p in result.pairs if not p.linked]
    result.exact = not result.problems
    return result


def score_alignment_files(runtime: Runtime, items: list[dict[str, Any]]) -> AlignmentFilesReport:
    """Score every item of a dev set's ``alignment:`` list; each item's path must be ingested under that path."""
    files = [score_file(runtime, raw) for raw in items]
    return AlignmentFilesReport(files=files, exact=sum(f.exact for f in files), total=len(files))


def render_table(report: AlignmentFilesReport) -> str:
    """Plain-text table: per file, found/expected counts, pairs linked, exact."""
    lines = [f"alignment_files_exact = {report.exact}/{report.total}", "",
             f"{'file':<80} {'objectives':>11} {'key results':>12} {'initiatives':>11} {'pairs':>6} exact"]
    for f in report.files:
        verdict = "—" if f.objectives_expected is None else "yes" if f.exact else "no"
        lines.append(f"{f.path:<80} {f.objectives_found:>5}/{_shown(f.objectives_expected):<5} "
                     f"{f.key_results_found:>6}/{_shown(f.key_results_expected):<5} {f.initiatives_found:>11} "
                     f"{f.pairs_linked:>3}/{len(f.pairs):<2} {verdict}")
        lines += [f"    {problem}" for problem in f.problems if f.objectives_expected is not None]
    return "\n".join(lines)


def _shown(count: int | None) -> str:
    return "?" if count is None else str(count)


def main(argv: list[str] | None = None) -> int:
    """Copy the dev set's files (and ``--also`` files) into a temporary workspace, ingest, score, print."""
    from assistant.config import Settings
    from ingest.pipeline import ingest_paths

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--also", nargs="*", default=[], help="More corpus files to report counts for.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    items = list(yaml.safe_load(args.dataset.read_text(encoding="utf-8")).get("alignment") or [])
    extra = [{"path": p, "objectives": -1, "key_results": -1} for p in args.also]
    with tempfile.TemporaryDirectory(prefix="prodops-align-") as tmp:
        workspace = Path(tmp) / "workspace"
        for path in [i["path"] for i in items] + list(args.also):
            target = workspace / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.corpus / path, target)
        runtime = Runtime(Settings(data_dir=Path(tmp) / "data"))
        try:
            ingest_paths(runtime, [workspace], show_progress=False)
            report = score_alignment_files(runtime, items)
            more = [score_file(runtime, raw).model_copy(update={"objectives_expected": None,
                                                                "key_results_expected": None, "exact": False})
                    for raw in extra]
        finally:
            runtime.close()
    if args.json:
        print(report.model_copy(update={"files": report.files + more}).model_dump_json(indent=2))
    else:
        print(render_table(report.model_copy(update={"files": report.files + more})))
    return 0 if report.exact == report.total else 1


if __name__ == "__main__":
    raise SystemExit(main())
