"""MDX (Markdown with JSX) reduced to plain Markdown, so it chunks and parses like any Markdown file.

* ``import``/``export`` blocks are dropped; fenced and inline code is kept exactly.
* ``<details><summary>T</summary>…</details>`` -> ``T`` becomes a heading one level below the heading that
  encloses the block (the level is resolved after rendering, when the enclosing heading is known), the body stays.
* Other components become their text content. Attributes that carry content are kept as text
  (``<Person name="Ana Diaz" role="PM"/>`` -> "Ana Diaz (PM)"; ``title=``, ``label=``, ``alt=``…); attributes that
  configure presentation or behaviour (``className``, ``href``, ``variant``, ``onClick``…) are not. A
  self-closing component with nothing to say vanishes.
* ``{…}`` expressions keep plain string and number literals and drop everything else.
* HTML tables and lists written inside MDX go through the HTML writer and come out as pipe tables and lists.
"""

from __future__ import annotations

import html
import re
import textwrap

from ingest.loaders import Body, LoaderError, mdwrite
from ingest.loaders.html import html_markdown
from ingest.loaders.jsx import VOID, Element, Node, Verbatim, parse_mdx
from ingest.loaders.markdown import split_frontmatter, text_body

_SKIP_ATTRS = frozenset(
    "class classname id key ref style href src srcset to as type variant size color colour width height icon "
    "rel align theme layout lang language slot tabindex mode open hidden disabled checked format loading "
    "sizes priority fill stroke viewbox xmlns margin padding gap columns cols rows span colspan rowspan position "
    "direction orientation duration delay placement component components classes sx css tw path file".split()
)
_SKIP_PREFIXES = ("data-", "aria-", "xml")
_HANDLER = re.compile(r"on[A-Z]|on(?:click|change|submit|load|error|input|focus|blur|mouse|key|touch|drag)", re.ASCII)
_NOT_CONTENT = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S*|mailto:\S*|[./#~]\S*|_[a-z]+|\S+\.(?:png|jpe?g|gif|svg|webp|mp4|pdf|md|mdx|html?)"
    r"|#[0-9a-f]{3,8}|true|false|null|undefined|\d+(?:\.\d+)?(?:px|rem|em|vh|vw|pt))$",
    re.IGNORECASE,
)
_OPEN, _CLOSE, _END = "\ue000", "\ue001", "\ue002"  # summary heading placeholders (private-use characters)
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_HTML_STRUCTURE = frozenset({"table", "ul", "ol", "dl"})


def content_attributes(attrs: list[tuple[str, str | None]]) -> str:
    """The attribute values that are content, as text: "first (second, third)"."""
    values = []
    for name, value in attrs:
        key = name.lower()
        if value is None or key in _SKIP_ATTRS or key.startswith(_SKIP_PREFIXES) or _HANDLER.match(name):
            continue
        value = mdwrite.one_line(value)
        if value and not _NOT_CONTENT.match(value) and value not in values:
            values.append(value)
    if not values:
        return ""
    return values[0] + (f" ({', '.join(values[1:])})" if len(values) > 1 else "")


def _to_html(node: Node) -> str:
    if isinstance(node, str):
        return html.escape(node, quote=False)
    if isinstance(node, Verbatim):
        return html.escape(node.text, quote=False)
    attrs = "".join(f' {n}="{html.escape(v)}"' for n, v in node.attrs if v is not None)
    inner = "".join(_to_html(child) for child in node.children)
    return f"<{node.name}{attrs}>" + ("" if node.name.lower() in VOID else f"{inner}</{node.name}>")


class _Renderer:
    def render(self, nodes: list[Node]) -> str:
        return "".join(self.node(n) for n in nodes)

    def node(self, node: Node) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, Verbatim):
            return node.text
        return self.element(node)

    def element(self, el: Element) -> str:
        name = el.name.lower()
        lowercase = el.name == name  # an HTML element rather than a component
        if name == "details":
            return self._details(el)
        if lowercase and re.fullmatch(r"h[1-6]", name):
            return self._block(el, mdwrite.heading(int(name[1]), self.render(el.children)), force=True)
        if lowercase and name in _HTML_STRUCTURE:
            return self._block(el, html_markdown(_to_html(el))[0], force=True)
        if lowercase and name in ("b", "strong"):
            return mdwrite.bold(self.render(el.children))
        if name in ("br", "hr"):
            return "" if el.block else " "
        said = content_attributes(el.attrs)
        inner = self.render(el.children)
        if el.block:
            return self._block(el, "\n\n".join(p for p in (said, textwrap.dedent(inner).strip("\n")) if p.strip()))
        if not inner.strip():
            return said
        return inner + (f" ({said})" if said and said not in inner else "")

    def _details(self, el: Element) -> str:
        summary = next((c for c in el.children if isinstance(c, Element) and c.name.lower() == "summary"), None)
        title = mdwrite.one_line(self.render(summary.children)) if summary else ""
        title = title or content_attributes([(n, v) for n, v in el.attrs if n.lower() in ("summary", "title")])
        body = textwrap.dedent(self.render([c for c in el.children if c is not summary])).strip("\n")
        if not title:
            return self._block(el, body, force=True)
        return self._block(el, f"{_OPEN}{title}{_CLOSE}\n\n{body}\n\n{_END}", force=True)

    @staticmethod
    def _block(el: Element, content: str, force: bool = False) -> str:
        """A flow element: its own paragraph(s), indented like its opening tag (inside a list item, say)."""
        if not (el.block or force):
            return content
        return "\n\n" + mdwrite.indent(content, el.indent) + "\n\n"


def resolve_summaries(text: str) -> str:
    """Turn summary placeholders into headings one level below the enclosing heading (fences skipped)."""
    out: list[str] = []
    level, saved, fence = 0, [], ""
    for line in text.split("\n"):
        fence_match = _FENCE.match(line)
        if fence:
            fence = "" if fence_match and fence_match.group(1)[0] == fence[0] else fence
            out.append(line)
            continue
        if fence_match:
            fence = fence_match.group(1)
        stripped = line.strip()
        if stripped.startswith(_OPEN) and stripped.endswith(_CLOSE):
            saved.append(level)
            level = max(level, 1) + 1
            out.append(mdwrite.heading(level, stripped[1:-1]))
            continue
        if stripped == _END:
            level = saved.pop() if saved else level
            continue
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
        out.append(line)
    return "\n".join(out)


def mdx_markdown(source: str) -> str:
    """The Markdown an MDX body stands for."""
    source = re.sub(f"[{_OPEN}{_CLOSE}{_END}]", "", source)
    return mdwrite.tidy(resolve_summaries(_Renderer().render(parse_mdx(source))))


def load_mdx(text: str) -> Body:
    """Frontmatter plus the body as Markdown.

    Raises:
        LoaderError: invalid frontmatter, or no text once code-free JSX and ESM are removed.
    """
    meta, body = split_frontmatter(text)
    markdown = mdx_markdown(body)
    if not markdown.strip():
        raise LoaderError("no text in this MDX file once imports, exports and components are removed")
    return text_body(markdown, meta)
