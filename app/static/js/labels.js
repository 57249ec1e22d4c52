// Labels for the IRIs of a result, in English and French, fetched with one SPARQL query.

import { selectRows } from "./sparql-client.js";
import { valuesClause } from "./terms.js";

export const MAX_LABELLED = 3000;

export const HEADER = `PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX coop: <https://w3id.org/coopgraph/def#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
`;

/** Add one label literal to a {lang: text} map; skos:prefLabel wins over rdfs:label. */
export function addLabel(labels, iri, term, preferred = false) {
  if (!term || term.type === "uri" || term.type === "bnode") return;
  const language = (term["xml:lang"] || "").toLowerCase().split("-")[0];
  const key = language === "en" || language === "fr" ? language : language ? "any" : "";
  let texts = labels.get(iri);
  if (!texts) labels.set(iri, (texts = {}));
  if (preferred || !(key in texts)) texts[key] = term.value;
}

/** Map IRI → {en, fr, "", any} for up to MAX_LABELLED IRIs (the rest keep their prefixed names). */
export async function fetchLabels(endpoint, iris, known = new Map()) {
  const wanted = iris.filter((iri) => !known.has(iri)).slice(0, MAX_LABELLED);
  if (!wanted.length) return known;
  const query = `${HEADER}SELECT ?x ?property ?label WHERE {
  ${valuesClause("x", wanted)}
  VALUES ?property { skos:prefLabel rdfs:label }
  ?x ?property ?label .
  FILTER(isLiteral(?label) && (lang(?label) = "" || langMatches(lang(?label), "en") || langMatches(lang(?label), "fr")))
}`;
  const rows = await selectRows(endpoint, query);
  const labels = new Map(known);
  for (const row of rows) {
    if (!row.x) continue;
    addLabel(labels, row.x.value, row.label, row.property && row.property.value.endsWith("#prefLabel"));
  }
  return labels;
}
