"""Inference threads for serving: the setting is read from the environment and applied to the process, and
several server processes share the cores out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from assistant.api.app import serving_app
from assistant.config import Settings, get_settings
from assistant.embeddings.threads import inference_threads, set_inference_threads


def test_serve_threads_default_to_every_core_and_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PRODOPS_SERVE_THREADS", raising=False)
    assert Settings().serve_threads == 0
    monkeypatch.setenv("PRODOPS_SERVE_THREADS", "1")
    assert Settings().serve_threads == 1
    monkeypatch.setenv("PRODOPS_SERVE_THREADS", "-2")
    with pytest.raises(ValueError, match="serve_threads"):
        Settings()


def test_threads_are_applied_and_zero_means_one_per_core() -> None:
    before = torch.get_num_threads()
    try:
        assert set_inference_threads(1) == 1 == torch.get_num_threads()
        assert inference_threads() == 1  # what an ONNX Runtime session made from now on takes
        assert set_inference_threads(0) == (os.cpu_count() or 1)
        assert inference_threads() == 0
    finally:
        torch.set_num_threads(before)


def test_each_server_process_takes_its_share_of_the_cores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`prodops serve --workers N` runs ``serving_app`` in N processes: each sets cores // N threads (at least
    one) unless PRODOPS_SERVE_THREADS says otherwise."""
    cores = os.cpu_count() or 1
    monkeypatch.setenv("PRODOPS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PRODOPS_SERVE_THREADS", raising=False)
    before = torch.get_num_threads()
    try:
        for workers, threads, expected in ((cores, None, 1), (1, None, cores), (0, None, 1), (2, "3", 3)):
            monkeypatch.setenv("PRODOPS_SERVE_WORKERS", str(workers))
            if threads:
                monkeypatch.setenv("PRODOPS_SERVE_THREADS", threads)
            get_settings.cache_clear()
            app = serving_app()
            app.state.runtime.close()
            assert torch.get_num_threads() == expected, (workers, threads)
            assert app.state.runtime.embedder.questions_traced  # warmed up before the first request
    finally:
        torch.set_num_threads(before)
        get_settings.cache_clear()
