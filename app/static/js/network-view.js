// The network view: organisations linked by the partnerships of the results (force layout, computed once, static).
// A partnership of two parties is a line between them; one of three or more is a square node linked to each party,
// because a partnership is an n-ary relation, not a bare edge.

import { clear, el, safeHref, svgEl } from "./dom.js";
import { placeLabels } from "./label-layout.js";
import { HEADER } from "./labels.js";
import { t } from "./i18n.js";
import { selectRows } from "./sparql-client.js";
import { iriValues, labelOf, pageConfig, resourceHref, valuesClause } from "./terms.js";

/** The drawing's size in CSS pixels: as wide as its container (so names stay readable on a phone), within bounds. */
const MIN_WIDTH = 560; // narrower, names overlap: on a phone the drawing scrolls sideways in its own box

function drawingSize(container) {
  const available = container.clientWidth || 900;
  const width = Math.round(Math.max(MIN_WIDTH, Math.min(960, available)));
  return { width, height: width < 700 ? Math.round(width * 0.95) : 640, scrolls: available < MIN_WIDTH };
}
const MAX_ROW_PAIRS = 12;

async function fetchNetwork(endpoint, iris) {
  // ?party is the organisation itself (zero-length path) or, for a partnership, each of its parties.
  const query = `${HEADER}SELECT ?x ?kind ?party ?country ?continent WHERE {
  ${valuesClause("x", iris)}
  VALUES (?class ?kind) { (coop:Partnership "partnership") (coop:Organisation "organisation") }
  ?x a ?class ; coop:hasParty? ?party .
  FILTER((?kind = "organisation" && ?party = ?x) || (?kind = "partnership" && ?party != ?x))
  OPTIONAL { ?party coop:basedIn/coop:locatedIn* ?country . ?country a coop:Country }
  OPTIONAL { ?party coop:basedIn/coop:locatedIn* ?continent . ?continent a coop:Continent }
}`;
  return selectRows(endpoint, query);
}

function regionOf(countries, continents) {
  const base = pageConfig().idBase + "id/place/";
  if (countries.has(base + "france")) return "france";
  if (continents.has(base + "africa")) return "africa";
  return "other";
}

