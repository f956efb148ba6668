"""The optional ONNX backend gives the torch backend's vectors (fp32) or very nearly (int8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.runtime import Runtime

pytest.importorskip("onnx", reason="the optional onnx extra is not installed")

TEXTS = [
    "Enterprise buyers stall in security review without SCIM provisioning.",
    "Weekly active teams grew from 1,840 to 2,455.",
    "short",
    "A much longer paragraph about seasonal technicians, per-seat pricing and how crews share logins " * 3,
]


@pytest.mark.parametrize(("backend", "min_cosine"), [("onnx", 0.9999), ("onnx-int8", 0.9)])
def test_onnx_matches_torch(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, backend: str, min_cosine: float
) -> None:
    cache = tmp_path / "machine-cache"
    runtime = Runtime(Settings(data_dir=tmp_path / "data", embedding_backend=backend,  # type: ignore[arg-type]
                               model_cache_dir=cache))
    onnx = np.asarray(runtime.embedder.embed_documents(TEXTS))
    torch = np.asarray(embedder.embed_documents(TEXTS))
    assert onnx.shape == torch.shape == (4, 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-4)
    assert (onnx * torch).sum(axis=1).min() >= min_cosine
    exported = sorted(p.name for p in cache.iterdir())
    assert exported and all(name.startswith("all-MiniLM-L6-v2-") for name in exported)  # no partial file left
    assert not (tmp_path / "data" / "models").exists()
    # A second data dir on the same machine loads the export instead of exporting again.
    stamps = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    again = Runtime(Settings(data_dir=tmp_path / "other", embedding_backend=backend,  # type: ignore[arg-type]
                             model_cache_dir=cache))
    assert np.allclose(np.asarray(again.embedder.embed_documents(TEXTS)), onnx, atol=1e-5)
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == stamps
