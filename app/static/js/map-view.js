// The map view: France and Africa on a Natural Earth base map, the results' organisations at their cities (or their
// country's centroid when no city coordinates are known) and each partnership drawn between its parties' places.

import { clear, el, safeHref, svgEl } from "./dom.js";
import { placeLabels } from "./label-layout.js";
import { HEADER } from "./labels.js";
import { t } from "./i18n.js";
import { selectRows } from "./sparql-client.js";
import { iriValues, labelOf, pageConfig, resourceHref, valuesClause } from "./terms.js";

const WORLD_URL = "/static/vendor/world-atlas-2.0.2/countries-110m.json";
const FRAME = [[-19, -36], [52, -36], [52, 53], [-19, 53]]; // France and the whole of Africa
const MAX_PLACES_PER_ROW = 12;

let world = null;

/** The base map's country features (fetched once from this server). */
function loadWorld() {
  if (!world) {
    world = fetch(WORLD_URL)
      .then((response) => {
        if (!response.ok) throw new Error(`base map: HTTP ${response.status}`);
        return response.json();
      })
      .then((topology) => window.topojson.feature(topology, topology.objects.countries).features);
    world.catch(() => {
      world = null;
    });
  }
  return world;
}

/** The centroid of a country's largest polygon: France's includes French Guiana, which must not pull it west. */
function mainlandCentroid(feature) {
  const geometry = feature.geometry;
  if (!geometry) return null;
  if (geometry.type !== "MultiPolygon") return window.d3.geoCentroid(feature);
  let best = null;
  let bestArea = -1;
  for (const coordinates of geometry.coordinates) {
    const polygon = { type: "Polygon", coordinates };
    const area = window.d3.geoArea(polygon);
    if (area > bestArea) [best, bestArea] = [polygon, area];
  }
  return window.d3.geoCentroid(best);
}

