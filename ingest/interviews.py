"""Speaker roles and segments of interviews: per transcript at parse time, then over the whole corpus.

Two signals need every interview at once: who the interviewer is (the person who asks questions in the most
interviews) and which passages repeat across interviews (ad reads, scripted questions). A transcript parsed
alone gets what it can tell by itself (:func:`identify` with a corpus of one); after every ingestion job,
:func:`refresh_interviews` recomputes roles and segments for every stored interview from the stored chunks
(speaker labels, turn indexes, text) and rewrites the metadata of the chunks whose values changed, through
the store's metadata update (no re-embedding) and the lexical index. The result depends only on the set of
stored interviews, never on the order they were ingested in, so adding, changing or deleting a transcript
and running the pass again always converges to the same labels.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from assistant.runtime import Runtime
from assistant.schemas import Chunk, Kind, Turn
from ingest.loaders.transcript import UNKNOWN_SPEAKER
from ingest.segments import Block, Repetition, segment_blocks, shingles
from ingest.speakers import OTHER, PARTICIPANT, Cast, cast_of, fold_label_typos, key, listed_people, question_turns


def identify(turns: Sequence[Turn], named: Sequence[str] = (), named_interviewer: str | None = None,
             asking: Mapping[str, int] | None = None,
             repetition: Repetition | None = None) -> tuple[list[Turn], Cast]:
    """Turns with typos folded and each turn's role and segment set, and the transcript's cast.

    Without ``asking`` and ``repetition`` (a transcript parsed alone), roles come from this transcript's
    questions and segments from its own structure and cues.
    """
    folded = fold_label_typos(list(turns))
    cast = cast_of(folded, named, named_interviewer, asking)
    blocks = [Block(cast.role(t.speaker) if t.speaker != UNKNOWN_SPEAKER else OTHER, t.text, shingles(t.text))
              for t in folded]
    segments = segment_blocks(blocks, repetition or Repetition([[b.hashes for b in blocks]]))
    marked = [t.model_copy(update={"role": b.role, "segment": s})
              for t, b, s in zip(folded, blocks, segments, strict=True)]
    return marked, cast


def people_of(cast: Cast, named: Sequence[str]) -> list[str]:
    """The people interviewed (participants' names, or metadata's when no label speaks for them)."""
    return listed_people(cast, named)


def asking_counts(transcripts: Sequence[Sequence[Turn]]) -> dict[str, int]:
    """Person key -> interviews in which that person asks questions; a first-name label ("Lenny") counts for the
    one full name it starts ("Lenny Rachitsky") across the corpus, and the other way round."""
    counts: Counter[str] = Counter()
    for turns in transcripts:
        counts.update({key(s) for s, n in question_turns(turns).items() if n > 0})
    full = defaultdict(list)
    for name in counts:
        if " " in name:
            full[name.split()[0]].append(name)
    merged = dict(counts)
    for name, n in counts.items():
        if " " not in name and len(full.get(name, [])) == 1:
            merged[name] = merged[full[name][0]] = n + counts[full[name][0]]
    return merged


def _turns_of(chunks: list[Chunk]) -> tuple[list[Turn], list[list[Chunk]]]:
    """A stored transcript's turns, rebuilt from its turn chunks (a long turn's chunks share a turn index)."""
    grouped: dict[int, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        if chunk.meta.turn is not None:
            grouped[chunk.meta.turn].append(chunk)
    order = sorted(grouped)
    members = [sorted(grouped[i], key=lambda c: c.meta.position) for i in order]
    turns = [Turn(speaker=m[0].meta.speaker or UNKNOWN_SPEAKER, text=" ".join(c.text for c in m),
                  timestamp=m[0].meta.timestamp) for m in members]
    return turns, members


def interview_meta(chunk: Chunk, turn: Turn | None, cast: Cast, people: list[str],
                   named_interviewer: str | None) -> Chunk:
    """A chunk with its speaker role, segment and the interview's people set from an identification."""
    meta = chunk.meta
    update: dict[str, object] = {"participants": people, "interviewer": named_interviewer or cast.interviewer,
                                 "participant": ", ".join(people) or None}
    if turn is not None:
        role = turn.role or OTHER
        person = cast.names.get(turn.speaker, turn.speaker)
        update |= {"speaker_role": role, "speaker_is_participant": role == PARTICIPANT if meta.speaker else None,
                   "segment": turn.segment}
        if role == PARTICIPANT:
            update["participant"] = person
    return chunk.model_copy(update={"meta": meta.model_copy(update=update)})


def refresh_interviews(runtime: Runtime) -> int:
    """Recompute roles and segments of every stored interview over the corpus; returns chunks updated."""
    complete = {r.path: r for r in runtime.store.sources() if r.kind is Kind.INTERVIEW and r.complete}
    by_source: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in runtime.store.iter_chunks(where={"kind": Kind.INTERVIEW.value}):
        if chunk.meta.source in complete:
            by_source[chunk.meta.source].append(chunk)
    stored = {path: _turns_of(chunks) for path, chunks in sorted(by_source.items())}
    stored = {path: value for path, value in stored.items() if value[0]}
    if not stored:
        return 0
    asking = asking_counts([turns for turns, _ in stored.values()])
    repetition = Repetition([[shingles(t.text) for t in turns] for turns, _ in stored.values()])
    updated = 0
    for path, (turns, members) in stored.items():
        sample = members[0][0].meta
        marked, cast = identify(turns, sample.named_participants, sample.named_interviewer, asking, repetition)
        people = people_of(cast, sample.named_participants)
        turn_of = {c.id: t for t, group in zip(marked, members, strict=True) for c in group}
        fresh = [interview_meta(c, turn_of.get(c.id), cast, people, sample.named_interviewer)
                 for c in by_source[path]]
        changed = [new for new, old in zip(fresh, by_source[path], strict=True) if new.meta != old.meta]
        if changed:
            runtime.store.update_metadata(changed)
            record = complete[path]
            runtime.lexical.replace_source(path, record.content_hash, sorted(fresh, key=lambda c: c.meta.position))
            updated += len(changed)
    return updated
