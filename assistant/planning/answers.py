"""Plan questions answered from the plan's structure: which objective a key result serves, who owns an
initiative, what its status or target is.

The text answer would quote a nearby line that lacks the name or the number ("KR: …" without the objective it
sits under). Here the documents retrieved for the question are read as plans (:func:`load_plan` on just those
sources), the key result, initiative or objective the question is about is found by its words, and the answer
states its parent objective(s), owner, sponsor, status, target or outcome as the document does, citing the
chunks each came from. Nothing matched well enough: the question goes on to the text answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from assistant.memo import Memo
from assistant.planning.plan import Initiative, KeyResult, Objective, Plan, load_plan
from assistant.runtime import Runtime
from assistant.schemas import Answer, Hit
from assistant.synthesis.base import abstain, finalize
from assistant.text import content_terms, is_placeholder, strip_markup, term_in

_PARENT = re.compile(r"\b(which|what) (\w+ ){0,3}(objectives?|goals?|okrs?)\b|\b(ladder|roll)(ed|s|ing)? up\b|"
                     r"\bserves?\b|\b(sits?|falls?|filed) under\b", re.I)
_OWNER = re.compile(r"\bwho (owns|is (the )?(owner|dri|lead|driving|sponsoring|responsible|running))\b|"
                    r"\b(owner|dri|sponsor(ing)?|exec(utive)? sponsor)\b", re.I)
_STATUS = re.compile(r"\b(status|on track|at risk|off track|done|finished|shipped|complete[d]?)\b", re.I)
_TARGET = re.compile(r"\b(target|aim(ing|ed)?|baseline|land(ed)?|result(ed)?|end(ed)? up|outcome)\b", re.I)
MIN_MATCH = 0.4
_ASK_WORDS = frozenset(content_terms("which what objective objectives goal key result roll ladder serve owner dri "
                                     "sponsor exec status target aim land outcome baseline who"))

Item = KeyResult | Initiative | Objective


def _asks(question: str) -> set[str]:
    return {name for name, pattern in (("parent", _PARENT), ("owner", _OWNER), ("status", _STATUS),
                                        ("target", _TARGET)) if pattern.search(question)}


def _text(item: Item) -> str:
    return item.title if isinstance(item, Objective | Initiative) else item.text


def _context_words(plan: Plan, item: Item) -> str:
    """Words that say whose and where an item is: its owner, section and (for a key result) its objective's."""
    if isinstance(item, KeyResult):
        objective = plan.objective(item.objective_id or "")
        return " ".join(filter(None, [item.owner, objective.owner if objective else None,
                                      objective.section if objective else None]))
    return " ".join(filter(None, [item.owner, item.section]))


def _best(question: str, plan: Plan, asks: set[str]) -> list[Item]:
    """The plan items the question is about: the most of their (IDF-weighted) words in the question, owner and
    section words counting half; several when they tie (the same key result filed under two objectives)."""
    items: list[Item] = [*plan.key_results] if "target" in asks else [*plan.key_results, *plan.initiatives]
    if not asks & {"parent", "target"}:
        items += plan.objectives
    if not items:
        return []
    asked = set(content_terms(question)) - _ASK_WORDS
    own = [set(content_terms(strip_markup(_text(i)))) for i in items]
    near = [set(content_terms(_context_words(plan, i))) - o for i, o in zip(items, own, strict=True)]
    df: dict[str, int] = {}
    for found in own:
        for t in found:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + len(items) / n) for t, n in df.items()}
    scored: list[tuple[float, Item]] = []
    for item, found, extra in zip(items, own, near, strict=True):
        weight = sum(idf[t] for t in found)
        if len(found) < 3 or not weight:
            continue  # "N1", "TBD": too little text to know what a question about it would say
        own_score = sum(idf[t] for t in found if term_in(t, asked)) / weight
        covered = sum(idf.get(t, 1.0) for t in asked if term_in(t, found)) / (sum(idf.get(t, 1.0) for t in asked) or 1)
        score = 0.5 * own_score + 0.5 * covered
        if own_score < 0.3 or score < MIN_MATCH:
            continue
        scored.append((score + 0.25 * sum(idf.get(t, 1.0) for t in extra & asked) / weight, item))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    best = [item for score, item in scored if score >= top - 1e-9]
    text = strip_markup(_text(best[0])).lower()
    return [item for score, item in scored if score >= top - 0.05 and strip_markup(_text(item)).lower() == text]


