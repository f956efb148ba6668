"""Inference threads for serving: the setting is read from the environment and applied to the process."""

from __future__ import annotations

import os

import pytest
import torch

from assistant.config import Settings
from assistant.embeddings.threads import set_inference_threads


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
        assert set_inference_threads(0) == (os.cpu_count() or 1)
    finally:
        torch.set_num_threads(before)
