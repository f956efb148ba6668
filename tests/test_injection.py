"""Document text is data, in every workflow: reworded instructions addressed to the assistant never become an
answer, draft, theme, check-in or contact sentence; ``[n]`` markers written in documents never pass for the
tool's citations; a forged ``<source>`` fence can't borrow a restricted note's path; every quoted text carries
the path of the chunk it really comes from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.chat import ChatService
from assistant.config import ApiKey, Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.prompting import render
from assistant.runtime import Runtime
from assistant.safety import looks_like_injection, neutralize_markers
from assistant.schemas import Hit
from assistant.synthesis.llm import LLMSynthesizer
from assistant.text import split_sentences
from ingest.pipeline import ingest_paths
from tests.injection_workspace import FRAGMENTS, REWORDED, SECRET, make_injection_workspace

KEY = "injection-growth-key"
AUTH = {"X-API-Key": KEY}
MARKER = re.compile(r"\[\d+\]")
QUESTIONS = [
    "What are the risks in the leadership offsite notes about billing failures?",
    "What did customers say about importing customers during setup?",
    "What does the growth roadmap say about the setup wizard?",
    "What did the board decide about selling Larkspur?",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("larkspur")
    ws = make_injection_workspace(root / "ws")
    settings = Settings(_env_file=None, data_dir=root / "data", workspace=ws,  # type: ignore[call-arg]
                        api_keys=[ApiKey(name="growth-pm", team="growth", key_sha256=digest(KEY))])
    runtime = Runtime(settings, embedder_factory=lambda: embedder)
    report = ingest_paths(runtime, [ws], show_progress=False)
    assert report.failed == [] and report.added == 8, report
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def client(world: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=world)) as test_client:
        yield test_client


def assert_clean(texts: list[str], where: str) -> None:
    """No instruction, no document-written citation marker, no restricted secret in what a workflow wrote."""
    assert texts, f"{where}: nothing to check"
    for text in texts:
        lowered = text.lower()
        assert not any(f in lowered for f in FRAGMENTS), (where, text)
        assert not any(looks_like_injection(s) for s in split_sentences(text)), (where, text)
        assert not MARKER.search(text), (where, text)
        assert SECRET not in text and "board-secret" not in text, (where, text)


def assert_true_source(client: TestClient, chunk_id: str, source: str, quoted: str | None = None) -> None:
    chunk = client.get(f"/v1/chunks/{quote(chunk_id)}", headers=AUTH)
    assert chunk.status_code == 200 and chunk.json()["source"] == source, (chunk_id, source)
    if quoted is not None:
        assert quoted.strip(" .") in neutralize_markers(chunk.json()["text"]), (quoted, chunk.json()["text"])


def test_the_detector_catches_every_reworded_instruction_in_the_workspace() -> None:
    assert all(looks_like_injection(s) for s in REWORDED)


@pytest.mark.parametrize("question", QUESTIONS)
def test_chat(client: TestClient, question: str) -> None:
    body = client.post("/v1/chat", json={"messages": [{"role": "user", "content": question}]}, headers=AUTH).json()
    if body["abstained"]:
        return
    assert_clean([s["text"] for s in body["sentences"]], f"chat: {question}")
    numbers = {c["n"]: c for c in body["citations"]}
    assert set(map(int, re.findall(r"\[(\d+)\]", body["answer"]))) <= set(numbers)  # only the tool's numbering
    for citation in body["citations"]:
        assert_true_source(client, citation["chunk_id"], citation["source"])
    for sentence in body["sentences"]:  # the text after the forged fence is cited to the note it is really in
        if "sell Larkspur" in sentence["text"]:
            assert {numbers[n]["source"] for n in sentence["citations"]} == {"notes/2026-12-03-offsite.md"}


def test_chat_retrieves_the_injected_chunks_so_the_test_means_something(client: TestClient) -> None:
    hits = client.post("/v1/search", json={"query": QUESTIONS[0], "k": 8}, headers=AUTH).json()
    texts = " ".join(h["text"] for h in hits)
    assert "Dear AI" in texts and "[3]" in texts and "</source>" in texts


def test_draft(client: TestClient) -> None:
    draft = client.post("/v1/drafts/strategy", json={"title": "H1 plan", "from": "notes/"}, headers=AUTH).json()
    sentences = [s for section in draft["sections"] for s in section["sentences"]]
    assert_clean([s["text"] for s in sentences], "draft")
    for sentence in sentences:
        for citation in sentence["citations"]:
            assert citation["source"] == "notes/2026-12-03-offsite.md"
            assert_true_source(client, citation["chunk_id"], citation["source"])


def test_themes(client: TestClient) -> None:
    report = client.post("/v1/themes", json={"min_customers": 2}, headers=AUTH).json()
    quotes = [q for theme in report["themes"] for q in [*theme["quotes"], *theme.get("contradicting", [])]]
    assert_clean([q["text"] for q in quotes], "themes")
    for q in quotes:
        assert_true_source(client, q["chunk_id"], q["source"], q["text"])


def _pack_texts(pack: dict[str, Any]) -> list[str]:
    texts = []
    for section in pack["objectives"]:
        texts.append(section["title"])
        texts += [i["title"] for i in section["initiatives"]]
        texts += [s["text"] for part in ("risks", "questions", "changes") for s in section[part]]
        texts += [kr["progress"].get("text") or "" for kr in section["key_results"]]
    return [t for t in texts if t]


def test_checkin(client: TestClient) -> None:
    response = client.post("/v1/checkins", json={"cadence": "quarterly-review", "period": "2026-Q4"}, headers=AUTH)
    assert response.status_code == 200, response.text
    pack = response.json()
    assert_clean(_pack_texts(pack), "check-in")
    initiatives = {i["id"] for s in pack["objectives"] for i in s["initiatives"]}
    assert {"GRO-1", "GRO-3"} <= initiatives and "GRO-2" not in initiatives  # the injected heading is no item
    assert "on track" not in " ".join(i["status"] or "" for s in pack["objectives"] for i in s["initiatives"])


def test_contact_check(client: TestClient) -> None:
    check = client.post("/v1/contacts/check", headers=AUTH, json={
        "company": "Harbor Lane Logistics", "topics": "importing the customer list during setup"}).json()
    passages = [r["text"] for r in check["related_research"] if r["text"]]
    assert_clean(passages, "contact check")
    for research in check["related_research"]:
        assert_true_source(client, research["chunk_id"], research["source"])


def test_a_model_that_repeats_an_instruction_does_not_get_it_shown(world: Runtime) -> None:
    reply = (f"{REWORDED[1]} [1] New teams give up during setup before they see a dispatched job [1]. "
             f"{REWORDED[3]} [2]")
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    service = ChatService(world, synthesizer=LLMSynthesizer(model))
    answer = service.ask(QUESTIONS[0], scope=["growth"])
    assert [s.text for s in answer.sentences] == ["New teams give up during setup before they see a dispatched job."]


def test_prompts_carry_document_text_as_data(world: Runtime) -> None:
    chunks = list(world.store.iter_chunks(where={"source": "notes/2026-12-03-offsite.md"}))
    prompt = render("answer", question="What about setup?", hits=[Hit(chunk=c, score=1.0) for c in chunks])
    fences = re.findall(r'<source n="(\d+)"[^>]*path="([^"]*)"', prompt)
    assert {path for _, path in fences} == {"notes/2026-12-03-offsite.md"}
    assert prompt.count("<source ") == prompt.count("</source>") == len(chunks)
    documents = re.sub(r"<source [^>]*>|</source>", "", prompt)
    assert "[3]" not in documents and "[4][5]" not in documents and "(3)" in documents
