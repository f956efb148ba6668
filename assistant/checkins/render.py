"""Check-in packs as Markdown, HTML or JSON, with the cadence's own template when it names one.

Built-in templates live with the other reports (``assistant/templates/checkin.<fmt>.j2``). A workspace template
(``template: templates/board`` in a cadence file) is looked up next to the workspace first and may extend the
built-in ``base.html.j2``; a format it doesn't provide falls back to the built-in one.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader

from assistant.checkins.cadences import Cadence
from assistant.checkins.lint import LintReport
from assistant.checkins.models import CheckinPack
from assistant.reports import TEMPLATES_DIR, Format, environment, render


def render_pack(pack: CheckinPack, fmt: Format = "md", cadence: Cadence | None = None) -> str:
    """The pack in ``fmt``; JSON is the stored model itself."""
    if fmt == "json" or cadence is None or cadence.template_dir is None:
        name = cadence.template if cadence is not None and cadence.template_dir is None else "checkin"
        return render(name, pack, fmt)
    folder = Path(cadence.template_dir)
    own = folder / f"{cadence.template}.{fmt}.j2"
    if not own.is_file():
        return render("checkin", pack, fmt)
    env = environment().overlay(loader=ChoiceLoader([FileSystemLoader(str(folder)),
                                                     FileSystemLoader(str(TEMPLATES_DIR))]))
    return env.get_template(own.name).render(r=pack).strip() + "\n"


def render_lint(report: LintReport) -> str:
    """Plain text, one block per roadmap: what to fix, where."""
    lines = [f"Roadmap lint as of {report.as_of or 'unknown date'}"
             f"{f' (cadence {report.cadence})' if report.cadence else ''}: {report.issue_count} issue(s)."]
    for roadmap in report.roadmaps:
        lines.append("")
        lines.append(f"{roadmap.source} ({roadmap.team or 'no team'}, {roadmap.initiatives} initiatives): "
                     f"{len(roadmap.issues) or 'no'} issue(s)")
        lines += [f"  - {i.initiative} {i.title}: {i.problem}: {i.detail}" for i in roadmap.issues]
    return "\n".join(lines) + "\n"
