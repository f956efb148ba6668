"""`GET /v1/alignment` is built once per scope and store generation, and rebuilt after any write."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

import assistant.alignment as alignment
from assistant.api.app import create_app
from assistant.runtime import Runtime


def test_the_map_is_cached_until_the_store_changes(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []
    original = alignment.build_alignment

    def counting(runtime: Runtime, scope: list[str] | None = None, **kwargs: Any) -> alignment.AlignmentMap:
        built.append(scope)
        return original(runtime, scope=scope, **kwargs)

    monkeypatch.setattr(alignment, "build_alignment", counting)
    with sample_runtime.store.writing():  # any write moves the store's generation: nothing cached for it yet
        pass
    with TestClient(create_app(runtime=sample_runtime)) as client:
        first = client.get("/v1/alignment")
        second = client.get("/v1/alignment")
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json() and first.json()["objectives"]
        assert built == [None]
        with sample_runtime.store.writing():
            pass
        third = client.get("/v1/alignment")
        assert third.status_code == 200 and third.json() == first.json()
        assert built == [None, None]
        fourth = client.get("/v1/alignment")
        assert fourth.json() == first.json() and built == [None, None]
