"""The store's chunk count stays right while it is kept per store generation (no collection count per search).

A search's consistency check reads the count on its narrow path; it is cached until the store's generation
moves. The count must still follow every write: this process's writes (inside or outside a write section) and
another process's ingest into the same data dir.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from assistant.runtime import Runtime
from assistant.schemas import Chunk, ChunkMeta, Kind

WRITER = """
import sys
from pathlib import Path
from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.schemas import Chunk, ChunkMeta, Kind
runtime = Runtime(Settings(data_dir=Path(sys.argv[1])))
meta = ChunkMeta(source="other.md", kind=Kind.STRATEGY, title="other", position=0, source_hash="o")
with runtime.store.writing():
    runtime.store.upsert([Chunk(id=f"other-{i}", text=f"text {i}", meta=meta) for i in range(3)], [[1.0, 0.0]] * 3)
runtime.close()
"""


def _chunks(prefix: str, n: int) -> list[Chunk]:
    meta = ChunkMeta(source=f"{prefix}.md", kind=Kind.STRATEGY, title=prefix, position=0, source_hash=prefix)
    return [Chunk(id=f"{prefix}-{i}", text=f"{prefix} text {i}", meta=meta) for i in range(n)]


def test_count_follows_writes_here_and_in_another_process(make_runtime: Callable[..., Runtime],
                                                         tmp_path: Path) -> None:
    runtime = make_runtime(data_dir=tmp_path / "data")
    with runtime.store.writing():
        runtime.store.upsert(_chunks("a", 4), [[0.0, 1.0]] * 4)
    assert runtime.store.count() == 4
    assert runtime.store.count() == 4  # the same generation: served from what was counted
    runtime.store.upsert(_chunks("b", 2), [[0.0, 1.0]] * 2)  # outside a write section: no generation move
    assert runtime.store.count() == 6
    runtime.store.delete_chunks(["a-0"])
    assert runtime.store.count() == 5
    done = subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "data")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert runtime.store.count() == 8
