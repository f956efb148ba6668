"""Chunks read by id are remembered only while no process has written (``ChunkStore.chunk_cache``).

A search reads the chunks that make its cut; repeated reads of the same chunks in one store generation are
answered from memory. Whatever is remembered must never outlive a write: a chunk whose visibility another
process narrows must not be served from the old copy (a scoped search re-checks chunks on these fields).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.access import chunk_readable
from assistant.runtime import Runtime
from assistant.schemas import Chunk, ChunkMeta, Kind
from assistant.store.chunk_cache import StoredVectors

NARROWER = """
import sys
from pathlib import Path
from assistant.config import Settings
from assistant.runtime import Runtime
runtime = Runtime(Settings(data_dir=Path(sys.argv[1])))
[chunk] = runtime.store.get_chunks(["plan-1"])
narrowed = chunk.model_copy(update={"meta": chunk.meta.model_copy(update={"visibility": ["leadership"]})})
with runtime.store.writing():
    runtime.store.update_metadata([narrowed])
runtime.close()
"""


def _chunks() -> list[Chunk]:
    meta = ChunkMeta(source="plan.md", kind=Kind.STRATEGY, title="Plan", position=0, source_hash="p",
                     team="growth", visibility=["everyone"])
    return [Chunk(id=f"plan-{i}", text=f"plan text {i}", meta=meta.model_copy(update={"position": i}))
            for i in range(3)]


def test_reads_in_one_generation_come_from_memory(make_runtime: Callable[..., Runtime], tmp_path: Path) -> None:
    runtime = make_runtime(data_dir=tmp_path / "data")
    with runtime.store.writing():
        runtime.store.upsert(_chunks(), [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    first_vectors: StoredVectors = {}
    first = runtime.store.get_chunks(["plan-2", "plan-0"], first_vectors)
    hits = runtime.store.chunk_cache.hits
    again_vectors: StoredVectors = {}
    again = runtime.store.get_chunks(["plan-2", "plan-0", "missing"], again_vectors)
    assert runtime.store.chunk_cache.hits == hits + 2
    assert [c.id for c in again] == ["plan-2", "plan-0"] and again == first
    assert again_vectors.keys() == first_vectors.keys()
    for chunk_id, vector in first_vectors.items():
        assert [float(x) for x in vector] == [float(x) for x in again_vectors[chunk_id]]


def test_a_write_in_another_process_is_never_served_from_memory(make_runtime: Callable[..., Runtime],
                                                                  tmp_path: Path) -> None:
    runtime = make_runtime(data_dir=tmp_path / "data")
    with runtime.store.writing():
        runtime.store.upsert(_chunks(), [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    for _ in range(2):  # read twice: the second read is the remembered one
        [chunk] = runtime.store.get_chunks(["plan-1"], {})
        assert chunk.meta.visibility == ["everyone"]
        assert runtime.store.chroma_fields(chunk) == chunk.meta.to_chroma()
    done = subprocess.run([sys.executable, "-c", NARROWER, str(tmp_path / "data")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    [chunk] = runtime.store.get_chunks(["plan-1"], {})
    assert chunk.meta.visibility == ["leadership"]
    fields = runtime.store.chroma_fields(chunk)  # the filters' view of the chunk moved with it
    assert fields.get("vis_leadership") is True and "vis_everyone" not in fields
    found = runtime.store.get_chunks(["plan-0", "plan-1", "plan-2"])
    assert [c.id for c in found if chunk_readable(c, ["growth"])] == ["plan-0", "plan-2"]


def test_a_write_here_outside_a_write_section_is_seen(make_runtime: Callable[..., Runtime], tmp_path: Path) -> None:
    runtime = make_runtime(data_dir=tmp_path / "data")
    with runtime.store.writing():
        runtime.store.upsert(_chunks(), [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    runtime.store.get_chunks(["plan-0"])
    runtime.store.get_chunks(["plan-0"])
    changed = _chunks()[0].model_copy(update={"context": "new context"})
    runtime.store.upsert([changed], [[0.0, 1.0]])  # no write section: no generation move, the cache is emptied
    vectors: StoredVectors = {}
    [chunk] = runtime.store.get_chunks(["plan-0"], vectors)
    assert chunk.context == "new context"
    assert [round(float(x), 6) for x in vectors["plan-0"]] == [0.0, 1.0]
    runtime.store.delete_chunks(["plan-0"])
    assert runtime.store.get_chunks(["plan-0"]) == []


def test_flattened_fields_are_those_of_the_very_chunk_asked_about(make_runtime: Callable[..., Runtime],
                                                                  tmp_path: Path) -> None:
    """Searches re-check candidates on their flattened fields, remembered for cached chunks: a chunk built
    elsewhere with the same id (a copy with narrower visibility) is judged on its own fields, never on the
    remembered ones, and the remembered ones cannot be changed by a caller."""
    runtime = make_runtime(data_dir=tmp_path / "data")
    with runtime.store.writing():
        runtime.store.upsert(_chunks(), [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    runtime.store.get_chunks(["plan-0"])
    [cached] = runtime.store.get_chunks(["plan-0"])
    fields = runtime.store.chroma_fields(cached)
    assert fields == cached.meta.to_chroma() and fields.get("vis_everyone") is True
    assert runtime.store.chroma_fields(cached) is fields  # flattened once
    copy = cached.model_copy(update={"meta": cached.meta.model_copy(update={"visibility": ["leadership"]})})
    judged = runtime.store.chroma_fields(copy)
    assert judged.get("vis_leadership") is True and "vis_everyone" not in judged
    with pytest.raises(TypeError):
        fields["vis_leadership"] = True  # type: ignore[index]
