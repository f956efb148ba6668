"""Readable theme names from a language model, kept only when the theme's own quotes back them.

Counts, quotes and citations are never the model's: only the label is. A model label is accepted when it is
one short line, adds no number and every content word of it occurs in the theme's quotes or keywords (a label
is a summary, not a claim, so the sentence-level grounding checker is the wrong test; the words people said
are the right one). Otherwise — and whenever the model is down — the offline keyword label
stays, the theme says why, and the report carries one notice. Themes never fail because of the model.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from assistant.errors import ModelUnavailable
from assistant.llm import ModelClient, as_client
from assistant.prompting import declined, render
from assistant.synthesis.llm import clean_model_text
from assistant.synthesis.verified import unavailable
from assistant.text import numbers
from assistant.themes.labels import model_label_ok
from assistant.themes.report import Theme, ThemeReport

MAX_LABEL_WORDS = 10


def label_supported(label: str, theme: Theme) -> bool:
    """Whether the label's words come from what the theme's people said (or its keywords) and it adds no
    number: the offline rule :func:`assistant.themes.labels.model_label_ok`, one home for both."""
    evidence = [*(q.text for q in theme.quotes), " ".join(theme.keywords)]
    return numbers(label) <= numbers(" ".join(evidence)) and model_label_ok(label, evidence)


def _usable(reply: str) -> str | None:
    lines = [line.strip().strip("\"'“”*").rstrip(".") for line in clean_model_text(reply).splitlines() if line.strip()]
    if not lines or declined(lines[0]):
        return None
    name = lines[0].split(":", 1)[1].strip() if lines[0].lower().startswith(("theme", "name", "label")) and ":" in \
        lines[0] else lines[0]
    return name if 0 < len(name.split()) <= MAX_LABEL_WORDS and len(name) <= 80 else None


def relabel_with_model(report: ThemeReport, model: ModelClient | BaseChatModel) -> ThemeReport:
    """Model labels where the quotes back them; keyword labels (with the reason) elsewhere."""
    client = as_client(model)
    assert client is not None
    for theme in report.themes:
        try:
            prompt = render("theme_label", keywords=theme.keywords, quotes=theme.quotes)
            reply = client.complete("label", [HumanMessage(content=prompt)])
        except ModelUnavailable as exc:
            report.label_notice = unavailable(exc, "label").message
            break  # the client is now in its retry-after window: the other themes keep their keyword labels
        name = _usable(reply)
        theme.model_label = name or reply.strip()[:200]
        if name is None:
            theme.label_note = "the model's label was not one short name; keyword label kept"
        elif not label_supported(name, theme):
            theme.label_note = "the model's label is not backed by the theme's quotes; keyword label kept"
        else:
            theme.label, theme.label_source = name, "model"
    rejected = sum(1 for t in report.themes if t.label_note)
    if rejected and report.label_notice is None:
        report.label_notice = (f"{rejected} of {len(report.themes)} model labels could not be checked against the "
                               "quotes; those themes keep their keyword labels.")
    return report
