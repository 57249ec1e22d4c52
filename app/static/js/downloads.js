// Downloads of the current results: the same query asked again of the endpoint in the chosen format.

import { getCanned, postQuery } from "./sparql-client.js";

/** The formats offered per kind of result: [button key, Accept, file extension]. */
const FORMATS = {
  select: { csv: ["text/csv", "csv"], tsv: ["text/tab-separated-values", "tsv"], json: ["application/sparql-results+json", "srj.json"] },
  ask: { json: ["application/sparql-results+json", "srj.json"], csv: ["text/csv", "csv"], tsv: ["text/tab-separated-values", "tsv"] },
  graph: { json: ["application/ld+json", "jsonld"], turtle: ["text/turtle", "ttl"] },
};

export function formatsFor(kind) {
  return FORMATS[kind] || {};
}

/** Fetch the results as `key` and hand them to the browser as a file download. */
export async function download(source, kind, key, endpoint) {
  const format = formatsFor(kind)[key];
  if (!format) throw new Error(`no ${key} download for ${kind} results`);
  const [accept, extension] = format;
  const response =
    source.type === "canned" ? await getCanned(source.url, source.params, accept) : await postQuery(endpoint, source.query, accept);
  const blob = await response.blob();
  const name = `coopgraph-${source.type === "canned" ? source.name : "results"}.${extension}`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
  return name;
}
