"""Themes on real podcast transcripts (the 12 episodes of the dev set's ``themes:`` section, with two more as
distractors): speakers and segments from the transcripts' own labels, the dev-set checks of
:func:`evals.themes_check.score_themes`, and the quote and citation invariants. The corpus is read from
../shared at test time, never copied here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.themes.report import synthesize_themes
from evals.themes_check import SOURCE, score_themes
from ingest.pipeline import ingest_paths
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"
DEV_SET = SHARED / "evals" / "realdata-dev.yaml"
DISTRACTORS = ["casey-winters", "teresa-torres"]
pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not DEV_SET.is_file() or not (CORPUS / "lennys-podcast").is_dir():
        pytest.skip(f"{SHARED} is absent: the public corpora and the dev set live in ../shared beside the repo")
    return dict(yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["themes"])


@pytest.fixture(scope="module")
def podcast(spec: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[Runtime]:
    runtime = Runtime(Settings(data_dir=tmp_path_factory.mktemp("podcast-data")),
                      embedder_factory=lambda: embedder)  # type: ignore[arg-type,return-value]
    files = [CORPUS / SOURCE.format(e) for e in [*spec["episodes"], *DISTRACTORS]]
    report = ingest_paths(runtime, files, root=CORPUS, show_progress=False)
    assert report.added == len(files) and not report.failed
    yield runtime
    runtime.close()


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_dev_set_theme_checks(podcast: Runtime, spec: dict[str, Any]) -> None:
    result = score_themes(podcast, spec)
    print("\n" + "\n".join(f"{c.name}: {c.value} (goal {c.goal}) {'ok' if c.passed else 'MISSED'}"
                           for c in result.checks))
    print("themes:", result.themes, "\ntopics found:", result.topics_found)
    checks = {c.name: c for c in result.checks}
    assert checks["non_conversation_quotes"].passed, result.non_conversation_quotes
    assert checks["fragment_labels"].passed, result.fragment_labels
    assert checks["distinct_speakers"].passed, result.speakers
    two = next(s for s in result.speakers if s.episode == "melissa-perri-denise-tilles")
    assert two.names == ["Denise Tilles", "Melissa Perri"]
    assert len(result.themes) == 10 and result.quotes >= 20
    assert result.topics_found  # at least one expected topic; the goal (4 of 6) is reported above


def test_speakers_and_segments_from_labels(podcast: Runtime) -> None:
    dan = sorted(podcast.store.iter_chunks(where={"source": SOURCE.format("dan-hockenmaier")}),
                 key=lambda c: c.meta.position)
    people = {c.meta.speaker for c in dan if c.meta.speaker_is_participant}
    assert people == {"Dan Hockenmaier"}  # sponsor staff (John Cutler, Ashley) are not guests
    assert "Lenn" not in {c.meta.speaker for c in dan}  # the label typo folded into the host
    staff = [c for c in dan if c.meta.speaker in ("John Cutler", "Ashley")]
    assert staff and {c.meta.segment for c in staff} == {"sponsor"}
    welcome = next(c for c in dan if "Welcome to Lenny" in c.text)
    assert welcome.meta.segment == "intro"  # credited to the guest by the transcript, but the host's script
    gia = list(podcast.store.iter_chunks(where={"source": SOURCE.format("gia-laudi")}))
    assert {c.meta.speaker for c in gia if c.meta.speaker_is_participant} == {"Georgiana Laudi"}


def test_quotes_are_verbatim_and_cited(podcast: Runtime, spec: dict[str, Any]) -> None:
    report = synthesize_themes(podcast, sources=[SOURCE.format(e) for e in spec["episodes"]], max_themes=10)
    assert synthesize_themes(podcast, sources=[SOURCE.format(e) for e in spec["episodes"]],
                             max_themes=10).model_dump() == report.model_dump()  # deterministic
    raw = {SOURCE.format(e): normalise((CORPUS / SOURCE.format(e)).read_text(encoding="utf-8"))
           for e in spec["episodes"]}
    for theme in report.themes:
        assert theme.people >= 2 and 1 <= len(theme.quotes) <= 5 and theme.summary == theme.quotes[0].text
        assert theme.share <= 0.12
        for quote in [*theme.quotes, *theme.contradicting]:
            (chunk,) = podcast.store.get_chunks([quote.chunk_id])
            assert chunk.meta.source == quote.source and chunk.meta.speaker_is_participant
            assert chunk.meta.segment == "conversation"
            assert quote.text in chunk.text and normalise(quote.text) in raw[quote.source]
