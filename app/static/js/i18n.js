// The page's two languages: its own words (below), and which of a resource's labels to show.

export const LANGUAGES = ["en", "fr"];

const MESSAGES = {
  en: {
    tagline: "The open knowledge graph of Franco-African academic cooperation",
    skipToResults: "Skip to the results",
    siteNav: "Site",
    navOntology: "Ontology",
    navDownloads: "Data downloads",
    navApi: "API",
    language: "Language",
    galleryTitle: "Ready-made questions",
    galleryHint: "Pick a question, fill in its form and run it — no SPARQL needed.",
    galleryLoading: "Loading the questions…",
    galleryEmpty: "No ready-made questions are available on this server yet; write a query in the editor.",
    galleryError: "The ready-made questions could not be loaded: {message}",
    editorTitle: "SPARQL query",
    prefixesSummary: "Pre-declared prefixes",
    prefixesHint:
      "These prefixes can be used without PREFIX lines. Type a prefix and “:” (or press Ctrl+Space) to complete CoopGraph’s classes and properties.",
    insertPrefixes: "Insert them into the query",
    queryLabel: "SPARQL query text",
    run: "Run",
    running: "Running…",
    share: "Copy a link to this query",
    shareCopied: "Link copied to the clipboard.",
    shareLabel: "Link to this query, its parameters and view:",
    exampleQuery: "Example query",
    resultsTitle: "Results",
    viewLabel: "View",
    viewTable: "Table",
    viewMap: "Map",
    viewTimeline: "Timeline",
    viewNetwork: "Network",
    download: "Download:",
    downloadLabel: "Download the results",
    downloadFailed: "The download failed: {message}",
    dataVersion: "Data version",
    endpointIs: "SPARQL endpoint:",
    mapCredit:
      "Base map: Natural Earth (public domain) via world-atlas. Everything on this page is served by this machine; nothing is fetched from elsewhere.",
    noResultsYet: "Run a query or a ready-made question to see results here.",
    rows: "{count} rows",
    row: "1 row",
    triples: "{count} triples",
    triple: "1 triple",
    inTime: "in {ms} ms",
    askYes: "Yes — the pattern matches the data.",
    askNo: "No — the pattern does not match the data.",
    noRows: "The query ran and returned no rows.",
    showAllRows: "Show all {count} rows",
    sortBy: "Sort by {column}",
    labelsLoading: "Fetching labels…",
    errorSyntax: "The query has an error",
    errorSyntaxHint: "Check the position the message gives, fix the query and run it again.",
    errorTimeout: "The query took too long and was stopped",
    errorTimeoutHint:
      "Queries may run for {seconds} s at most. Make it more specific (fewer optional patterns, a LIMIT, a FILTER) and run it again.",
    errorBusy: "The service is busy",
    errorBusyHint: "Every query worker is in use. Wait a few seconds and run the query again.",
    errorRefused: "This query is not allowed here",
    errorRefusedHint: "The endpoint is read-only: updates, and SERVICE calls to other endpoints, are refused.",
    errorCrashed: "The query stopped the worker evaluating it",
    errorCrashedHint: "It may need more memory than a query may use here. Make it more specific and run it again.",
    retrying: "The service is busy; trying again in {seconds} s…",
    errorTooLarge: "The query is too large",
    errorParameter: "A parameter is not valid",
    errorNetwork: "The service could not be reached",
    errorNetworkHint: "Check that the server is running, then try again.",
    errorOther: "The query failed (HTTP {status})",
    truncatedTitle: "The results were cut",
    truncatedRows: "Only the first {kept} rows are shown: the service returns at most {limit} rows. Add a LIMIT/OFFSET or filters to see the rest.",
    truncatedSize: "The response reached the service's size limit ({limit} bytes); {kept} rows were kept. Select fewer or shorter values.",
    formRun: "Run this question",
    formShowSparql: "Show SPARQL",
    formHideSparql: "Hide SPARQL",
    formOpenInEditor: "Open in the editor",
    formOptional: "optional",
    formChoose: "— choose —",
    formAny: "— any —",
    formLoadingChoices: "loading choices…",
    formRequired: "Please fill in “{name}”.",
    formYearHint: "A year, e.g. 2018",
    formNoSparql: "This server does not publish the text of this question.",
    mapTitle: "Partnerships between places in France and Africa",
    mapCaption: "{places} places, {links} links. Dashed circles stand for a country (no city coordinates known).",
    mapLegendFrance: "France",
    mapLegendAfrica: "Africa",
    mapLegendOther: "Elsewhere",
    mapUnplaced: "Not on the map (no known place)",
    mapNothing: "Nothing to map: the results hold no organisations, partnerships, events or places with a known location.",
    mapPlaces: "Places on the map",
    timelineTitle: "Timeline",
    timelineCaption:
      "{dated} dated items. Bars span from the earliest to the latest date the sources allow (a year, a month); dots are exact days.",
    timelineUndated: "Undated",
    timelineNothing: "Nothing to draw: the results hold no dated agreements, programmes or events.",
    timelineLegendSpan: "Span (partial date)",
    timelineLegendPoint: "Exact day",
    networkTitle: "Network of organisations",
    networkCaption: "{nodes} organisations, {edges} links. Square nodes are partnerships with more than two parties.",
    networkNothing: "Nothing to draw: the results hold no partnerships or pairs of organisations.",
    networkEdges: "Links",
    viewLoading: "Drawing…",
    viewFailed: "This view could not be drawn: {message}",
    kindClass: "class",
    kindProperty: "property",
    kindInstance: "resource",
  },
  fr: {
    tagline: "Le graphe de connaissances ouvert de la coopération universitaire franco-africaine",
    skipToResults: "Aller aux résultats",
    siteNav: "Site",
    navOntology: "Ontologie",
    navDownloads: "Téléchargement des données",
    navApi: "API",
    language: "Langue",
    galleryTitle: "Questions toutes prêtes",
    galleryHint: "Choisissez une question, remplissez son formulaire et lancez-la — sans écrire de SPARQL.",
    galleryLoading: "Chargement des questions…",
    galleryEmpty:
      "Ce serveur ne propose pas encore de questions toutes prêtes ; écrivez une requête dans l’éditeur.",
    galleryError: "Les questions toutes prêtes n’ont pas pu être chargées : {message}",
    editorTitle: "Requête SPARQL",
    prefixesSummary: "Préfixes prédéclarés",
    prefixesHint:
      "Ces préfixes s’utilisent sans lignes PREFIX. Tapez un préfixe et « : » (ou Ctrl+Espace) pour compléter les classes et propriétés de CoopGraph.",
    insertPrefixes: "Les insérer dans la requête",
    queryLabel: "Texte de la requête SPARQL",
    run: "Exécuter",
    running: "Exécution…",
    share: "Copier un lien vers cette requête",
    shareCopied: "Lien copié dans le presse-papiers.",
    shareLabel: "Lien vers cette requête, ses paramètres et sa vue :",
    exampleQuery: "Requête d’exemple",
    resultsTitle: "Résultats",
    viewLabel: "Vue",
    viewTable: "Tableau",
    viewMap: "Carte",
    viewTimeline: "Chronologie",
    viewNetwork: "Réseau",
    download: "Télécharger :",
    downloadLabel: "Télécharger les résultats",
    downloadFailed: "Le téléchargement a échoué : {message}",
    dataVersion: "Version des données",
    endpointIs: "Point d’accès SPARQL :",
    mapCredit:
      "Fond de carte : Natural Earth (domaine public) via world-atlas. Tout ce que montre cette page est servi par cette machine ; rien n’est chargé d’ailleurs.",
    noResultsYet: "Exécutez une requête ou une question toute prête pour voir les résultats ici.",
    rows: "{count} lignes",
    row: "1 ligne",
    triples: "{count} triplets",
    triple: "1 triplet",
    inTime: "en {ms} ms",
    askYes: "Oui — le motif correspond aux données.",
    askNo: "Non — le motif ne correspond pas aux données.",
    noRows: "La requête s’est exécutée et n’a renvoyé aucune ligne.",
    showAllRows: "Afficher les {count} lignes",
    sortBy: "Trier par {column}",
    labelsLoading: "Recherche des libellés…",
    errorSyntax: "La requête contient une erreur",
    errorSyntaxHint: "Vérifiez la position indiquée par le message, corrigez la requête et relancez-la.",
    errorTimeout: "La requête a pris trop de temps et a été arrêtée",
    errorTimeoutHint:
      "Une requête peut durer {seconds} s au plus. Rendez-la plus précise (moins de motifs optionnels, un LIMIT, un FILTER) et relancez-la.",
    errorBusy: "Le service est occupé",
    errorBusyHint: "Tous les processus de requête sont pris. Attendez quelques secondes et relancez la requête.",
    errorRefused: "Cette requête n’est pas permise ici",
    errorRefusedHint:
      "Le point d’accès est en lecture seule : les mises à jour et les appels SERVICE vers d’autres points d’accès sont refusés.",
    errorCrashed: "La requête a arrêté le processus qui l’évaluait",
    errorCrashedHint:
      "Elle demande peut-être plus de mémoire qu’une requête n’en a droit ici. Rendez-la plus précise et relancez-la.",
    retrying: "Le service est occupé ; nouvel essai dans {seconds} s…",
    errorTooLarge: "La requête est trop longue",
    errorParameter: "Un paramètre n’est pas valide",
    errorNetwork: "Le service est injoignable",
    errorNetworkHint: "Vérifiez que le serveur tourne, puis réessayez.",
    errorOther: "La requête a échoué (HTTP {status})",
    truncatedTitle: "Les résultats ont été tronqués",
    truncatedRows:
      "Seules les {kept} premières lignes sont affichées : le service renvoie au plus {limit} lignes. Ajoutez un LIMIT/OFFSET ou des filtres pour voir la suite.",
    truncatedSize:
      "La réponse a atteint la taille maximale du service ({limit} octets) ; {kept} lignes ont été gardées. Sélectionnez moins de valeurs ou des valeurs plus courtes.",
    formRun: "Lancer cette question",
    formShowSparql: "Voir le SPARQL",
    formHideSparql: "Masquer le SPARQL",
    formOpenInEditor: "Ouvrir dans l’éditeur",
    formOptional: "facultatif",
    formChoose: "— choisir —",
    formAny: "— tous —",
    formLoadingChoices: "chargement des choix…",
    formRequired: "Veuillez renseigner « {name} ».",
    formYearHint: "Une année, par ex. 2018",
    formNoSparql: "Ce serveur ne publie pas le texte de cette question.",
    mapTitle: "Partenariats entre lieux de France et d’Afrique",
    mapCaption:
      "{places} lieux, {links} liens. Les cercles en pointillés représentent un pays (coordonnées de ville inconnues).",
    mapLegendFrance: "France",
    mapLegendAfrica: "Afrique",
    mapLegendOther: "Ailleurs",
    mapUnplaced: "Absents de la carte (lieu inconnu)",
    mapNothing:
      "Rien à cartographier : les résultats ne contiennent ni organisation, ni partenariat, ni événement, ni lieu localisé.",
    mapPlaces: "Lieux sur la carte",
    timelineTitle: "Chronologie",
    timelineCaption:
      "{dated} éléments datés. Les barres vont de la date la plus précoce à la plus tardive que permettent les sources (une année, un mois) ; les points sont des jours exacts.",
    timelineUndated: "Sans date",
    timelineNothing: "Rien à tracer : les résultats ne contiennent ni accord, ni programme, ni événement daté.",
    timelineLegendSpan: "Intervalle (date partielle)",
    timelineLegendPoint: "Jour exact",
    networkTitle: "Réseau des organisations",
    networkCaption:
      "{nodes} organisations, {edges} liens. Les nœuds carrés sont des partenariats à plus de deux parties.",
    networkNothing: "Rien à tracer : les résultats ne contiennent ni partenariat ni paire d’organisations.",
    networkEdges: "Liens",
    viewLoading: "Tracé en cours…",
    viewFailed: "Cette vue n’a pas pu être tracée : {message}",
    kindClass: "classe",
    kindProperty: "propriété",
    kindInstance: "ressource",
  },
};

let current = "en";
const listeners = [];

/** The language to start in: the URL's choice, else the browser's, else English. */
export function initialLanguage(requested) {
  if (LANGUAGES.includes(requested)) return requested;
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag || "").toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function lang() {
  return current;
}

/** The page's text for `key` in the current language, with {placeholders} filled in. */
export function t(key, values = {}) {
  const template = MESSAGES[current][key] ?? MESSAGES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The best text of an {en, fr} object (or a plain string) for the current language. */
export function pick(texts) {
  if (texts == null) return "";
  if (typeof texts === "string") return texts;
  return texts[current] ?? texts.en ?? texts.fr ?? Object.values(texts)[0] ?? "";
}

/** Rewrite every [data-i18n] text and [data-i18n-attr] attribute under `root` (textContent only: never HTML). */
export function translate(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of element.dataset.i18nAttr.split(";")) {
      const [attribute, key] = pair.split(":");
      if (attribute && key) element.setAttribute(attribute.trim(), t(key.trim()));
    }
  }
}

export function setLanguage(language) {
  if (!LANGUAGES.includes(language)) return;
  current = language;
  document.documentElement.lang = language;
  translate();
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === language));
  }
  for (const listener of listeners) listener(language);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}
