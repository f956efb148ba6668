"""Transcript identity and segments, on small fictional shows and interviews written for these tests.

"The Build Log" is a made-up podcast hosted by Mara Quill: every episode opens with a clip, a scripted welcome
and an ad read (once as a dialogue with the sponsor's staff), then the conversation, a recurring rapid-fire
round and the closing plugs. What is asserted is what ingestion stores on each turn chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.runtime import Runtime
from assistant.schemas import Chunk
from assistant.segments import customer_evidence_filters, is_customer_evidence
from assistant.store.filters import chroma_where
from ingest.interviews import identify
from ingest.pipeline import ingest_paths
from tests.utils import load, markdown, write

GUESTS = [
    ("Priya Natarajan", "onboarding checklists", "activation went up once the checklist was short"),
    ("Tomas Rivera", "pricing pages", "annual plans sold better after we showed the monthly price first"),
    ("Lena Hoffmann", "support tickets", "every ticket is a bug report about the product, not about the user"),
    ("Kwame Mensah", "release notes", "customers read release notes when they are written as stories"),
]
WELCOME = ("Welcome to The Build Log, the show where I talk with people who build software products about what "
           "they learned the hard way, so you can learn it the easy way.")
AD = ("This episode is brought to you by Lumenpay, the payments platform for subscription software. Lumenpay "
      "handles invoices, retries and taxes so your team does not have to. Try it free at lumenpay.com/buildlog.")
BOOKS = "What are two or three books that you recommend most to the people on your team?"
TOOL = "What is a favorite tool that you recently discovered and really love using every day?"
PLUGS = "Where can listeners find you online, and how can listeners be useful to you?"
OUTRO = ("Thank you so much for listening. If you enjoyed this, subscribe to the show in your podcast app and "
         "leave a review, it helps other people find the show.")


def episode(guest: str, topic: str, clip: str, with_staff: bool) -> str:
    first = guest.split()[0]
    lines = [
        f"{guest} (00:00:00):\n{clip.capitalize()}, and that changed how we planned every quarter.",
        f"Mara Quill (00:00:20):\n{WELCOME} Today my guest is {guest}, who has spent years on {topic}.",
        f"(00:00:50):\n{AD}",
    ]
    if with_staff:
        lines += [
            "Mara Quill (00:01:20):\nI'm here with Dana Holt from podcast sponsor Lumenpay. Dana, what is new?",
            "Dana Holt (00:01:25):\nWe just launched smart retries that recover failed card payments for you.",
            "Mara Quill (00:01:40):\nThanks Dana. Head to lumenpay.com/buildlog to get started.",
        ]
    lines += [
        f"Mara Quill (00:02:00):\n{first}, thank you for being here.",
        f"{guest} (00:02:05):\nThanks for having me, it is great to be on the show.",
        f"Mara Quill (00:02:10):\nLet's start with {topic}. What did you try first and what happened?",
        f"{guest} (00:02:20):\nWe tried three versions of {topic} with our customers over two quarters. "
        f"The first one failed because nobody owned it, and the second one was too long to finish.",
        "Mara Quill (00:03:00):\nWhat was the lesson you took from that for the rest of the team?",
        f"{guest} (00:03:10):\nThe lesson was that {clip}, and that changed how we planned every quarter. "
        "We now test the smallest version with five customers before anyone writes a plan.",
        f"Mara Quill (00:04:00):\nWe have reached the rapid-fire round. {BOOKS}",
        f"{guest} (00:04:05):\nI give everyone a copy of a small book about writing clearly, and a novel I love.",
        f"Mara Quill (00:04:20):\n{TOOL}",
        f"{guest} (00:04:25):\nA tiny timer app that keeps my meetings honest and short every single day.",
        f"Mara Quill (00:04:40):\nLovely. {PLUGS}",
        f"{guest} (00:04:45):\nI write a newsletter about {topic}, and I am happy to answer emails from listeners.",
        f"Mara Quill (00:05:00):\nThank you, {first}. {OUTRO}",
    ]
    return "# Episode\n\n## Transcript\n\n" + "\n\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Runtime:
    from assistant.config import Settings

    root = tmp_path_factory.mktemp("show")
    for i, (guest, topic, clip) in enumerate(GUESTS):
        slug = guest.lower().replace(" ", "-")
        write(root, f"episodes/{slug}.md", markdown(episode(guest, topic, clip, with_staff=i < 2), guest=guest,
                                                     date=f"2026-0{i + 1}-15", company="Independent"))
    runtime = Runtime(Settings(data_dir=tmp_path_factory.mktemp("show-data")),
                      embedder_factory=lambda: embedder)  # type: ignore[arg-type,return-value]
    report = ingest_paths(runtime, [root], show_progress=False)
    assert not report.failed and report.added == len(GUESTS)
    return runtime


def turns_of(runtime: Runtime, slug: str) -> list[Chunk]:
    chunks = runtime.store.iter_chunks(where={"source": f"episodes/{slug}.md"})
    return sorted((c for c in chunks if c.meta.turn is not None), key=lambda c: c.meta.position)


def segment_of(chunks: list[Chunk], text: str) -> str | None:
    (chunk,) = [c for c in chunks if text in c.text][:1]
    return chunk.meta.segment


@pytest.mark.parametrize("slug", ["priya-natarajan", "kwame-mensah"])
def test_every_segment_kind_is_marked(show: Runtime, slug: str) -> None:
    chunks = turns_of(show, slug)
    assert chunks[0].meta.segment == "cold-open"  # the opening clip, said again later
    assert segment_of(chunks, "Welcome to The Build Log") == "intro"
    assert segment_of(chunks, "brought to you by Lumenpay") == "sponsor"
    assert segment_of(chunks, "thank you for being here.") == "conversation"
    assert segment_of(chunks, "We tried three versions") == "conversation"
    assert segment_of(chunks, "The lesson was that") == "conversation"  # the later copy of the clip stays
    assert segment_of(chunks, "two or three books") == "scripted"
    assert segment_of(chunks, "I give everyone a copy") == "scripted"  # the answer to a scripted question
    assert segment_of(chunks, "tiny timer app") == "scripted"
    assert segment_of(chunks, "Where can listeners find you") == "outro"
    assert segment_of(chunks, "I write a newsletter") == "outro"
    assert segment_of(chunks, "Thank you so much for listening") == "outro"


def test_a_sponsor_dialogue_is_an_ad_and_its_staff_no_participant(show: Runtime) -> None:
    chunks = turns_of(show, "priya-natarajan")
    staff = [c for c in chunks if c.meta.speaker == "Dana Holt"]
    assert staff and all(c.meta.segment == "sponsor" and c.meta.speaker_is_participant is False for c in staff)
    assert segment_of(chunks, "I'm here with Dana Holt") == "sponsor"
    assert segment_of(chunks, "Head to lumenpay.com") == "sponsor"


def test_customer_evidence_is_conversation_by_participants_only(show: Runtime) -> None:
    evidence = list(show.store.iter_chunks(where=chroma_where(customer_evidence_filters(), None)))
    assert evidence and all(is_customer_evidence(c) for c in evidence)
    texts = " ".join(c.text for c in evidence)
    for left_out in ("Welcome to The Build Log", "Lumenpay", "small book", "newsletter", "smart retries"):
        assert left_out not in texts
    assert {c.meta.speaker for c in evidence} == {g for g, _, _ in GUESTS}


def test_roles_and_people_are_stored_on_every_turn(show: Runtime) -> None:
    chunks = turns_of(show, "tomas-rivera")
    roles = {c.meta.speaker: c.meta.speaker_role for c in chunks}
    assert roles == {"Tomas Rivera": "participant", "Mara Quill": "interviewer", "Dana Holt": "other"}
    assert all(c.meta.participants == ["Tomas Rivera"] and c.meta.interviewer == "Mara Quill" for c in chunks)


def test_segments_are_metadata_updates_that_converge(show: Runtime, tmp_path: Path) -> None:
    from ingest.interviews import refresh_interviews

    before = {c.id: c.meta for c in show.store.iter_chunks(where={"kind": "interview"})}
    assert refresh_interviews(show) == 0  # nothing changes when run again: order-independent, idempotent
    after = {c.id: c.meta for c in show.store.iter_chunks(where={"kind": "interview"})}
    assert before == after


def test_two_guests_each_get_their_own_turns(tmp_path: Path) -> None:
    body = ("Mara Quill: Welcome both. How do you split the work between you?\n"
            "Ana Ruiz: I run research and talk to customers every week.\n"
            "Bo Chen: I run the experiments that follow from what Ana hears.\n"
            "Mara Quill: What do you disagree about?\n"
            "Bo Chen: How long a test should run before we call it.\n"
            "Ana Ruiz: And whether five interviews are enough to decide.\n")
    write(tmp_path, "interviews/duo.md", markdown(body, guest="Ana Ruiz and Bo Chen"))
    parsed = load(tmp_path, "interviews/duo.md")
    assert parsed.info.participants == ["Ana Ruiz", "Bo Chen"]
    assert {(t.speaker, t.role) for t in parsed.turns} == {
        ("Mara Quill", "interviewer"), ("Ana Ruiz", "participant"), ("Bo Chen", "participant")}
    write(tmp_path, "interviews/duo2.md", body)  # no front matter: both speak enough to be participants
    assert load(tmp_path, "interviews/duo2.md").info.participants == ["Ana Ruiz", "Bo Chen"]


@pytest.mark.parametrize(
    ("labels", "folded"),
    [
        (["Mara Quill"] * 6 + ["Mara Quil"], {"Mara Quill"}),  # a one-off typo folds into the frequent label
        (["Mara"] + ["Mara Quill"] * 5, {"Mara Quill"}),  # a first name folds into the one full name
        (["Speaker 1"] * 5 + ["Speaker 2"], {"Speaker 1", "Speaker 2"}),  # generic labels never fold
        (["Ana"] * 5 + ["Ann"] * 4, {"Ana", "Ann"}),  # similar weight: two people
    ],
)
def test_label_typos_fold_only_when_unambiguous(tmp_path: Path, labels: list[str], folded: set[str]) -> None:
    lines = []
    for i, label in enumerate(labels):
        lines.append(f"{label}: Is the export working for you this week, number {i}?")
        lines.append(f"Jo Park: It works, but it is slow on large files, case {i}.")
    write(tmp_path, "interviews/t.md", "\n".join(lines) + "\n")
    speakers = {t.speaker for t in load(tmp_path, "interviews/t.md").turns} - {"Jo Park"}
    assert speakers == folded


@pytest.mark.parametrize(
    ("meta", "people"),
    [
        ({"guest": "Jo Okafor"}, ["Joanna Okafor"]),  # the label spells the person; metadata shortens it
        ({"guest": "Okafer"}, ["Joanna Okafor"]),  # a slug with a typo still finds her label
        ({"participants": ["Joanna Okafor", "Rui Santos"]}, ["Joanna Okafor", "Rui Santos"]),
        ({"participant": "Speaker"}, ["Joanna Okafor"]),
    ],
)
def test_front_matter_names_are_reconciled_with_labels(tmp_path: Path, meta: dict[str, object],
                                                        people: list[str]) -> None:
    body = ("Lin Host: What made you switch tools last spring?\nJoanna Okafor: Our reports took a day to build.\n"
            "Lin Host: And now?\nJoanna Okafor: Ten minutes, and the numbers match finance.\n"
            "Rui Santos: I would add that the exports finally open in our spreadsheet tool.\n"
            "Lin Host: Thanks.\nRui Santos: Happy to help, and we can share the template.\n"
            "Joanna Okafor: Same here, we can share what we built for the board deck.\n")
    write(tmp_path, "interviews/jo.md", markdown(body, **meta))
    info = load(tmp_path, "interviews/jo.md").info
    assert info.participants[: len(people)] == people and info.interviewer == "Lin Host"


def test_front_matter_is_never_turn_text(tmp_path: Path) -> None:
    body = "Lin Host: How do you onboard new staff?\nJoanna Okafor: With a checklist and a buddy.\n"
    write(tmp_path, "interviews/fm.md", markdown(body, guest="Joanna Okafor", keywords=["growth", "okrs"],
                                                 view_count=1234, youtube_url="https://example.com/v"))
    parsed = load(tmp_path, "interviews/fm.md")
    assert all("keywords" not in t.text and "view_count" not in t.text for t in parsed.turns)


def test_the_interviewer_is_who_asks_questions_across_the_corpus() -> None:
    """A guest who asks more rhetorical questions than the host in one interview is still the guest: the host
    asks questions in every interview."""
    from assistant.schemas import Turn
    from ingest.interviews import asking_counts

    def interview(guest: str, rhetorical: int) -> list[Turn]:
        turns = [Turn(speaker="Mara Quill", text="So how did that start?")]
        turns += [Turn(speaker=guest, text=f"Why would anyone do that? Who knows? Number {i}?")
                  for i in range(rhetorical)]
        turns += [Turn(speaker="Mara Quill", text="Interesting, and then?"), Turn(speaker=guest, text="It grew.")]
        return turns

    corpus = [interview("Ola Berg", 1), interview("Sam Ode", 1), interview("Kit Vance", 6)]
    alone, _ = identify(corpus[2])
    assert {t.speaker for t in alone if t.role == "interviewer"} == {"Kit Vance"}  # one transcript: fooled
    marked, cast = identify(corpus[2], asking=asking_counts(corpus))
    assert cast.interviewer == "Mara Quill" and cast.participants == ["Kit Vance"]


def test_timestamped_blocks_stay_turns_of_their_own(tmp_path: Path) -> None:
    body = ("Mara Quill (00:00:01):\nWelcome to the show.\n\n(00:00:10):\nThis episode is brought to you by "
            "Lumenpay. Try it at lumenpay.com/show.\n\n(00:00:30):\nJo, welcome. How did you start?\n\n"
            "Jo Park (00:00:32):\nBy accident!\n")
    write(tmp_path, "interviews/blocks.md", body)
    turns = load(tmp_path, "interviews/blocks.md").turns
    assert [(t.speaker, t.timestamp) for t in turns] == [
        ("Mara Quill", "00:00:01"), ("Mara Quill", "00:00:10"), ("Mara Quill", "00:00:30"), ("Jo Park", "00:00:32")]
    assert [t.segment for t in turns] == ["intro", "sponsor", "conversation", "conversation"]


def test_participant_vectors_are_their_own_words(make_runtime: Callable[..., Runtime], tmp_path: Path) -> None:
    from ingest.chunking import embedding_text

    body = "Lin Host: What slows you down?\nJoanna Okafor: Exports time out on large reports every month.\n"
    write(tmp_path, "ws/interviews/a.md", markdown(body, guest="Joanna Okafor"))
    runtime = make_runtime()
    ingest_paths(runtime, [tmp_path / "ws"], show_progress=False)
    (answer,) = list(runtime.store.iter_chunks(where={"speaker_is_participant": True}))
    assert answer.context.startswith("Lin Host:")  # the question stays the lexical context
    assert embedding_text(answer) == answer.text  # but the vector is made of the answer alone
    (stored,) = runtime.store.vectors([answer.id])
    (own,) = runtime.embedder.embed_documents([answer.text])
    assert sum(a * b for a, b in zip(stored, own, strict=True)) > 0.999