function buildGraph(result, rows, parameterNames) {
  const partnerships = new Map();
  const organisations = new Map();
  const org = (iri) => {
    if (!organisations.has(iri)) organisations.set(iri, { countries: new Set(), continents: new Set() });
    return organisations.get(iri);
  };
  for (const row of rows) {
    const kind = row.kind.value;
    const subject = row.party.value;
    const entry = org(subject);
    if (row.country) entry.countries.add(row.country.value);
    if (row.continent) entry.continents.add(row.continent.value);
    if (kind === "partnership") {
      if (!partnerships.has(row.x.value)) partnerships.set(row.x.value, new Set());
      partnerships.get(row.x.value).add(row.party.value);
    }
  }
  const nodes = new Map();
  const edges = new Map();
  const addOrg = (iri) => {
    if (!nodes.has(iri)) {
      const info = organisations.get(iri);
      nodes.set(iri, { id: iri, type: "organisation", region: regionOf(info.countries, info.continents), degree: 0 });
    }
    return nodes.get(iri);
  };
  const addEdge = (a, b, via, hub = false) => {
    const [from, to] = hub ? [a, b] : [a, b].sort();
    const key = `${from}|${to}`;
    if (!edges.has(key)) edges.set(key, { key, source: from, target: to, via: new Set(), hub });
    if (via) edges.get(key).via.add(via);
  };
  const used = new Set();
  for (const row of result.rows) {
    const cells = result.vars.filter((v) => !parameterNames.has(v)).map((v) => row[v]).filter((term) => term && term.type === "uri").map((term) => term.value);
    const rowOrgs = [...new Set(cells.filter((iri) => organisations.has(iri) && !partnerships.has(iri)))];
    const rowPartnerships = cells.filter((iri) => partnerships.has(iri));
    for (const p of rowPartnerships) used.add(p);
    if (!rowPartnerships.length && rowOrgs.length >= 2) {
      const list = rowOrgs.slice(0, MAX_ROW_PAIRS);
      for (let i = 0; i < list.length; i += 1) for (let j = i + 1; j < list.length; j += 1) addEdge(addOrg(list[i]).id, addOrg(list[j]).id, null);
    } else if (!rowPartnerships.length) {
      for (const iri of rowOrgs) addOrg(iri);
    }
  }
  for (const p of used) {
    const parties = [...partnerships.get(p)];
    if (parties.length === 2) addEdge(addOrg(parties[0]).id, addOrg(parties[1]).id, p);
    else if (parties.length > 2) {
      nodes.set(p, { id: p, type: "partnership", region: "partnership", degree: 0 });
      for (const party of parties) addEdge(p, addOrg(party).id, p, true);
    }
  }
  for (const edge of edges.values()) {
    nodes.get(edge.source).degree += 1;
    nodes.get(edge.target).degree += 1;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Lay the graph out once (300 ticks, no animation): the same data gives the same picture. */
function layout(graph) {
  const d3 = window.d3;
  const nodes = graph.nodes.map((n) => ({ ...n }));
  const links = graph.edges.map((e) => ({ ...e }));
  d3.forceSimulation(nodes)
    .force("link", d3.forceLink(links).id((d) => d.id).distance((l) => (l.hub ? 45 : 80)))
    .force("charge", d3.forceManyBody().strength(-260))
    .force("collide", d3.forceCollide(24))
    .force("x", d3.forceX(0).strength(0.06))
    .force("y", d3.forceY(0).strength(0.08))
    .stop()
    .tick(300);
  return { nodes, links };
}

export async function prepareNetwork(ctx) {
  const parameterNames = ctx.parameterNames || new Set();
  const iris = iriValues(ctx.result.rows, ctx.result.vars.filter((v) => !parameterNames.has(v)));
  const rows = iris.length ? await fetchNetwork(ctx.endpoint, iris) : [];
  const graph = buildGraph(ctx.result, rows, parameterNames);
  await ctx.ensureLabels(graph.nodes.map((n) => n.id).concat(graph.edges.flatMap((e) => [...e.via])));
  return layout(graph);
}

export function renderNetwork(container, ctx, data) {
  clear(container);
  const labels = ctx.labels();
  const orgCount = data.nodes.filter((n) => n.type === "organisation").length;
  if (!data.links.length) {
    container.append(el("p", { class: "empty" }, t("networkNothing")));
    return;
  }
  const { width: WIDTH, height: HEIGHT, scrolls } = drawingSize(container);
  const xs = data.nodes.map((n) => n.x);
  const ys = data.nodes.map((n) => n.y);
  const pad = 90;
  const [minX, maxX, minY, maxY] = [Math.min(...xs) - pad, Math.max(...xs) + pad, Math.min(...ys) - 40, Math.max(...ys) + 40];
  const scale = Math.min(WIDTH / (maxX - minX), HEIGHT / (maxY - minY), 1.6);
  const px = (x) => (WIDTH - (maxX - minX) * scale) / 2 + (x - minX) * scale;
  const py = (y) => (HEIGHT - (maxY - minY) * scale) / 2 + (y - minY) * scale;

  const svg = svgEl("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": "network-title",
    "data-view": "network",
    "data-nodes": orgCount,
    "data-edges": data.links.length,
    class: scrolls ? "fixed-size" : null,
    width: scrolls ? WIDTH : null,
    height: scrolls ? HEIGHT : null,
  });
  svg.append(svgEl("title", { id: "network-title" }, t("networkTitle")));
  const edgeLayer = svgEl("g", { class: "edges" });
  for (const link of data.links) {
    const names = [...link.via].map((iri) => labelOf(iri, labels));
    edgeLayer.append(
      svgEl(
        "line",
        {
          class: link.hub ? "edge hub" : "edge",
          x1: px(link.source.x).toFixed(1),
          y1: py(link.source.y).toFixed(1),
          x2: px(link.target.x).toFixed(1),
          y2: py(link.target.y).toFixed(1),
          "stroke-width": (1.2 + Math.min(4, link.via.size)).toFixed(1),
          "data-source": link.source.id,
          "data-target": link.target.id,
        },
        svgEl("title", {}, `${labelOf(link.source.id, labels)} — ${labelOf(link.target.id, labels)}${names.length ? `: ${names.join("; ")}` : ""}`),
      ),
    );
  }
  svg.append(edgeLayer);
  const nodeLayer = svgEl("g", { class: "nodes" });
  const byImportance = [...data.nodes].sort((a, b) => b.degree - a.degree);
  const marks = byImportance.map((node) => {
    const name = labelOf(node.id, labels);
    const r = node.type === "partnership" ? 7 : 5 + Math.min(9, 1.5 * node.degree);
    return { node, name, x: px(node.x), y: py(node.y), r, text: name.length > 40 ? `${name.slice(0, 39)}…` : name };
  });
  const positions = placeLabels(marks, { width: WIDTH, height: HEIGHT });
  const groups = marks.map(({ node, name, x, y, r, text }, index) => {
    const shape =
      node.type === "partnership"
        ? svgEl("rect", { x: (x - 6).toFixed(1), y: (y - 6).toFixed(1), width: 12, height: 12 })
        : svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1) });
    const at = positions[index];
    const group = svgEl(
      "g",
      { class: `node ${node.type === "partnership" ? "partnership" : node.region}`, "data-iri": node.id, "data-type": node.type },
      svgEl("title", {}, name),
      shape,
      svgEl("text", { x: at.x.toFixed(1), y: at.y.toFixed(1), "text-anchor": at.anchor }, text),
    );
    const href = safeHref(resourceHref(node.id));
    return href ? svgEl("a", { href, "aria-label": name }, group) : group;
  });
  nodeLayer.append(...groups.reverse());
  svg.append(nodeLayer);
  const figure = el("figure", { class: "figure" }, el("div", { class: "scroll-x" }, svg));
  figure.append(el("figcaption", {}, t("networkCaption", { nodes: orgCount, edges: data.links.length })));
  container.append(figure);
  container.append(
    el(
      "ul",
      { class: "legend" },
      el("li", {}, el("span", { class: "swatch france" }), t("mapLegendFrance")),
      el("li", {}, el("span", { class: "swatch africa" }), t("mapLegendAfrica")),
      el("li", {}, el("span", { class: "swatch other" }), t("mapLegendOther")),
    ),
  );
  const list = el("ul", { class: "side-list edges-list" });
  for (const link of data.links) {
    const names = [...link.via].map((iri) => labelOf(iri, labels));
    list.append(el("li", {}, `${labelOf(link.source.id, labels)} — ${labelOf(link.target.id, labels)}${names.length && !link.hub ? ` (${names.join("; ")})` : ""}`));
  }
  container.append(el("h3", { class: "sub" }, t("networkEdges")), list);
}
