// Strategy drafts: sections of cited sentences, each labelled (quoted: the note's own words; supported /
// unsupported: a written sentence that passed / failed the grounding check; gap: nothing in the notes fits);
// unsupported claims, metric conflicts and contradictions flagged.

import { api } from "./api.js";
import { $, badge, clear, formValues, h, plural, setStatus, whileBusy } from "./dom.js";
import { chunkButton } from "./panel.js";

let lastRequest = null;

const needsLook = (s) => s.label === "unsupported" || (s.label !== "gap" && Boolean(s.note));
const flaggedCount = (draft) => draft.sections.flatMap((s) => s.sentences).filter(needsLook).length;

function sentence(s) {
  if (s.label === "gap") return h("li", { class: "claim gap" }, h("em", { text: s.text }));
  const item = h("li", { class: needsLook(s) ? `claim ${s.label} flagged` : `claim ${s.label}` });
  if (needsLook(s)) item.append(h("span", { class: "flag", text: "check" }), " ");
  item.append(h("span", { text: s.label === "quoted" ? `“${s.text}”` : s.text }), " ",
    h("span", { class: "badge", text: s.label, title: s.label === "quoted"
      ? "The note's own words, verbatim" : "A written sentence, checked against the notes it cites" }));
  for (const c of s.citations) {
    item.append(" ", chunkButton(c.chunk_id, `[${c.source}]`, `Show the note ${c.source}`, "cite", s.text));
  }
  if (s.note) item.append(h("p", { class: "claim-note", text: s.note }));
  return item;
}

function flags(draft) {
  const box = h("section", { class: "flags", "aria-labelledby": "draft-flags" },
    h("h3", { id: "draft-flags", text: "Needs the author's attention" }));
  if (draft.metric_conflicts.length) {
    box.append(h("h4", { text: "Figures the metric reports don't back" }), h("ul", { class: "conflicts" },
      draft.metric_conflicts.map((m) => h("li", { class: "claim flagged" },
        h("span", { class: "flag", text: "metric" }), " ", h("span", { text: m.text }), " ",
        chunkButton(m.chunk_id, `[${m.source}]`, `Show the note ${m.source}`, "cite", m.text),
        h("p", { class: "claim-note", text: m.reason })))));
  }
  if (draft.contradictions.length) {
    box.append(h("details", { class: "contradictions-box" },
      h("summary", { text: `Notes that disagree (${draft.contradictions.length})` }), h("ul", { class: "contradictions" },
      draft.contradictions.map((c) => h("li", { class: "contradiction" },
        h("p", { class: "claim-note", text: c.reason }),
        h("div", { class: "pair" },
          h("blockquote", {}, h("span", { text: c.a.text }), " ",
            chunkButton(c.a.chunk_id, `[${c.a.source}]`, `Show the note ${c.a.source}`, "cite")),
          h("blockquote", {}, h("span", { text: c.b.text }), " ",
            chunkButton(c.b.chunk_id, `[${c.b.source}]`, `Show the note ${c.b.source}`, "cite"))))))));
  }
  if (!draft.metric_conflicts.length && !draft.contradictions.length && !flaggedCount(draft)) {
    box.append(h("p", { text: "Nothing flagged: every sentence is quoted from, or supported by, the note it cites." }));
  }
  return box;
}

function render(draft, out) {
  const flagged = flaggedCount(draft);
  out.append(h("article", { class: "card draft" },
    h("h3", { class: "draft-title", text: draft.title }),
    h("p", { class: "badges" },
      badge(plural(draft.sections.length, "section")),
      badge(draft.mode === "quoted" ? plural(draft.counts.quoted || 0, "quote") : `${draft.counts.supported || 0} supported`),
      badge(`${flagged} to check`, flagged ? "warn" : ""),
      badge(plural(draft.metric_conflicts.length, "metric conflict"), draft.metric_conflicts.length ? "warn" : ""),
      badge(plural(draft.contradictions.length, "contradiction"), draft.contradictions.length ? "warn" : ""),
      badge(plural(draft.sources.length, "note") + " read")),
    flags(draft),
    ...draft.sections.map((section) => h("section", { class: "draft-section" },
      h("h4", { text: section.heading }),
      section.sentences.length
        ? h("ul", { class: "claims" }, section.sentences.map(sentence))
        : h("p", { class: "empty", text: "The notes don't cover this section." })))));
}

async function download(status) {
  if (!lastRequest) return;
  try {
    const text = await api("/v1/drafts/strategy", { method: "POST", json: { ...lastRequest, format: "md" },
      accept: "text/markdown" });
    const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/markdown" })),
      download: `${lastRequest.title.replace(/[^\w-]+/g, "-").toLowerCase() || "draft"}.md` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    setStatus(status, `Couldn't download: ${error.message}`, "error");
  }
}

export function initDraft() {
  const form = $("#draft-form");
  const out = $("#draft-out");
  const status = $("#draft-status");
  const downloadButton = $("#draft-download");
  downloadButton.addEventListener("click", () => download(status));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    const body = { title: values.title, from: values.from, format: "json" };
    whileBusy(form, async () => {
      setStatus(status, "Writing the draft from your notes…", "busy");
      clear(out);
      downloadButton.disabled = true;
      try {
        const draft = await api("/v1/drafts/strategy", { method: "POST", json: body });
        lastRequest = body;
        downloadButton.disabled = false;
        render(draft, out);
        const flagged = draft.metric_conflicts.length + draft.contradictions.length + flaggedCount(draft);
        setStatus(status, `Draft ready: ${plural(draft.sections.length, "section")}, ` +
          `${plural(flagged, "item")} flagged.`, "ok");
      } catch (error) {
        setStatus(status, `Couldn't write the draft: ${error.message}`, "error");
      }
    });
  });
}
