// The JSON API, with the caller's key. The key lives in sessionStorage: it goes away with the tab.

const KEY_NAME = "prodops.apiKey";

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_NAME) || "",
  set: (value) => sessionStorage.setItem(KEY_NAME, value),
  clear: () => sessionStorage.removeItem(KEY_NAME),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function withKey(headers = {}) {
  const result = new Headers(headers);
  const key = apiKey.get();
  if (key) result.set("Authorization", `Bearer ${key}`);
  return result;
}

/** A readable sentence from FastAPI's error bodies: a string, validation errors or per-file rejections. */
function describe(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => {
      if (d && d.msg) return `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${d.msg}`;
      if (d && d.error) return `${d.path || d.name || "file"}: ${d.error}`;
      return JSON.stringify(d);
    }).join("; ");
  }
  return detail ? JSON.stringify(detail) : "";
}

async function failure(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    message = describe(body.detail) || message;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) {
    // The API's sentence is for programs ("send Authorization: Bearer ..."); people get this one.
    message = apiKey.get() ? "this access key isn't accepted here: check it, or ask your admin for a new one"
      : "this server needs an access key: paste the one your admin gave you in the box at the top";
  }
  if (response.status === 401 || response.status === 403) {
    window.dispatchEvent(new CustomEvent("prodops:auth", { detail: { status: response.status, message } }));
  }
  return new ApiError(response.status, message);
}

/** Call the API; `json` sends a JSON body, `form` a FormData body. Resolves to parsed JSON (or text). */
export async function api(path, { method = "GET", json, form, signal, accept = "application/json" } = {}) {
  const headers = withKey({ Accept: accept });
  let body;
  if (json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "the server can't be reached; is `prodops serve` running?");
  }
  if (!response.ok) throw await failure(response);
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** Path segment for ids that contain '/', '#' or ':' (chunk ids, source paths). */
export const enc = (value) => encodeURIComponent(value);

/**
 * POST a body and read its Server-Sent Events as they arrive: yields {event, data} with data parsed as JSON.
 */
export async function* streamEvents(path, json, signal) {
  const response = await fetch(path, {
    method: "POST",
    headers: withKey({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(json),
    signal,
  }).catch((error) => {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "the server can't be reached; is `prodops serve` running?");
  });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    let boundary;
    while ((boundary = buffer.search(/\r?\n\r?\n/)) !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
      const event = parseEvent(block);
      if (event) yield event;
    }
    if (done) break;
  }
  const last = parseEvent(buffer);
  if (last) yield last;
}

function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  const raw = data.join("\n");
  try {
    return { event, data: JSON.parse(raw) };
  } catch {
    return { event, data: raw };
  }
}
