// The alignment map: gaps first, then objective -> key results (progress) -> initiatives -> customer evidence.

import { api } from "./api.js";
import { $, badge, clear, formatNumber, h, percent, plural, setStatus } from "./dom.js";
import { chunkButton } from "./panel.js";

const STATUS_CLASS = { "on track": "ok", achieved: "ok", "at risk": "warn", "off track": "bad" };

function gaps(map) {
  const titles = new Map(map.objectives.map((o) => [o.id, o.title]));
  const initiatives = new Map(map.objectives.flatMap((o) => o.initiatives).map((i) => [i.id, i.title]));
  for (const o of map.orphan_initiatives) initiatives.set(o.id, o.title);
  const list = (items, empty) => (items.length ? h("ul", {}, items) : h("p", { class: "hint", text: empty }));
  return h("section", { class: "flags gaps", "aria-labelledby": "gaps-title" },
    h("h3", { id: "gaps-title", text: "Gaps" }),
    h("div", { class: "gap-grid" },
      h("div", { id: "uncovered" }, h("h4", { text: "Objectives no initiative serves" }),
        list(map.uncovered_objectives.map((id) => h("li", { class: "gap-item" },
          h("strong", { text: id }), ` ${titles.get(id) || ""}`)),
          map.objectives.length ? "None: every objective has an initiative." : "No objective was read.")),
      h("div", {}, h("h4", { text: "Initiatives tied to no objective" }),
        list(map.orphan_initiatives.map((o) => h("li", { class: "gap-item" },
          h("strong", { text: o.id }), ` ${o.title}`, o.team ? ` (${o.team}) ` : " ",
          chunkButton(o.chunk_id, "[roadmap]", `Show ${o.id} in ${o.source}`, "cite"))),
          map.initiatives_read ? "None." : "No roadmap initiative was read.")),
      h("div", {}, h("h4", { text: "Bets without customer evidence" }),
        list(map.bets_without_evidence.map((id) => h("li", { class: "gap-item" },
          h("strong", { text: id }), ` ${initiatives.get(id) || ""}`)), "None."))));
}

function keyResult(kr) {
  const value = kr.progress === null ? null : Math.max(0, Math.min(1, kr.progress));
  const figures = `${formatNumber(kr.baseline, 3)} → ${formatNumber(kr.current, 3)} (target ${formatNumber(kr.target, 3)})`;
  return h("tr", {},
    h("th", { scope: "row" }, h("span", { class: "kr-id", text: kr.kr_id }), " ",
      chunkButton(kr.kr_chunk_id, kr.kr_text, `Show ${kr.kr_id} in ${kr.kr_source}`, "link kr-text")),
    h("td", { text: kr.metric ? `${kr.metric}: ${figures}` : (kr.note || "no metric") }),
    h("td", {}, value === null ? "—" : h("progress", { max: "1", value: String(value),
      "aria-label": `${kr.kr_id} progress ${percent(value)}` }), " ", percent(kr.progress),
      kr.expected === null ? "" : h("span", { class: "hint", text: ` (expected ${percent(kr.expected)})` })),
    h("td", {}, badge(kr.status, STATUS_CLASS[kr.status] || "")));
}

function initiative(i) {
  const evidence = i.evidence || { customers: 0, quotes: [] };
  const item = h("li", { class: "initiative" },
    h("p", {}, h("strong", { text: i.id }), ` ${i.title} `,
      chunkButton(i.chunk_id, "[roadmap]", `Show ${i.id} in ${i.source}`, "cite")),
    h("p", { class: "badges" },
      i.team ? badge(i.team, "team") : null,
      i.status ? badge(i.status, STATUS_CLASS[i.status] || "") : null,
      badge(i.link === "stated" ? "stated link" :
        `inferred link${i.similarity === null ? "" : ` (${formatNumber(i.similarity, 2)})`}`, i.link),
      badge(plural(evidence.customers, "customer"), evidence.customers ? "count" : "warn")));
  if (evidence.quotes.length) {
    item.append(h("details", {}, h("summary", { text: `Customer evidence (${evidence.quotes.length})` }),
      h("ul", { class: "quotes" }, evidence.quotes.map((q) => h("li", { class: "quote" },
        h("blockquote", { text: q.text }),
        h("p", { class: "quote-meta" }, q.company ? `— ${q.company} ` : "",
          chunkButton(q.chunk_id, q.source, `Show the quote in ${q.source}`, "link", q.text)))))));
  }
  return item;
}

function objective(o, uncovered) {
  const card = h("article", { class: uncovered ? "card objective uncovered" : "card objective",
    "aria-labelledby": `objective-${o.id}` },
    h("header", { class: "card-head" },
      h("h3", { id: `objective-${o.id}` }, h("span", { class: "obj-id", text: o.id }), ` ${o.title}`),
      h("p", { class: "badges" },
        uncovered ? badge("no initiative", "bad") : badge(plural(o.initiatives.length, "initiative")),
        badge(plural(o.customers, "customer"), "count"),
        chunkButton(o.chunk_id, "[strategy]", `Show ${o.id} in ${o.source}`, "cite"))));
  if (o.key_results.length) {
    card.append(h("div", { class: "table-wrap" }, h("table", { class: "krs" },
      h("caption", { class: "visually-hidden", text: `Key results of ${o.id}` }),
      h("thead", {}, h("tr", {}, ...["Key result", "Metric", "Progress", "Status"].map((t) =>
        h("th", { scope: "col", text: t })))),
      h("tbody", {}, o.key_results.map(keyResult)))));
  }
  card.append(o.initiatives.length ? h("ul", { class: "initiatives" }, o.initiatives.map(initiative))
    : h("p", { class: "warning-note", text: "No initiative serves this objective." }));
  return card;
}

async function load() {
  const out = $("#alignment-out");
  const status = $("#alignment-status");
  setStatus(status, "Building the map…", "busy");
  clear(out);
  try {
    const map = await api("/v1/alignment?format=json");
    const uncovered = new Set(map.uncovered_objectives);
    if (map.unread_note) out.append(h("p", { class: "warning-note", text: `${map.unread_note}.` }));
    if (!map.objectives.length && !map.initiatives_read) {
      out.append(h("p", { class: "warning-note", text: "No plan was read from the documents you can read." }));
    }
    out.append(gaps(map), ...map.objectives.map((o) => objective(o, uncovered.has(o.id))));
    setStatus(status, `${plural(map.objectives.length, "objective")}` +
      (map.as_of ? `, progress as of ${map.as_of}` : "") + ".", "ok");
  } catch (error) {
    setStatus(status, `Couldn't build the map: ${error.message}`, "error");
  }
}

let loaded = false;

export function initAlignment() {
  $("#alignment-load").addEventListener("click", load);
}

/** Called when the tab opens: the map loads once, then on "Refresh". */
export function showAlignment() {
  if (!loaded) {
    loaded = true;
    load();
  }
}