def _objective_chain(plan: Plan, objective_id: str | None) -> list[Objective]:
    chain: list[Objective] = []
    while objective_id and len(chain) < 5:
        objective = plan.objective(objective_id)
        if objective is None or objective in chain:
            break
        chain.append(objective)
        objective_id = objective.parent_id
    return chain


def _sentences(plan: Plan, item: Item, asks: set[str]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    if isinstance(item, KeyResult):
        chain = _objective_chain(plan, item.objective_id)
        if chain:
            parents = "; under ".join(f'"{strip_markup(o.title)}"' + (f" ({o.owner})" if o.owner else "")
                                      for o in chain)
            if chain[-1].section:
                parents += f", in {strip_markup(chain[-1].section)}"
            out.append((f'The key result "{strip_markup(item.text)}" is under the objective {parents}.',
                        [item.chunk_id, *(o.chunk_id for o in chain)]))
        else:
            out.append((strip_markup(item.text), [item.chunk_id]))
        if item.outcome and ("target" in asks or "status" in asks or not chain):
            out.append((f"Outcome: {strip_markup(item.outcome).rstrip('.')}.", [item.chunk_id]))
    elif isinstance(item, Initiative):
        facts = [f"{label}: {value}" for label, value in (("owner", item.owner), ("sponsor", item.sponsor),
                                                           ("status", item.status), ("due", item.target_date_text))
                 if value and not is_placeholder(value)]
        line = f'"{strip_markup(item.title)}"' + (f" — {'; '.join(facts)}" if facts else "")
        out.append((line + ".", [item.chunk_id]))
        if item.objective_ids:
            goals = [plan.objective(i) for i in item.objective_ids]
            named = [f'"{strip_markup(o.title)}"' for o in goals if o is not None]
            if named:
                out.append((f"It serves {', '.join(named)}.", [item.chunk_id, *(o.chunk_id for o in goals if o)]))
    else:
        line = f'The objective "{strip_markup(item.title)}"' + (f" is owned by {item.owner}" if item.owner else "")
        krs = "; ".join(strip_markup(k.text) for k in item.key_results[:4])
        out.append((line + (f", with key results: {krs}." if krs else "."), [item.chunk_id]))
    return out


def _unfilled(item: Initiative) -> bool:
    people = [v for v in (item.owner, item.sponsor) if v]
    return not people or all(is_placeholder(v) for v in people)


_PLANS: Memo[Plan] = Memo(128)  # see _plan_of


def _plan_of(runtime: Runtime, scope: list[str] | None, sources: list[str]) -> Plan:
    """The plan of ``sources`` as ``scope`` may read it, kept until any write to the store (embedded only, see
    :meth:`ChunkStore.cache_generation`): the same strategy pages answer question after question, and reading
    them back from the store cost more than the rest of a plan answer."""
    generation = runtime.store.cache_generation()
    if not generation:
        return load_plan(runtime, scope, sources=sources)
    key = (str(runtime.settings.data_dir), generation, tuple(scope) if scope is not None else None, tuple(sources))
    return _PLANS.get(key, lambda: load_plan(runtime, scope, sources=sources))


def plan_answer(runtime: Runtime, question: str, hits: Sequence[Hit], scope: list[str] | None
                ) -> tuple[Answer, list[Hit]] | None:
    """An answer from the plan structure of the retrieved documents, or None to answer from the text."""
    asks = _asks(question)
    if not asks or not hits:
        return None
    sources = list(dict.fromkeys(h.chunk.meta.source for h in hits))[:5]
    plan = _plan_of(runtime, scope, sources)
    found = _best(question, plan, asks)
    if not found:
        return None
    if "owner" in asks and all(isinstance(i, Initiative) and _unfilled(i) for i in found):
        reason = f'the plan names no owner or sponsor for "{strip_markup(_text(found[0]))}" (template placeholders)'
        return abstain(question, reason).model_copy(update={"route": "plan"}), list(hits)
    drafted = [line for item in found[:3] for line in _sentences(plan, item, asks)]
    ids = {i for _, cited in drafted for i in cited}
    known = {h.chunk.id for h in hits}
    extra = [Hit(chunk=c, score=0.0) for c in runtime.store.get_chunks(sorted(ids - known))]
    cited_hits = [*hits, *extra]
    answer = finalize(question, drafted, cited_hits)
    return answer.model_copy(update={"route": "plan"}), cited_hits
