"""Workspace discovery, content hashing, kind detection, bad input, and the public corpora."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.errors import SourceError
from assistant.schemas import Kind
from ingest.chunking import chunk_source
from ingest.sources import FORMATS, content_hash, discover, load_source, parsed_fingerprint, source_fingerprint
from tests.utils import CORPUS, csv_text, load, make_pdf, markdown, settings, sidecar, write


def test_discover_sorts_and_skips_hidden_cache_and_sidecars(tmp_path: Path) -> None:
    for rel in [
        "b.md",
        "a/z.csv",
        "a/b.vtt",
        "a/b.vtt.meta.yaml",
        "c.md.meta.yml",
        ".hidden.md",
        ".git/config",
        "x/.cache/y.md",
        "__pycache__/m.pyc",
        "notes/readme.txt",
        "odd.xyz",
    ]:
        write(tmp_path, rel, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["a/b.vtt", "a/z.csv", "b.md", "notes/readme.txt", "odd.xyz"]


def test_fingerprint_matches_load_and_sidecar_edits_change_it(tmp_path: Path) -> None:
    path = write(tmp_path, "notes/n.md", "Body text.")
    parsed = load(tmp_path, "notes/n.md")
    assert parsed.info.content_hash == content_hash(b"Body text.")
    assert source_fingerprint(tmp_path, path) == parsed_fingerprint(parsed.info.content_hash)
    sidecar(tmp_path, "notes/n.md", team="growth")
    with_sidecar = source_fingerprint(tmp_path, path)
    assert with_sidecar != parsed_fingerprint(parsed.info.content_hash)
    assert parsed_fingerprint(load(tmp_path, "notes/n.md").info.content_hash) == with_sidecar
    sidecar(tmp_path, "notes/n.md", team="sales")
    assert source_fingerprint(tmp_path, Path("notes/n.md")) != with_sidecar


def test_a_new_parser_version_reads_every_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "notes/n.md", "Body text.")
    before = source_fingerprint(tmp_path, path)
    monkeypatch.setattr("ingest.sources.PARSER_VERSION", b"prodops-parser-next")
    assert source_fingerprint(tmp_path, path) != before  # an upgraded loader re-parses unchanged files


def test_relative_and_absolute_paths_give_the_same_source_id(tmp_path: Path) -> None:
    write(tmp_path, "strategy/plan.md", "Body.")
    by_abs = load_source(tmp_path, tmp_path / "strategy" / "plan.md", settings())
    by_rel = load_source(tmp_path, Path("strategy/plan.md"), settings())
    assert by_abs == by_rel and by_abs.info.path == "strategy/plan.md"


def test_paths_from_discover_with_a_relative_root_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "ws/notes/a.md", "Body.")
    monkeypatch.chdir(tmp_path)
    root = Path("ws")
    (path,) = discover(root)
    assert load_source(root, path, settings()).info.path == "notes/a.md"
    assert source_fingerprint(root, path) == parsed_fingerprint(content_hash(b"Body."))


# --- Metadata: aliases, visibility, dates, titles, teams ---------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "field", "expected"),
    [
        ({"guest": "Rosa"}, "participant", "Rosa"),
        ({"interviewee": "Rosa"}, "participant", "Rosa"),
        ({"customer_name": "Rosa"}, "participant", "Rosa"),
        ({"host": "Sam"}, "interviewer", "Sam"),
        ({"organization": "Acme"}, "company", "Acme"),
        ({"account": "Acme"}, "company", "Acme"),
        ({"customer": "Acme"}, "company", "Acme"),
        ({"publish_date": "2026-09-14"}, "date", dt.date(2026, 9, 14)),
        ({"created": "2026/09/14"}, "date", dt.date(2026, 9, 14)),
        ({"audience": ["Growth", " Sales "]}, "visibility", ["growth", "sales"]),
        ({"access": "public"}, "visibility", ["everyone"]),
        ({"Doc-Type": "memo"}, "doc_type", "memo"),
    ],
)
def test_metadata_aliases(tmp_path: Path, meta: dict[str, object], field: str, expected: object) -> None:
    write(tmp_path, "doc.md", markdown("Body text.", **meta))
    assert getattr(load(tmp_path, "doc.md").info, field) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ["everyone"]),
        ("everyone", ["everyone"]),
        ("All", ["everyone"]),
        ("public", ["everyone"]),
        ("growth", ["growth"]),
        ("Growth, Sales ,", ["growth", "sales"]),
        (["Growth", "sales", "growth"], ["growth", "sales"]),
        (["growth", "everyone"], ["everyone"]),
    ],
)
def test_visibility(tmp_path: Path, value: object, expected: list[str]) -> None:
    write(tmp_path, "doc.md", markdown("Body.", visibility=value) if value is not None else "Body.")
    assert load(tmp_path, "doc.md").info.visibility == expected


@pytest.mark.parametrize(
    "value",
    ["2026-09-14", "2026/09/14", "2026-09-14T10:00:00Z", "14 Sep 2026", "Sep 14, 2026", dt.date(2026, 9, 14)],
)
def test_date_formats(tmp_path: Path, value: object) -> None:
    write(tmp_path, "doc.md", markdown("Body.", date=value))
    assert load(tmp_path, "doc.md").info.date == dt.date(2026, 9, 14)


@pytest.mark.parametrize(
    ("rel", "content", "expected"),
    [
        ("notes/2026-09-14-sync.md", "Body.", dt.date(2026, 9, 14)),
        ("notes/sync.md", "Body.", None),
        ("notes/2026-09-14-sync.md", markdown("Body.", date="2025-01-02"), dt.date(2025, 1, 2)),
    ],
)
def test_date_fallback_is_the_filename_never_mtime(tmp_path: Path, rel: str, content: str, expected: object) -> None:
    write(tmp_path, rel, content)
    assert load(tmp_path, rel).info.date == expected


@pytest.mark.parametrize(
    ("rel", "content", "title"),
    [
        ("a.md", markdown("# Heading one\n\nText.", title="Meta title"), "Meta title"),
        ("a.md", "Intro line.\n\n# Heading *one*\n\n## Two\n\nText.", "Heading one"),
        ("notes/2026-09-14_weekly-sync.md", "No heading here.", "Weekly sync"),
        ("strategy/growth-team/index.md", "No heading.", "Growth team"),
        ("data/companyMonthly_FTS.csv", csv_text("month,fts", "2026-01,1", "2026-02,2"), "Company Monthly FTS"),
    ],
)
def test_title_precedence(tmp_path: Path, rel: str, content: str, title: str) -> None:
    write(tmp_path, rel, content)
    assert load(tmp_path, rel).info.title == title


@pytest.mark.parametrize(
    ("rel", "team"),
    [("teams/Growth/plan.md", "growth"), ("org/teams/platform-core/x/plan.md", "platform-core"), ("plan.md", None)],
)
def test_team_from_teams_folder(tmp_path: Path, rel: str, team: str | None) -> None:
    write(tmp_path, rel, "Body.")
    assert load(tmp_path, rel).info.team == team


# --- Kind detection ----------------------------------------------------------------------------------------

OKR_TEXT = "Our objectives for Q3.\n\nObjective: grow. Key results: KR1 and KR2 measured weekly.\n"
SPEAKERS = "Ana: How do you plan?\nBen: With a spreadsheet.\nAna: Why?\nBen: It is cheap.\n"


@pytest.mark.parametrize(
    ("rel", "content", "kind"),
    [
        ("interviews/plan.md", markdown("Text.", kind="strategy"), Kind.STRATEGY),  # frontmatter beats folder
        ("strategy/okr-notes.md", "Plain words.", Kind.STRATEGY),
        ("company/OKRs/q3.md", "Plain words.", Kind.STRATEGY),
        ("product/roadmaps/h2.md", "Plain words.", Kind.STRATEGY),
        ("user-research/acme.md", "Plain words.", Kind.INTERVIEW),
        ("sales_calls/acme.md", "Plain words.", Kind.INTERVIEW),
        ("kpis/summary.md", "Plain words.", Kind.METRICS),
        ("weekly meetings/sync.md", "Plain words.", Kind.NOTE),
        ("notes/strategy offsite/day1.md", "Plain words.", Kind.STRATEGY),  # the deepest folder is most specific
        ("notes/okrs.md", OKR_TEXT, Kind.NOTE),  # folder beats content
        ("misc/okrs.md", OKR_TEXT, Kind.STRATEGY),
        ("misc/call.md", SPEAKERS, Kind.INTERVIEW),
        ("misc/call.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: Hi?\n", Kind.INTERVIEW),
        ("misc/table.csv", csv_text("month,users", "2026-01,1", "2026-02,2"), Kind.METRICS),
        ("misc/memo.md", "Plain words.", Kind.NOTE),
        ("strategy/board.csv", csv_text("month,users", "2026-01,1", "2026-02,2"), Kind.STRATEGY),
    ],
)
def test_kind_precedence(tmp_path: Path, rel: str, content: str, kind: Kind) -> None:
    write(tmp_path, rel, content)
    assert load(tmp_path, rel).info.kind is kind


def test_sidecar_kind_beats_folder_and_frontmatter_beats_sidecar(tmp_path: Path) -> None:
    write(tmp_path, "notes/a.md", "Text.")
    sidecar(tmp_path, "notes/a.md", kind="interview")
    assert load(tmp_path, "notes/a.md").info.kind is Kind.INTERVIEW
    write(tmp_path, "notes/b.md", markdown("Text.", kind="metrics"))
    sidecar(tmp_path, "notes/b.md", kind="interview")
    assert load(tmp_path, "notes/b.md").info.kind is Kind.METRICS


def _broken_pdf(root: Path) -> bytes:
    return make_pdf(root / "_tmp" / "full.pdf", ["Some text in a PDF."]).read_bytes()[:400]


BAD_INPUTS = [
    ("bin.md", b"\x00\x01\x02binary junk\xff", ["binary file"]),
    ("latin.md", "Caf\u00e9 notes".encode("latin-1"), ["not valid UTF-8", "byte offset 3", "re-save"]),
    ("utf16.txt", "hello".encode("utf-16"), ["UTF-16", "UTF-8"]),
    ("empty.md", b"", ["empty file"]),
    ("blank.md", b"  \n\t\n ", ["empty file"]),
    ("only-meta.md", b"---\ntitle: x\n---\n", ["empty file"]),
    ("m/no-numbers.csv", b"month,label\n2026-01,a\n2026-02,b\n", ["malformed metric table", "no numeric", "expected"]),
    ("m/one-row.csv", b"month,users\n2026-01,5\n", ["malformed metric table", "expected a period column"]),
    ("m/one-good-row.csv", b"month,users\n2026-01,5\nbad,7\n", ["only 1 row", "expected"]),
    ("m/no-period.csv", b"users,visits\n1,2\n3,4\n", ["no period column", "expected"]),
    ("m/ts.json", b'{"lastRun": "2026-01-14T15:29:24.366Z"}', ["no metric series found in JSON", "expected"]),
    ("m/bad.json", b'{"a": [1, 2,,]}', ["invalid JSON", "line 1", "fix"]),
    ("doc.pdf", None, ["unreadable PDF", "export"]),
    ("scan.pdf", "no-text", ["no extractable text", "OCR"]),
    ("doc.docx", b"PK\x03\x04 not really a zip", ["unreadable DOCX", "re-save"]),
    ("slides.pptx", b"whatever", ["unsupported file type .pptx", "supported: .md"]),
    ("Makefile", b"all:", ["unsupported file type (no extension)"]),
    ("bad-yaml.md", b"---\ntitle: ok\nkind: a: b\n---\nBody.\n", ["invalid YAML frontmatter", "line 3"]),
    ("list-yaml.md", b"---\n- a\n- b\n---\nBody.\n", ["frontmatter must be a mapping"]),
    (
        "kind.md",
        b"---\nkind: roadmap-ish\n---\nBody.\n",
        ["invalid kind 'roadmap-ish'", "strategy, interview, metrics, note"],
    ),
    ("date.md", b"---\ndate: next tuesday\n---\nBody.\n", ["invalid date 'next tuesday'", "'date'", "YYYY-MM-DD"]),
    ("date2.md", b"---\npublish_date: 2026-13-45\n---\nBody.\n", ["invalid date '2026-13-45'", "'publish_date'"]),
    ("i/empty.vtt", b"WEBVTT\n\nNOTE nothing here\n", ["no cues with text", "VTT"]),
    ("i/empty.srt", b"1\n\n2\n", ["no cues with text", "SRT"]),
]


@pytest.mark.parametrize(("rel", "data", "fragments"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_raises_source_error_naming_file_and_fix(
    tmp_path: Path, rel: str, data: bytes | str | None, fragments: list[str]
) -> None:
    if data is None:
        write(tmp_path, rel, _broken_pdf(tmp_path))
    elif data == "no-text":
        make_pdf(tmp_path / rel, [])
    else:
        assert isinstance(data, bytes)
        write(tmp_path, rel, data)
    with pytest.raises(SourceError) as caught:
        load(tmp_path, rel)
    assert caught.value.path == rel and str(caught.value).startswith(f"{rel}: ")
    for fragment in fragments:
        assert fragment in caught.value.reason


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    make_pdf(tmp_path / "locked.pdf", ["Secret plan."], password="pw")
    with pytest.raises(SourceError, match="encrypted PDF.*without a password"):
        load(tmp_path, "locked.pdf")


def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    write(tmp_path, "big.md", "x" * 500)
    with pytest.raises(SourceError) as caught:
        load(tmp_path, "big.md", max_file_bytes=100)
    assert "500 bytes" in caught.value.reason and "PRODOPS_MAX_FILE_BYTES" in caught.value.reason


def test_bad_sidecar_yaml_names_the_sidecar_and_line(tmp_path: Path) -> None:
    write(tmp_path, "notes/n.md", "Body.")
    write(tmp_path, "notes/n.md.meta.yaml", "team: growth\ntitle: a: b\n")
    with pytest.raises(SourceError) as caught:
        load(tmp_path, "notes/n.md")
    assert caught.value.path == "notes/n.md"
    assert "sidecar n.md.meta.yaml" in caught.value.reason and "line 2" in caught.value.reason


def test_bom_and_crlf_are_normalised(tmp_path: Path) -> None:
    write(tmp_path, "n.md", "\ufeff# Title\r\n\r\nLine one.\r\nLine two.\r\n".encode())
    parsed = load(tmp_path, "n.md")
    assert parsed.text == "# Title\n\nLine one.\nLine two." and parsed.info.title == "Title"


def test_supported_formats_listed_in_the_error_are_the_ones_loaded() -> None:
    assert set(FORMATS) == {
        ".md",
        ".markdown",
        ".mdx",
        ".html",
        ".htm",
        ".txt",
        ".text",
        ".vtt",
        ".srt",
        ".csv",
        ".tsv",
        ".json",
        ".pdf",
        ".docx",
    }


# --- Public corpora (../shared/corpus); skipped when absent -------------------------------------------------


def _corpus(name: str) -> Path:
    root = CORPUS / name
    if not root.is_dir():
        pytest.skip(f"public corpus {root} not present (it lives next to the repo in ../shared/corpus)")
    return root


@pytest.mark.corpus
def test_buffer_metrics_corpus(tmp_path: Path) -> None:
    root = _corpus("buffer-metrics")
    loaded, failed = {}, {}
    for path in discover(root):
        if path.suffix not in (".csv", ".json"):
            continue
        try:
            loaded[path.name] = load_source(root, path, settings())
        except SourceError as exc:
            failed[path.name] = exc.reason
    assert set(failed) == {"last_query_timestamp.json"}
    assert failed["last_query_timestamp.json"].startswith("no metric series found in JSON")
    assert len(loaded) == 17
    # press_reach.csv lists press mentions (title, outlet, writer, link per row): a table of records, not a time
    # series, so it is kept as readable rows instead of a "Reach" series summed by day.
    press = loaded.pop("press_reach.csv")
    assert not press.metric_points and "not a time series" in press.text
    assert press.text.count("Outlet: ") > 20  # one line per mention, with its columns named
    for name, parsed in loaded.items():
        assert parsed.info.kind is Kind.METRICS and parsed.metric_points, name
        assert all(chunk.meta.metric for chunk in chunk_source(parsed, settings())), name
    # The per-channel table has no period: a snapshot with one category per channel.
    channels = loaded["buffer-channel-monthly-performance.csv"].metric_points
    assert {p.period for p in channels} == {"snapshot"} and len({p.category for p in channels}) == 9
    movements = loaded["chartmogul_mrr_events.csv"].metric_points
    assert {p.category for p in movements} == {"new_biz", "expansion", "contraction", "churn", "reactivation"}
    assert "First-time sessions (fts)" in loaded["company_monthly_fts.csv"].text


@pytest.mark.corpus
def test_sourcegraph_handbook_corpus() -> None:
    root = _corpus("sourcegraph-handbook")
    docs = [p for p in discover(root) if p.suffix == ".md"]
    assert len(docs) >= 60
    for path in docs:
        parsed = load_source(root, path, settings())
        assert parsed.info.title and parsed.text, path
        if parsed.info.path.startswith("content/strategy-goals/"):
            assert parsed.info.kind is Kind.STRATEGY, path
        assert not parsed.turns, path  # "KR: ..." lines are labels, not speakers
    okrs = load_source(root, root / "content/strategy-goals/goals/2022_q1.md", settings())
    assert okrs.info.title == "FY22-Q1 OKRs"
    with pytest.raises(SourceError, match="unsupported file type"):
        load_source(root, root / "LICENSE", settings())
    teams = load_source(root, root / "content/departments/engineering/teams/search/goals_completed.md", settings())
    assert teams.info.team == "search"


@pytest.mark.corpus
@pytest.mark.parametrize("index", [0, 1, 2])
def test_podcast_transcripts_corpus(index: int) -> None:
    root = _corpus("lennys-podcast")
    episode = sorted((root / "episodes").iterdir())[index] / "transcript.md"
    parsed = load_source(root, episode, settings())
    guest = str(parsed.info.participant)
    assert parsed.info.kind is Kind.INTERVIEW and len(parsed.turns) >= 40
    assert parsed.info.interviewer is not None and parsed.info.interviewer.startswith("Lenny")
    chunks = chunk_source(parsed, settings())
    guest_chunks = [c for c in chunks if c.meta.speaker_is_participant]
    host_chunks = [c for c in chunks if c.meta.speaker_is_participant is False]
    assert guest_chunks and host_chunks
    assert {c.meta.speaker for c in host_chunks} == {parsed.info.interviewer}
    assert guest.split()[0] in {c.meta.speaker.split()[0] for c in guest_chunks if c.meta.speaker}
    record, *turn_chunks = chunks  # the first chunk states the interview's metadata (guest, host, date)
    assert record.text.startswith("Interview record: ") and guest in record.text
    assert all(c.text in parsed.text for c in turn_chunks)
    assert json.dumps([c.model_dump(mode="json") for c in chunks])  # serialisable as stored
