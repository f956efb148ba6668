"""Document formats read as Markdown structure: MDX, HTML (Confluence, Notion, Google Docs exports), DOCX, and
Notion-style export names. Fixtures in tests/fixtures/exports imitate each tool's export markup with a fictional
company's text."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.errors import SourceError
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Kind
from ingest.pipeline import ingest_paths
from tests.markdown_outline import outline
from tests.utils import load, make_docx, write

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
NOTION_ID = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"


def copy_export(root: Path, name: str, rel: str) -> str:
    write(root, rel, (EXPORTS / name).read_bytes())
    return rel


# --- MDX -----------------------------------------------------------------------------------------------------


def test_mdx_page_becomes_markdown(tmp_path: Path) -> None:
    rel = copy_export(tmp_path, "handbook-page.mdx", "teams/platform/goals.mdx")
    parsed = load(tmp_path, rel)
    tree = outline(parsed.text)
    assert tree.headings == [
        (1, "Platform team goals"),
        (2, "Objectives"),
        (3, "Objective 1: Faster builds"),  # <summary> one level below the enclosing "## Objectives"
        (3, "Objective 2: Fewer incidents"),
        (2, "Initiatives"),
    ]
    assert [text for _, text in tree.items] == [
        "KR1.1: median CI time under 8 minutes (from 14)",
        "KR1.2: flaky test rate (2, %) or less",
        "KR2.1: no more than two sev-2 incidents a month",
    ]
    assert tree.rows == [
        ("Initiative", "Owner", "Status"),
        ("Remote build cache", "Lee Park", "In progress"),
        ("Test quarantine", "Ana Diaz", "Planned"),
    ]
    text = parsed.text
    assert "Owner: Ana Diaz (Engineering manager)" in text  # attribute values that carry content
    assert "How we use this page\n\nWe review these goals every two weeks." in text
    assert "import" not in text and "export" not in text and "reviewed" not in text  # ESM dropped
    assert "/img/ana.png" not in text and "info" not in text and "{" not in text.split("```")[0]
    assert "```tsx\n<Callout type=\"warning\">This example stays code.</Callout>\n{notAnExpression}\n```" in text
    assert "`<OnCall>`" in text  # inline code is not a component
    assert "Written by the platform team with CI (continuous integration) data from ." in text
    info = parsed.info
    assert (info.format, info.title, info.team, info.kind) == ("mdx", "Platform team goals", "platform", Kind.STRATEGY)


@pytest.mark.parametrize(
    ("source", "headings"),
    [
        ("# A\n\n<details>\n<summary>S</summary>\n\nbody\n</details>\n", [(1, "A"), (2, "S")]),
        ("# A\n\n### C\n\n<details><summary>S</summary>body</details>\n", [(1, "A"), (3, "C"), (4, "S")]),
        ("<details><summary>S</summary>\n\nbody\n\n</details>\n", [(2, "S")]),  # no heading above: below a title
        (  # nested blocks nest; a sibling after them is back at the outer level
            "# A\n\n<details><summary>Outer</summary>\n\n<details><summary>Inner</summary>\n\nx\n\n</details>\n\n"
            "</details>\n\n<details><summary>Next</summary>\n\ny\n\n</details>\n",
            [(1, "A"), (2, "Outer"), (3, "Inner"), (2, "Next")],
        ),
        ("## A\n\n```html\n<details><summary>S</summary></details>\n```\n", [(2, "A")]),  # code stays code
    ],
)
def test_mdx_summary_heading_level_follows_the_enclosing_heading(
    tmp_path: Path, source: str, headings: list[tuple[int, str]]
) -> None:
    write(tmp_path, "page.mdx", source)
    assert outline(load(tmp_path, "page.mdx").text).headings == headings


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('Lead: <Person name="Ana Diaz" role="PM"/>', "Lead: Ana Diaz (PM)"),
        ('<Image src="/funnel.png" alt="Signup funnel" width={400} />', "Signup funnel"),
        ('Before <Badge variant="primary" /> after', "Before  after"),  # nothing to say: vanishes
        ('<Quote author="Ines Moreau">\n  Close faster.\n</Quote>', "Ines Moreau\n\nClose faster."),
        ('<Kpi label={"Weekly signups"} onClick={() => go("x")} data-id="7" />', "Weekly signups"),
        ("Say {'hello'} and {`plain`} but not {count + 1} or {`${x}`}", "Say hello and plain but not  or"),
        ("A {/* note */}B and a < b, c > d, <https://example.com>", "A B and a < b, c > d, <https://example.com>"),
        ("Open { brace stays", "Open { brace stays"),
        ("- item\n  <Note>\n    nested text\n  </Note>", "- item\n\n  nested text"),
    ],
)
def test_mdx_components_and_expressions(tmp_path: Path, source: str, expected: str) -> None:
    write(tmp_path, "p.mdx", source + "\n")
    assert load(tmp_path, "p.mdx").text == expected


def test_mdx_esm_blocks_are_dropped_even_across_lines(tmp_path: Path) -> None:
    source = (
        "import {\n  Tabs,\n  Tab,\n} from '@site/components'\n\n"
        "export default function Layout({ children }) {\n\n  return <main>{children}</main>\n}\n\n"
        "# Page\n\nimport is also a word people start sentences with.\n"
    )
    write(tmp_path, "p.mdx", source)
    assert load(tmp_path, "p.mdx").text == "# Page\n\nimport is also a word people start sentences with."


def test_mdx_with_nothing_but_code_free_jsx_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "empty.mdx", 'import X from "x"\n\n<X />\n')
    with pytest.raises(SourceError, match="no text in this MDX file"):
        load(tmp_path, "empty.mdx")


def test_mdx_html_table_and_list_become_markdown_structure(tmp_path: Path) -> None:
    source = (
        "## Owners\n\n<table>\n  <tr><th>Area</th><th>DRI</th></tr>\n  <tr><td>Billing</td><td>Jonas Berg</td></tr>\n"
        "</table>\n\n<ul>\n  <li>First</li>\n  <li>Second</li>\n</ul>\n"
    )
    write(tmp_path, "owners.mdx", source)
    tree = outline(load(tmp_path, "owners.mdx").text)
    assert tree.rows == [("Area", "DRI"), ("Billing", "Jonas Berg")]
    assert tree.items == [(0, "First"), (0, "Second")]


# --- HTML exports ----------------------------------------------------------------------------------------------


def test_confluence_export(tmp_path: Path) -> None:
    rel = copy_export(tmp_path, "confluence-q3-planning.html", "Product Space/Q3-Planning_98314.html")
    parsed = load(tmp_path, rel)
    tree = outline(parsed.text)
    assert parsed.info.title == "Q3 Planning"  # "Space : " prefix dropped
    assert tree.headings == [
        (1, "Objectives"),
        (2, "Objective 1: Make onboarding self-serve"),
        (2, "Objective 2: Keep large accounts"),
        (1, "Initiatives"),
        (2, "Next steps"),
    ]
    assert tree.items == [
        (0, "KR1.1: 60% of new workspaces finish setup without a call (from 35%)"),
        (0, "KR1.2: time to first report under 20 minutes"),
        (1, "measured on workspaces created after July 1"),
        (0, "Gross retention above 92%"),
        (0, "Two new admin reports"),
        (0, "[x] Book the review room"),
        (0, "[ ] Share the draft with sales"),
    ]
    assert tree.rows == [
        ("Project", "DRI", "Status"),
        ("Guided setup", "Mira Okafor", "ON TRACK"),
        ("Admin reports | exports", "Jonas Berg", "AT RISK"),
    ]
    assert "1. Gross retention above 92%\n2. Two new admin reports" in parsed.text  # ordered stays ordered
    assert "```\nselect count(*) from workspaces\n  where setup_done;\n```" in parsed.text
    for chrome in ("Planning", "Created by", "Attachments", "q3.png", "Document generated", "Atlassian", "AJS"):
        assert chrome not in parsed.text.replace("Q3 Planning", ""), chrome
    assert parsed.info.kind is Kind.STRATEGY  # "Product Space" names no kind; the content is a plan


def test_notion_export_named_with_ids(tmp_path: Path) -> None:
    rel = f"Finance 0f1e2d3c4b5a69788796a5b4c3d2e1f0/Q3 Goals {NOTION_ID}.html"
    copy_export(tmp_path, "notion-page.html", rel)
    parsed = load(tmp_path, rel)
    assert parsed.info.path == rel and parsed.info.title == "Q3 Goals"
    tree = outline(parsed.text)
    assert tree.headings == [(1, "Q3 Goals"), (2, "Objective: Faster month-end close")]
    assert tree.items[:2] == [(0, "Owner: Dario Lentz"), (0, "Status: In progress")]  # page properties
    assert (0, "KR: no manual journal entries") in tree.items and (1, "measured on the September close") in tree.items
    assert (0, "[x] Pick the feed vendor") in tree.items and (0, "[ ] Sign the contract") in tree.items
    assert tree.rows[0] == ("Initiative", "Owner", "Status") and ("Bank feeds", "Dario Lentz", "Done") in tree.rows
    assert "1. Automate the bank feeds\n2. Rules for recurring entries" in parsed.text  # one list, not two
    assert "🎯" not in parsed.text and "💡" not in parsed.text and "cspell" not in parsed.text
    assert "See Close calendar." in parsed.text and "%20" not in parsed.text
    assert parsed.info.kind is Kind.STRATEGY  # a team folder, but the page is a plan


def test_google_docs_export(tmp_path: Path) -> None:
    parsed = load(tmp_path, copy_export(tmp_path, "gdocs-support-roadmap.html", "support/roadmap-h2.html"))
    tree = outline(parsed.text)
    assert parsed.info.title == "Support Roadmap H2"
    assert tree.headings == [(1, "Support Roadmap H2"), (1, "Goals"), (2, "Projects")]
    assert "**Goal 1:** Answer every ticket within four hours" in parsed.text  # bold from a CSS class
    assert tree.items == [
        (0, "Success metric: median first response under 4 hours"),
        (1, "measured weekly in the help desk"),  # nesting from the list's lst-kix_…-1 class
        (0, "Owner: Priya Natarajan"),
        (0, "Macros for the top 20 questions"),
        (0, "Weekend rota"),
    ]
    assert tree.rows == [
        ("Project", "Owner", "Status"),  # header cells are bold by style, not "**Owner**"
        ("Macros", "Priya Natarajan", "In progress"),
        ("Weekend rota", "Tomas Varga", "Planned"),
    ]
    assert "See the SLA page." in parsed.text and "google.com" not in parsed.text
    assert parsed.info.kind is Kind.STRATEGY


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<nav>Menu</nav><p>Kept</p><footer>Footer</footer>", "Kept"),
        ('<p hidden>a</p><p aria-hidden="true">b</p><p style="display: none">c</p><p>Kept</p>', "Kept"),
        ("<script>var x = 1;</script><style>p {}</style><p>Kept</p><noscript>Enable JS</noscript>", "Kept"),
        ("<p># not a heading</p><p>1. not a list</p>", "\\# not a heading\n\n1\\. not a list"),
        ('<ol start="3"><li>c</li><li>d</li></ol>', "3. c\n4. d"),
        ("<ul><li>a<ul><li>b<ol><li>c</li></ol></li></ul></li></ul>", "- a\n  - b\n    1. c"),
        ("<h3>Deep <a href='#'>link</a></h3><p>x<br>y</p>", "### Deep link\n\nx\ny"),
        ("<p><strong>Owner:</strong> Ana</p>", "**Owner:** Ana"),
        ("<dl><dt>DRI</dt><dd>Ana Diaz</dd></dl>", "- **DRI:** Ana Diaz"),
        ("<table><tr><td>Area</td><td>Lead</td></tr><tr><td>Billing</td><td>Ana</td></tr></table>",
         "| Area | Lead |\n| --- | --- |\n| Billing | Ana |"),  # no <th>: the first row is the header
        ('<table><tr><th>Q</th><th colspan="2">Owners</th></tr><tr><td rowspan="2">Q3</td><td>a</td><td>b</td></tr>'
         "<tr><td>c</td><td>d</td></tr></table>",
         "| Q | Owners |  |\n| --- | --- | --- |\n| Q3 | a | b |\n| Q3 | c | d |"),
        ("<table><tr><td><h2>Layout</h2><p>Cell text</p></td></tr></table>", "## Layout\n\nCell text"),
        ("<details><summary>Risks</summary><p>Budget</p></details>", "## Risks\n\nBudget"),
    ],
)
def test_html_structure(tmp_path: Path, body: str, expected: str) -> None:
    write(tmp_path, "page.html", f"<html><head><title>T</title></head><body>{body}</body></html>")
    assert load(tmp_path, "page.html").text == expected


def test_html_charset_and_errors(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body><p>Men\xfc</p></body></html>'
    write(tmp_path, "legacy.htm", page.encode("cp1252"))
    parsed = load(tmp_path, "legacy.htm")
    assert (parsed.info.title, parsed.text, parsed.info.format) == ("Café", "Menü", "html")
    write(tmp_path, "undeclared.html", "<p>Men\xfc</p>".encode("cp1252"))
    with pytest.raises(SourceError, match="not valid UTF-8.*no other charset declared"):
        load(tmp_path, "undeclared.html")
    write(tmp_path, "scripts.html", "<html><body><script>app()</script><nav>Home</nav></body></html>")
    with pytest.raises(SourceError, match="no visible text in this HTML page"):
        load(tmp_path, "scripts.html")


def test_html_nesting_too_deep_for_recursion_still_reads(tmp_path: Path) -> None:
    write(tmp_path, "deep.html", "<div>" * 3000 + "<p>bottom text</p>" + "</div>" * 3000)
    assert "bottom text" in load(tmp_path, "deep.html").text


def test_mdx_and_html_ingest_and_are_searchable(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    workspace = tmp_path / "ws"
    copy_export(workspace, "handbook-page.mdx", "platform/goals.mdx")
    copy_export(workspace, "confluence-q3-planning.html", "product/q3.html")
    runtime = make_runtime()
    report = ingest_paths(runtime, [workspace], show_progress=False)
    assert not report.failed and report.added == 2
    records = {r.path: r for r in runtime.store.sources()}
    assert records["platform/goals.mdx"].format == "mdx" and records["product/q3.html"].title == "Q3 Planning"
    sections = {c.meta.section for c in runtime.store.iter_chunks(where={"source": "product/q3.html"})}
    assert "Initiatives" in sections and "Objectives > Objective 1: Make onboarding self-serve" in sections
    hits = HybridRetriever(runtime).search("who is the engineering manager of the platform team", k=3)
    assert any("Ana Diaz (Engineering manager)" in hit.chunk.text for hit in hits)


# --- DOCX ------------------------------------------------------------------------------------------------------


def test_docx_gives_the_same_tree_as_markdown(tmp_path: Path) -> None:
    markdown = (
        "# Growth plan\n\n## Objective 1: Activation\n\n- KR1.1: 40% activate in week one\n  - from 31%\n"
        "- KR1.2: setup under 10 minutes\n\n1. Ship the checklist\n2. Retire the old tour\n\n"
        "| Initiative | Owner | Status |\n| --- | --- | --- |\n| Checklist | Ana Diaz | In progress |\n"
    )
    write(tmp_path, "plan.md", markdown)
    make_docx(
        tmp_path / "plan.docx",
        [
            ("Title", "Growth plan"),
            ("Heading 2", "Objective 1: Activation"),
            ("List Bullet", "KR1.1: 40% activate in week one"),
            ("List Bullet 2", "from 31%"),
            ("List Bullet", "KR1.2: setup under 10 minutes"),
            ("List Number", "Ship the checklist"),
            ("List Number", "Retire the old tour"),
            ("table", "Initiative|Owner|Status;Checklist|Ana Diaz|In progress"),
        ],
    )
    from_docx, from_md = outline(load(tmp_path, "plan.docx").text), outline(load(tmp_path, "plan.md").text)
    assert from_docx == from_md
    assert from_md.rows[1] == ("Checklist", "Ana Diaz", "In progress") and (1, "from 31%") in from_md.items


def test_docx_numbering_levels_custom_heading_styles_and_bold(tmp_path: Path) -> None:
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    goal_style = document.styles.add_style("Goal heading", WD_STYLE_TYPE.PARAGRAPH)
    goal_style.base_style = document.styles["Heading 2"]
    document.add_paragraph("Goal: faster support", style="Goal heading")
    paragraph = document.add_paragraph()
    paragraph.add_run("Owner:").bold = True
    paragraph.add_run(" Priya Natarajan")
    numbered = document.styles["List Number"].element.pPr.numPr.numId.val  # a real numbering definition
    for level, text in [(0, "Macros"), (1, "top 20 questions"), (0, "Weekend rota")]:
        item = document.add_paragraph(text)  # Normal style + numbering: how Google Docs writes lists
        num_pr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", level), ("w:numId", numbered)):
            child = OxmlElement(tag)
            child.set(qn("w:val"), str(value))
            num_pr.append(child)
        item._p.get_or_add_pPr().append(num_pr)
    path = tmp_path / "support.docx"
    document.save(str(path))
    parsed = load(tmp_path, "support.docx")
    assert parsed.text == (
        "## Goal: faster support\n\n**Owner:** Priya Natarajan\n\n1. Macros\n   1. top 20 questions\n1. Weekend rota"
    )


def test_docx_safety_errors_are_kept(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    good = make_docx(tmp_path / "good.docx", [("Normal", "Text")])
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, b"<w:document><broken" if item.filename == "word/document.xml" else data)
    write(tmp_path, "broken.docx", buffer.getvalue())
    with pytest.raises(SourceError, match=r"unreadable DOCX \(XMLSyntaxError\); re-save it"):
        load(tmp_path, "broken.docx")
    write(tmp_path, "fake.docx", b"PK\x03\x04 not a zip")
    with pytest.raises(SourceError, match="unreadable DOCX"):
        load(tmp_path, "fake.docx")
    make_docx(tmp_path / "blank.docx", [("Normal", "  ")])
    with pytest.raises(SourceError, match="no text in this DOCX"):
        load(tmp_path, "blank.docx")


# --- Notion-style export names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "title", "team"),
    [
        (f"Q3 Goals {NOTION_ID}.md", "Q3 Goals", None),
        ("Roadmap 1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d.md", "Roadmap", None),
        (f"Teams 0f1e2d3c4b5a69788796a5b4c3d2e1f0/Growth {NOTION_ID}/Sync {NOTION_ID}.md", "Sync", "growth"),
        (f"Launch plan {NOTION_ID}/index.md", "Launch plan", None),
        ("Release 20260514 notes.md", "Release 20260514 notes", None),  # not an export id
    ],
)
def test_notion_export_names_become_titles(tmp_path: Path, rel: str, title: str, team: str | None) -> None:
    write(tmp_path, rel, "Some text without a heading.")
    info = load(tmp_path, rel).info
    assert (info.path, info.title, info.team) == (rel, title, team)


def test_notion_database_csv_export_name(tmp_path: Path) -> None:
    rel = f"Metrics {NOTION_ID}/Signups {NOTION_ID}.csv"
    write(tmp_path, rel, "week,signups\n2026-06-01,120\n2026-06-08,131\n")
    parsed = load(tmp_path, rel)
    assert parsed.info.title == "Signups" and parsed.info.kind is Kind.METRICS
    assert {p.metric for p in parsed.metric_points} == {"signups"}