function normalise(name) {
  return String(name || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
}

/** Where each IRI of the results is: itself (a place), its base or venue, or its parties' (a partnership). */
async function locate(endpoint, iris) {
  // Zero-or-one paths, not UNIONs with BIND: a UNION branch would not see ?x from VALUES and match everything.
  const query = `${HEADER}SELECT ?x ?anchor ?place ?lat ?long ?country ?countryName ?continent WHERE {
  ${valuesClause("x", iris)}
  ?x coop:hasParty? ?anchor .
  ?anchor (coop:basedIn|coop:place)? ?place .
  ?place a coop:Place .
  OPTIONAL { ?place geo:lat ?lat ; geo:long ?long }
  OPTIONAL {
    ?place coop:locatedIn* ?country . ?country a coop:Country .
    OPTIONAL { ?country rdfs:label ?countryName FILTER(langMatches(lang(?countryName), "en")) }
  }
  OPTIONAL { ?place coop:locatedIn* ?continent . ?continent a coop:Continent }
}`;
  return selectRows(endpoint, query);
}

function regionOf(country, continent) {
  const base = pageConfig().idBase + "id/place/";
  if (country === base + "france") return "france";
  if (continent === base + "africa") return "africa";
  return "other";
}

/** For each anchor (organisation, event, place): its best-known point — city coordinates, else country centroid. */
function anchorPoints(rows, centroids) {
  const byAnchor = new Map();
  const partiesOf = new Map();
  const places = new Set();
  for (const row of rows) {
    const x = row.x.value;
    const anchor = row.anchor.value;
    if (row.place.value === anchor) places.add(anchor);
    if (anchor !== x) {
      if (!partiesOf.has(x)) partiesOf.set(x, new Set());
      partiesOf.get(x).add(anchor);
    }
    let candidate = null;
    if (row.lat && row.long && Number.isFinite(+row.lat.value) && Number.isFinite(+row.long.value)) {
      candidate = { lat: +row.lat.value, long: +row.long.value, exact: true, place: row.place.value };
    } else if (row.countryName && centroids.has(normalise(row.countryName.value))) {
      const [long, lat] = centroids.get(normalise(row.countryName.value));
      candidate = { lat, long, exact: false, place: row.country.value };
    } else if (row.place && row.country && row.place.value === row.country.value) {
      candidate = null; // a country the base map does not know by that name
    }
    if (!candidate) continue;
    candidate.region = regionOf(row.country && row.country.value, row.continent && row.continent.value);
    const previous = byAnchor.get(anchor);
    if (!previous || (candidate.exact && !previous.exact)) byAnchor.set(anchor, candidate);
  }
  return { byAnchor, partiesOf, places };
}

/** Things one expects on a map (organisations, places, events, partnerships, programmes), not concepts or terms. */
function isMappable(iri) {
  const base = pageConfig().idBase + "id/";
  return ["org/", "place/", "event/", "partnership/", "programme/"].some((segment) => iri.startsWith(base + segment));
}

function coordinateColumns(vars, hints) {
  if (hints.lat && hints.long && vars.includes(hints.lat) && vars.includes(hints.long)) return { lat: hints.lat, long: hints.long };
  const lat = vars.find((v) => /^(lat|latitude)$/i.test(v));
  const long = vars.find((v) => /^(long|lon|lng|longitude)$/i.test(v));
  return lat && long ? { lat, long } : null;
}

/** Places (grouped by position) and links (between the places of one row or one partnership's parties). */
function buildGeometry(result, located, hints, parameterNames) {
  const { byAnchor, partiesOf } = located;
  const places = new Map();
  const links = new Map();
  const placed = new Set();
  const unplaced = new Set();
  const columns = coordinateColumns(result.vars, hints);
  const vars = result.vars.filter((v) => !parameterNames.has(v));

  function placeFor(point) {
    const key = `${point.lat.toFixed(3)},${point.long.toFixed(3)}`;
    let place = places.get(key);
    if (!place) {
      place = { key, lat: point.lat, long: point.long, exact: point.exact, region: point.region, place: point.place, members: new Set() };
      places.set(key, place);
    }
    return place;
  }

  function link(list, via) {
    list = list.slice(0, MAX_PLACES_PER_ROW);
    for (let i = 0; i < list.length; i += 1) {
      for (let j = i + 1; j < list.length; j += 1) {
        const [a, b] = [list[i], list[j]].sort((p, q) => p.key.localeCompare(q.key));
        const key = `${a.key}|${b.key}`;
        if (!links.has(key)) links.set(key, { key, a, b, via: new Set() });
        if (via) links.get(key).via.add(via);
      }
    }
  }

  function put(anchor) {
    const point = byAnchor.get(anchor);
    if (!point) return null;
    const place = placeFor(point);
    place.members.add(anchor);
    placed.add(anchor);
    return place;
  }

  // Links join the parties of a partnership in the row; without one, the organisations or events of the row.
  // A place in a row (a country column, say) is drawn, never linked to: it is where things are, not a party.
  for (const row of result.rows) {
    const linked = new Map();
    let partnershipSeen = false;
    for (const name of vars) {
      const term = row[name];
      if (!term || term.type !== "uri") continue;
      const iri = term.value;
      const parties = partiesOf.get(iri);
      if (parties) {
        partnershipSeen = true;
        const own = new Map();
        for (const party of parties) {
          const place = put(party);
          if (place) own.set(place.key, place);
        }
        link([...own.values()], iri);
        continue;
      }
      const place = put(iri);
      if (!place) unplaced.add(iri);
      else if (!located.places.has(iri)) linked.set(place.key, place);
    }
    if (!partnershipSeen && linked.size >= 2) link([...linked.values()], null);
    if (columns && row[columns.lat] && row[columns.long]) {
      const lat = Number(row[columns.lat].value);
      const long = Number(row[columns.long].value);
      if (Number.isFinite(lat) && Number.isFinite(long)) {
        const first = vars.map((v) => row[v]).find((term) => term && term.type === "uri");
        const place = placeFor({ lat, long, exact: true, region: "other", place: first ? first.value : null });
        if (first) {
          place.members.add(first.value);
          placed.add(first.value);
          unplaced.delete(first.value);
        }
      }
    }
  }
  for (const parties of partiesOf.values()) for (const p of parties) unplaced.add(p);
  for (const iri of placed) unplaced.delete(iri);
  return { places: [...places.values()], links: [...links.values()], unplaced: [...unplaced].filter(isMappable) };
}

/** Fetch what the map needs for this result (once per result; the view re-draws from it on a language switch). */
export async function prepareMap(ctx) {
  const parameterNames = ctx.parameterNames || new Set();
  const iris = iriValues(ctx.result.rows, ctx.result.vars.filter((v) => !parameterNames.has(v)));
  const [features, rows] = await Promise.all([loadWorld(), iris.length ? locate(ctx.endpoint, iris) : Promise.resolve([])]);
  const centroids = new Map();
  for (const feature of features) {
    const c = mainlandCentroid(feature);
    if (c) centroids.set(normalise(feature.properties.name), c);
  }
  const geometry = buildGeometry(ctx.result, anchorPoints(rows, centroids), ctx.hints || {}, parameterNames);
  const extra = new Set(geometry.unplaced);
  for (const place of geometry.places) {
    if (place.place) extra.add(place.place);
    for (const m of place.members) extra.add(m);
  }
  for (const link of geometry.links) for (const iri of link.via) extra.add(iri);
  await ctx.ensureLabels([...extra]);
  const drawnCountries = new Set();
  for (const row of rows) if (row.countryName) drawnCountries.add(normalise(row.countryName.value));
  return { features, geometry, drawnCountries };
}

function memberList(iris, labels) {
  return [...iris].map((iri) => labelOf(iri, labels)).sort((a, b) => a.localeCompare(b));
}

export function renderMap(container, ctx, data) {
  clear(container);
  const { features, geometry, drawnCountries } = data;
  const labels = ctx.labels();
  if (!geometry.places.length) {
    container.append(el("p", { class: "empty" }, t("mapNothing")));
    appendUnplaced(container, geometry.unplaced, labels);
    return;
  }
  const d3 = window.d3;
  const WIDTH = Math.round(Math.max(320, Math.min(900, container.clientWidth || 800)));
  const HEIGHT = Math.round(WIDTH * 1.05);
  const frame = { type: "MultiPoint", coordinates: [...FRAME, ...geometry.places.map((p) => [p.long, p.lat])] };
  const projection = d3.geoNaturalEarth1().rotate([-15, 0]).fitExtent([[12, 12], [WIDTH - 12, HEIGHT - 12]], frame);
  const path = d3.geoPath(projection);

  const svg = svgEl("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": "map-title",
    "data-view": "map",
    "data-places": geometry.places.length,
    "data-links": geometry.links.length,
  });
  svg.append(svgEl("title", { id: "map-title" }, t("mapTitle")));
  svg.append(svgEl("path", { class: "graticule", d: path(d3.geoGraticule10()) }));
  const countries = svgEl("g", { class: "countries", "aria-hidden": "true" });
  for (const feature of features) {
    const d = path(feature);
    if (!d) continue;
    const known = drawnCountries.has(normalise(feature.properties.name));
    countries.append(svgEl("path", { class: known ? "country has-data" : "country", d, "data-name": feature.properties.name }));
  }
  svg.append(countries);

  const maxVia = Math.max(1, ...geometry.links.map((l) => l.via.size));
  const linkLayer = svgEl("g", { class: "links" });
  for (const link of geometry.links) {
    const d = path({ type: "LineString", coordinates: [[link.a.long, link.a.lat], [link.b.long, link.b.lat]] });
    if (!d) continue;
    const names = memberList(link.via, labels);
    const title = `${labelOf(link.a.place, labels)} — ${labelOf(link.b.place, labels)}${names.length ? `: ${names.join("; ")}` : ""}`;
    const width = 1.5 + (3 * Math.max(1, link.via.size)) / maxVia;
    linkLayer.append(
      svgEl("path", { class: "link", d, "stroke-width": width.toFixed(2), "data-from": link.a.key, "data-to": link.b.key, "data-count": link.via.size }, svgEl("title", {}, title)),
    );
  }
  svg.append(linkLayer);

  const placeLayer = svgEl("g", { class: "places" });
  const sorted = [...geometry.places].sort((a, b) => b.members.size - a.members.size);
  const marks = sorted.map((place) => {
    const [x, y] = projection([place.long, place.lat]);
    const name = place.place ? labelOf(place.place, labels) : `${place.lat}, ${place.long}`;
    return { place, x, y, r: 4 + Math.min(10, 2 * Math.sqrt(place.members.size)), text: name };
  });
  const positions = placeLabels(marks, { width: WIDTH, height: HEIGHT });
  marks.forEach(({ place, x, y, r, text: name }, index) => {
    const members = memberList(place.members, labels);
    const href = place.place ? safeHref(resourceHref(place.place)) : null;
    const at = positions[index];
    const mark = svgEl(
      "g",
      { class: `place ${place.region}${place.exact ? "" : " centroid"}`, "data-place": place.place || place.key, "data-members": place.members.size },
      svgEl("title", {}, `${name}: ${members.join("; ")}`),
      svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1) }),
      svgEl("text", { x: at.x.toFixed(1), y: at.y.toFixed(1), "text-anchor": at.anchor }, name),
    );
    placeLayer.append(href ? svgEl("a", { href, "aria-label": `${name}: ${members.join("; ")}` }, mark) : mark);
  });
  svg.append(placeLayer);

  const figure = el("figure", { class: "figure" }, svg);
  figure.append(el("figcaption", {}, t("mapCaption", { places: geometry.places.length, links: geometry.links.length })));
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
  const list = el("ul", { class: "side-list" });
  for (const place of sorted) {
    const name = place.place ? labelOf(place.place, labels) : place.key;
    list.append(el("li", {}, el("strong", {}, name), ": ", memberList(place.members, labels).join("; ")));
  }
  container.append(el("h3", { class: "sub" }, t("mapPlaces")), list);
  appendUnplaced(container, geometry.unplaced, labels);
}

function appendUnplaced(container, unplaced, labels) {
  if (!unplaced.length) return;
  const list = el("ul", { class: "side-list unplaced" });
  for (const iri of unplaced) {
    const href = safeHref(resourceHref(iri));
    const name = labelOf(iri, labels);
    list.append(el("li", {}, href ? el("a", { href }, name) : name));
  }
  container.append(el("h3", { class: "sub" }, t("mapUnplaced")), list);
}
