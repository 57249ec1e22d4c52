// Talking to this server's SPARQL endpoint and canned-query API: results, errors and the truncation marker.

import { parseNTriples } from "./terms.js";

/** What the page asks for: SPARQL JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE (the server picks by form). */
export const DISPLAY_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9";

export const TRUNCATED_HEADER = "X-CoopGraph-Truncated";
export const TRUNCATION_REASON_HEADER = "X-CoopGraph-Truncation-Reason";

/** A failed request: `kind` says what the page tells the user (syntax, timeout, busy, refused, …). */
export class QueryError extends Error {
  constructor(kind, status, message, retryAfter = null) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function errorKind(status, body) {
  if (status === 400) return "syntax";
  if (status === 408) return "timeout";
  if (status === 503) {
    if (/longer than|timed? ?out|time limit/i.test(body)) return "timeout";
    if (/worker stopped|crash/i.test(body)) return "crashed";
    return "busy";
  }
  if (status === 403) return "refused";
  if (status === 413) return "too-large";
  if (status === 422) return "parameter";
  return "other";
}

async function failIfNotOk(response) {
  if (response.ok) return;
  let body = "";
  try {
    body = await response.text();
  } catch {
    body = "";
  }
  // FastAPI validation errors come as JSON: show their message, not the raw structure.
  try {
    const parsed = JSON.parse(body);
    if (parsed && parsed.detail) {
      body = typeof parsed.detail === "string" ? parsed.detail : parsed.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("\n");
    }
  } catch {
    /* plain text, as the endpoint sends */
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  throw new QueryError(errorKind(response.status, body), response.status, body.trim() || response.statusText, retryAfter);
}

async function send(url, init) {
  try {
    return await fetch(url, { credentials: "same-origin", ...init });
  } catch (error) {
    throw new QueryError("network", 0, String(error && error.message ? error.message : error));
  }
}

/** POST a query (form-encoded, as the protocol allows) and return the raw response. */
export async function postQuery(endpoint, query, accept, signal) {
  const response = await send(endpoint, {
    method: "POST",
    headers: { Accept: accept, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" },
    body: new URLSearchParams({ query }).toString(),
    signal,
  });
  await failIfNotOk(response);
  return response;
}

/** GET a canned query with its parameters. */
export async function getCanned(url, params, accept, signal) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value != null) search.append(name, value);
  }
  const query = search.toString();
  const response = await send(query ? `${url}?${query}` : url, { headers: { Accept: accept }, signal });
  await failIfNotOk(response);
  return response;
}

/** Read a response into the page's result shape: {kind: select|ask|graph, vars, rows, boolean, truncated}. */
export async function readResult(response) {
  const type = (response.headers.get("content-type") || "").split(";")[0].trim().toLowerCase();
  const text = await response.text();
  let truncated = null;
  if ((response.headers.get(TRUNCATED_HEADER) || "").toLowerCase() === "true") {
    truncated = { reason: response.headers.get(TRUNCATION_REASON_HEADER) || "row-limit" };
  }
  if (type === "application/n-triples" || type === "text/plain") {
    const rows = parseNTriples(text);
    const mark = /^# results truncated \(([\w-]+): at most (\d+) \w+\); (\d+) kept/m.exec(text);
    if (mark) truncated = { reason: mark[1], limit: Number(mark[2]), kept: Number(mark[3]) };
    return { kind: "graph", vars: ["subject", "predicate", "object"], rows, truncated };
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new QueryError("other", response.status, `unexpected response (${type || "no content type"})`);
  }
  if (data.truncation) truncated = { ...data.truncation };
  else if (data.truncated && !truncated) truncated = { reason: "row-limit" };
  if (typeof data.boolean === "boolean") return { kind: "ask", vars: [], rows: [], boolean: data.boolean, truncated };
  const vars = (data.head && data.head.vars) || [];
  const rows = (data.results && data.results.bindings) || [];
  return { kind: "select", vars, rows, truncated };
}

/** A SELECT the page runs for itself (labels, places, dates): its rows, or [] if it fails. */
export async function selectRows(endpoint, query) {
  try {
    const response = await postQuery(endpoint, query, "application/sparql-results+json");
    const result = await readResult(response);
    return result.rows;
  } catch (error) {
    console.warn("helper query failed", error);
    return [];
  }
}
