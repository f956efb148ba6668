"""The README's LangChain example, extracted and run as written against the ingested sample workspace."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from assistant.config import get_settings
from assistant.runtime import Runtime
from tests.conftest import REPO

MARKER = "<!-- example: langchain -->"


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, "the README lost its LangChain example"
    block = re.search(r"```python\n(.*?)```", text[text.index(MARKER):], re.DOTALL)
    assert block is not None
    return block.group(1)


def test_the_readme_langchain_example_runs(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODOPS_DATA_DIR", str(sample_runtime.settings.data_dir))
    monkeypatch.delenv("PRODOPS_CHROMA_URL", raising=False)
    get_settings.cache_clear()
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(readme_example(), "README.md (LangChain example)", "exec"), {"__name__": "__readme__"})
    finally:
        get_settings.cache_clear()
    lines = printed.getvalue().splitlines()
    hits = [line.split() for line in lines[:4]]
    assert len(hits) == 4 and all(source.startswith("interviews/") and chunk.startswith(source)
                                  for source, chunk, _ in hits)
    context = "\n".join(lines[4:])
    assert context.startswith("[interviews/") and len(context) == 200
