// Ingestion: upload files, follow the job's progress, list the sources.

import { api } from "./api.js";
import { $, clear, formatNumber, h, plural, setStatus, whileBusy } from "./dom.js";
import { showSource } from "./panel.js";

const POLL_MS = 500;
let sources = [];

function failures(failed) {
  if (!failed.length) return null;
  return h("div", { class: "table-wrap" }, h("table", { class: "failures" },
    h("caption", { text: `Not ingested (${failed.length})` }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "File" }), h("th", { scope: "col", text: "Reason" }))),
    h("tbody", {}, failed.map((f) => h("tr", {}, h("td", { text: f.path || f.name }), h("td", { text: f.error }))))));
}

function progressView(job) {
  const total = job.total_chunks || 0;
  const done = job.state === "done";
  const value = done ? 1 : total ? job.embedded_chunks / total : 0;
  const label = total ? `${formatNumber(job.embedded_chunks)} of ${plural(total, "chunk")} embedded`
    : done ? "nothing new to embed" : "waiting for the pipeline";
  return h("div", { class: job.failed.length ? "job partial" : "job", dataset: { state: job.state } },
    h("p", {}, h("strong", { text: `Ingestion ${job.state}` }), ` — ${label}`),
    h("progress", { max: "1", value: String(value), "aria-label": "Ingestion progress" }),
    h("p", { class: "hint", text: `files ${job.processed_files}/${job.total_files} · added ${job.added} · ` +
      `updated ${job.updated} · unchanged ${job.unchanged}` }),
    job.error ? h("p", { class: "error", role: "alert", text: job.error }) : null,
    failures(job.failed));
}

async function follow(jobId, out, status) {
  for (;;) {
    const job = await api(`/v1/jobs/${encodeURIComponent(jobId)}`);
    clear(out).append(progressView(job));
    if (job.state === "done" || job.state === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function renderSources() {
  const needle = $("#sources-filter").value.trim().toLowerCase();
  const shown = sources.filter((s) => !needle ||
    [s.path, s.title, s.team, s.kind, s.date].some((v) => (v || "").toLowerCase().includes(needle)));
  const rows = shown.map((s) => h("tr", {},
    h("td", {}, h("button", { type: "button", class: "link", text: s.path, title: s.title,
      "aria-label": `Open ${s.path}`, onclick: () => showSource(s.path) }),
      s.title ? h("span", { class: "hint block", text: s.title }) : null),
    h("td", { text: s.kind }), h("td", { text: s.team || "—" }), h("td", { class: "nowrap", text: s.date || "—" }),
    h("td", { class: "num", text: formatNumber(s.chunks) })));
  clear($("#sources-table tbody")).append(...rows);
  $("#sources-count").textContent = `${plural(shown.length, "source")}` +
    (shown.length === sources.length ? "" : ` of ${sources.length}`);
}

export async function loadSources() {
  try {
    sources = await api("/v1/sources");
    renderSources();
    return sources;
  } catch (error) {
    $("#sources-count").textContent = `Couldn't list sources: ${error.message}`;
    return [];
  }
}

export function initIngest() {
  const form = $("#upload-form");
  const out = $("#upload-out");
  const status = $("#upload-status");
  $("#sources-filter").addEventListener("input", renderSources);
  $("#sources-refresh").addEventListener("click", loadSources);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#upload-files");
    if (!input.files.length) return;
    const data = new FormData();
    for (const file of input.files) data.append("files", file, file.name);
    if (form.elements.kind.value) data.append("kind", form.elements.kind.value);
    if (form.elements.team.value.trim()) data.append("team", form.elements.team.value.trim());
    whileBusy(form, async () => {
      setStatus(status, `Uploading ${plural(input.files.length, "file")}…`, "busy");
      clear(out);
      try {
        const started = await api("/v1/documents", { method: "POST", form: data });
        const names = started.accepted.map((a) => a.name || a.path).join(", ");
        setStatus(status, `Ingesting ${names || "nothing"}` +
          (started.rejected.length ? `; ${plural(started.rejected.length, "file")} refused` : "") + "…", "busy");
        const job = await follow(started.job_id, out, status);
        setStatus(status, job.state === "done"
          ? `Done: ${job.added} added, ${job.updated} updated, ${job.unchanged} unchanged` +
            (job.failed.length ? `, ${job.failed.length} not ingested.` : ".")
          : `The job failed: ${job.error || "see below"}`, job.state === "done" && !job.failed.length ? "ok" : "error");
        input.value = ""; // the chosen kind and team stay for the next upload
        window.dispatchEvent(new CustomEvent("prodops:ingested"));
        await loadSources();
      } catch (error) {
        setStatus(status, `Couldn't upload: ${error.message}`, "error");
      }
    });
  });
}
