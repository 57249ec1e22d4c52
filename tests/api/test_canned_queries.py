"""Canned queries over real HTTP: the catalogue, one OpenAPI operation per query, the articles' answers, the same
formats as /sparql, parameters validated by type, and values that cannot change the query they are bound into.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from app.core.canned_queries import load_catalogue
from app.core.config import PROJECT_ROOT

ID = "https://w3id.org/coopgraph/id/"
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
CATALOGUE = load_catalogue(PROJECT_ROOT / "queries")


def run(server: LiveServer, name: str, **params: str) -> list[dict[str, str]]:
    """The query's rows, each a column → value (lexical form) mapping."""
    response = httpx.get(
        f"{server.url}/api/queries/{name}", params=params, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def column(rows: list[dict[str, str]], name: str) -> set[str]:
    return {row[name] for row in rows if name in row}


# --- the catalogue ------------------------------------------------------------------------------------------------


def test_the_list_describes_every_query_for_the_query_page(project_server: LiveServer) -> None:
    response = httpx.get(f"{project_server.url}/api/queries")
    assert response.status_code == 200
    queries = {q["name"]: q for q in response.json()["queries"]}
    assert set(queries) == set(CATALOGUE.names())
    assert len(queries) >= 12
    for query in queries.values():
        assert query["title"]["en"] and query["title"]["fr"] and query["description"]["fr"]
        assert query["view"]["type"] in {"table", "map", "timeline", "network"}
        assert query["url"] == f"{project_server.url}/api/queries/{query['name']}"
        assert query["columns"] and "SELECT" in query["sparql"]
        for parameter in query["parameters"]:
            assert parameter["type"] in {"iri", "string", "langstring", "date", "year", "integer", "enum"}
            assert parameter["name"] in query["columns"]  # bound by substitution, so projected
            if parameter["type"] == "enum":
                assert all(v["title"]["en"] and v["title"]["fr"] for v in parameter["values"])
            if "valuesFrom" in parameter:
                assert parameter["valuesFrom"]["value"] in queries[parameter["valuesFrom"]["query"]]["columns"]
    partners = queries["partners-of"]["parameters"][0]
    assert partners == {
        **partners,
        "name": "organisation",
        "type": "iri",
        "required": True,
        "exampleIri": ID + "org/imt-atlantique",
        "valuesFrom": {
            "query": "organisations",
            "url": f"{project_server.url}/api/queries/organisations",
            "value": "organisation",
            "label": "label",
        },
    }
    assert {queries[n]["view"]["type"] for n in ("places-map", "events-timeline", "partnership-network")} == {
        "map",
        "timeline",
        "network",
    }
    assert queries["places-map"]["view"] == {"type": "map", "lat": "lat", "long": "long", "label": "label"}


def test_openapi_has_one_typed_operation_per_query(project_server: LiveServer) -> None:
    paths = httpx.get(f"{project_server.url}/openapi.json").json()["paths"]
    for name in CATALOGUE.names():
        assert {"get", "post"} <= set(paths[f"/api/queries/{name}"]), name
    operation = paths["/api/queries/agreements-signed-between"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["from"]["required"] is True
    assert parameters["from"]["schema"] == {"type": "string", "format": "date", "example": "2018-01-01"}
    assert parameters["lang"]["schema"]["enum"] == ["en", "fr"]
    assert "text/csv" in operation["responses"]["200"]["content"]
    years = {p["name"]: p for p in paths["/api/queries/partnerships-in-country"]["get"]["parameters"]}
    assert years["from_year"]["schema"]["type"] == "integer" and years["from_year"]["required"] is False
    body = paths["/api/queries/partners-of"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["required"] == ["organisation"]


def test_the_service_description_describes_each_query_in_rdf(project_server: LiveServer) -> None:
    response = httpx.get(project_server.sparql, headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef(f"{project_server.url}/sparql#service")
    queries = set(graph.objects(service, SCHEMA.potentialAction))
    assert len(queries) == len(CATALOGUE)
    partners = URIRef(f"{project_server.url}/api/queries/partners-of")
    assert (partners, RDF.type, SH.SPARQLSelectExecutable) in graph
    assert "coop:hasParty" in str(graph.value(partners, SH.select))
    names = {str(graph.value(p, SH.name)) for p in graph.objects(partners, SH.parameter)}
    assert names == {"organisation", "lang"}


# --- the articles' answers ----------------------------------------------------------------------------------------


def answers(name: str) -> str:
    """Marks the test that checks this query's answers (see the last test of this section)."""
    return name


def test_partners_of_imt_atlantique(project_server: LiveServer) -> None:
    rows = run(project_server, answers("partners-of"), organisation="o:imt-atlantique")
    partners = column(rows, "partner")
    assert {ID + "org/inpt", ID + "org/um6p", ID + "org/aiac-m6", ID + "org/esp-dakar"} <= partners
    relationship = next(r for r in rows if r["via"] == ID + "partnership/imt-atlantique--inpt--relationship")
    assert relationship["kindLabel"] == "Collaboration" and relationship["statusLabel"] == "ongoing"
    contacts = next(r for r in rows if r["partner"] == ID + "org/aiac-m6")
    assert contacts["status"] == ID + "status/initial-contact"
    master = next(r for r in rows if r["partner"] == ID + "org/esp-dakar")
    assert master["via"] == ID + "programme/web-technology-and-cybersecurity-specialised-master"


def test_partners_of_fimme_is_the_mou_with_its_date(project_server: LiveServer) -> None:
    rows = run(project_server, "partners-of", organisation=ID + "org/fimme", lang="fr")
    assert column(rows, "partner") == {ID + "org/arts-et-metiers"}
    (row,) = [r for r in rows if r["via"].startswith(ID + "partnership/")]
    assert row["partnerLabel"] == "Arts et Métiers ParisTech"
    assert row["via"] == ID + "partnership/fimme--arts-et-metiers--mou"
    assert (row["kindLabel"], row["date"], row["statusLabel"]) == ("Protocole d'accord", "2018-04-12", "signé")


def test_partnerships_involving_morocco_and_senegal(project_server: LiveServer) -> None:
    morocco = run(project_server, answers("partnerships-in-country"), country="pl:morocco")
    mou = next(r for r in morocco if r["partnership"] == ID + "partnership/fimme--arts-et-metiers--mou")
    assert (mou["date"], mou["placeLabel"], mou["francoAfrican"]) == ("2018-04-12", "Casablanca", "true")
    assert ID + "partnership/imt-atlantique--inpt--relationship" in column(morocco, "partnership")
    in_2018 = run(project_server, "partnerships-in-country", country="pl:morocco", from_year="2018", to_year="2018")
    assert column(in_2018, "partnership") == {ID + "partnership/fimme--arts-et-metiers--mou"}
    assert run(project_server, "partnerships-in-country", country="pl:morocco", from_year="2019") == []
    senegal = column(run(project_server, "partnerships-in-country", country="pl:senegal"), "partnership")
    assert senegal == {
        ID + "partnership/imt--esp-dakar--framework-agreement",
        ID + "partnership/mitrelli-focus-education--senegal-numerique--convention",
    }


def test_franco_african_partnerships_per_year(project_server: LiveServer) -> None:
    rows = run(project_server, answers("franco-african-per-year"))
    by_year = {row.get("year"): row for row in rows}
    assert by_year["2018"]["partnerships"] == "1"
    assert "FIMME" in by_year["2018"]["labels"]
    assert int(by_year[None]["partnerships"]) >= 5  # the articles date no other Franco-African partnership


def test_agreements_signed_in_2018_and_in_2023(project_server: LiveServer) -> None:
    rows = run(project_server, answers("agreements-signed-between"), **{"from": "2018-01-01", "to": "2018-12-31"})
    assert column(rows, "agreement") == {
        ID + "partnership/fimme--arts-et-metiers--mou",
        ID + "partnership/imt-grand-est--founding-agreement",
    }
    mou = next(r for r in rows if r["agreement"].endswith("mou"))
    assert mou["signatories"] == "Abdelhamid Souiri · Laurent Champaney" or set(mou["signatories"].split(" · ")) == {
        "Abdelhamid Souiri",
        "Laurent Champaney",
    }
    assert mou["occasionLabel"] == "SISTEP 2018 inauguration ceremony"
    later = run(project_server, "agreements-signed-between", **{"from": "2023-01-01", "to": "2023-12-31"})
    assert column(later, "agreement") == {ID + "partnership/mitrelli-focus-education--senegal-numerique--convention"}


def test_programmes_with_partners_and_planned_start(project_server: LiveServer) -> None:
    rows = run(project_server, answers("programmes"))
    web = next(r for r in rows if r["programme"].endswith("web-technology-and-cybersecurity-specialised-master"))
    assert (web["start"], web["statusLabel"], web["partners"], web["supporters"]) == (
        "2018-09",
        "planned",
        "Ecole Supérieure Polytechnique Dakar",
        "IMT Atlantique",
    )
    moocs = run(project_server, "programmes", kind="mooc")
    assert column(moocs, "programme") == {
        ID + "programme/mooc-digital-manufacture",
        ID + "programme/mooc-network-and-telecoms",
    }
    launched = run(project_server, "programmes", status="launched")
    assert column(launched, "programme") == {ID + "programme/fablab-heads-hybrid-training-esp-dakar"}


def test_people_and_positions_at_imt_atlantique(project_server: LiveServer) -> None:
    rows = run(project_server, answers("people-at"), organisation="o:imt-atlantique")
    assert column(rows, "personLabel") == {"Christophe Lerouge", "Philippe Picouet", "Stéphane Roy", "Samir Saoudi"}
    saoudi = next(r for r in rows if r["personLabel"] == "Samir Saoudi")
    assert saoudi["unit"] == ID + "org/imt-atlantique-mee"  # a position in a department of the school


def test_who_signed_what(project_server: LiveServer) -> None:
    rows = run(project_server, answers("signatories"))
    signed = {(r["personLabel"], r["agreement"].rsplit("/", 1)[1], r.get("onBehalfOfLabel")) for r in rows}
    assert ("Philippe Jamet", "imt--esp-dakar--framework-agreement", "IMT") in signed
    assert ("Laurent Champaney", "fimme--arts-et-metiers--mou", "Arts et Métiers ParisTech") in signed
    assert (
        "Cheikh Bakhoum",
        "mitrelli-focus-education--senegal-numerique--convention",
        "Sénégal Numérique SA",
    ) in signed
    fimme = run(project_server, "signatories", organisation="o:fimme")
    assert column(fimme, "personLabel") == {"Abdelhamid Souiri", "Laurent Champaney"}


def test_organisations_by_country_and_kind(project_server: LiveServer) -> None:
    rows = run(project_server, answers("organisations"), country="pl:senegal", kind="coop:HigherEducationInstitution")
    assert column(rows, "organisation") == {ID + "org/esp-dakar", ID + "org/ucad"}
    assert column(rows, "cityLabel") == {"Dakar"}
    everything = run(project_server, "organisations")
    assert ID + "org/atos" in column(everything, "organisation")  # no country stated: listed all the same
    kinds = {
        r["kind"].rsplit("#", 1)[1]: int(r["organisations"]) for r in run(project_server, answers("organisation-kinds"))
    }
    assert kinds["University"] == 2 and kinds["HigherEducationInstitution"] >= kinds["EngineeringSchool"] + 2
    countries = {r["label"]: r for r in run(project_server, answers("countries"), lang="fr")}
    assert countries["Maroc"]["continentLabel"] == "Afrique" and int(countries["Maroc"]["organisations"]) >= 5


def test_events_on_a_timeline_keep_their_precision(project_server: LiveServer) -> None:
    rows = {r["event"].rsplit("/", 1)[1]: r for r in run(project_server, answers("events-timeline"))}
    ceremony = rows["sistep-2018-inauguration-ceremony"]
    assert (ceremony["date"], ceremony["precision"], ceremony["earliest"], ceremony["latest"]) == (
        "2018-04-12",
        "day",
        "2018-04-12",
        "2018-04-12",
    )
    launch = rows["alliance-industrie-du-futur-launch"]
    assert (launch["date"], launch["precision"], launch["earliest"], launch["latest"]) == (
        "2015-04",
        "month",
        "2015-04-01",
        "2015-04-30",
    )
    mission = rows["imt-atlantique-mission-morocco"]
    assert mission["dateText"] == "at the end of April" and "earliest" not in mission
    in_2018 = run(project_server, "events-timeline", **{"from": "2018-01-01", "to": "2018-12-31"})
    assert column(in_2018, "event") == {
        ID + "event/sistep-2018-inauguration-ceremony",
        ID + "event/imt-grand-est-founding",
    }


def test_provenance_of_the_mou(project_server: LiveServer) -> None:
    rows = run(project_server, answers("provenance"), resource="ag:fimme--arts-et-metiers--mou")
    assert column(rows, "source") == {ID + "source/004-b6f96e7322eea8f2"}
    assert column(rows, "graph") == {"https://w3id.org/coopgraph/graph/source/004-b6f96e7322eea8f2"}
    assert (
        "The Mou was signed on Thursday, April 12, 2018 during the inauguration ceremony of SISTEP 2018 in Casablanca."
        in column(rows, "quotation")
    )
    dakar = run(project_server, "provenance", resource="pl:dakar")
    assert ID + "source/geonames" in column(dakar, "source")  # the coordinates' gazetteer


def test_the_partnership_network(project_server: LiveServer) -> None:
    edges = run(project_server, answers("partnership-network"), scope="franco-african")
    pairs = {frozenset((e["source"].rsplit("/", 1)[1], e["target"].rsplit("/", 1)[1])) for e in edges}
    assert frozenset(("imt-atlantique", "inpt")) in pairs and frozenset(("arts-et-metiers", "fimme")) in pairs
    assert all(e["scopeLabel"] == "Franco-African" for e in edges)
    everything = run(project_server, "partnership-network")
    convention = [e for e in everything if e["partnership"].endswith("senegal-numerique--convention")]
    assert len(convention) == 3  # three parties, three edges


def test_places_with_coordinates_for_a_map(project_server: LiveServer) -> None:
    places = {r["place"].rsplit("/", 1)[1]: r for r in run(project_server, answers("places-map"))}
    assert (places["dakar"]["lat"], places["dakar"]["long"]) == ("14.6937", "-17.4441")
    assert float(places["casablanca"]["lat"]) == pytest.approx(33.59, abs=0.01)
    assert "zenata" not in places  # not in the gazetteer file: no coordinates we could vouch for
    assert "Ecole Supérieure Polytechnique Dakar" in places["dakar"]["organisationNames"]


def test_finding_iris_by_name(project_server: LiveServer) -> None:
    assert ID + "org/esp-dakar" in column(run(project_server, answers("search"), text="esp"), "resource")
    found = run(project_server, answers("resource-by-label"), label="Maroc@fr")
    assert column(found, "resource") == {ID + "place/morocco"}
    assert run(project_server, "resource-by-label", label="Maroc@en") == []


def test_every_canned_query_is_checked_against_the_articles() -> None:
    """A new canned query comes with a test of what it answers, marked answers("its-name") in this file."""
    source = Path(__file__).read_text(encoding="utf-8")
    assert [name for name in CATALOGUE.names() if f'answers("{name}")' not in source] == []


# --- the same formats and negotiation as /sparql ------------------------------------------------------------------


def test_results_are_negotiated_like_sparql(project_server: LiveServer) -> None:
    url = f"{project_server.url}/api/queries/people-at"
    params = {"organisation": "o:imt-atlantique"}
    csv = httpx.get(url, params=params, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines()[0].startswith("organisation,lang,person,")
    tsv = httpx.get(url, params={**params, "format": "tsv"})
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    xml = httpx.get(url, params=params, headers={"Accept": "application/sparql-results+xml"})
    assert "<sparql" in xml.text
    refused = httpx.get(url, params=params, headers={"Accept": "image/png"})
    assert refused.status_code == 406
    bad_format = httpx.get(url, params={**params, "format": "pdf"})
    assert bad_format.status_code == 400 and "format" in bad_format.text


def test_post_form_and_json_give_the_get_answer(project_server: LiveServer) -> None:
    url = f"{project_server.url}/api/queries/people-at"
    expected = run(project_server, "people-at", organisation="o:imt-atlantique")
    accept = {"Accept": "application/sparql-results+json"}
    form = httpx.post(url, data={"organisation": "o:imt-atlantique"}, headers=accept)
    document = httpx.post(url, json={"organisation": "o:imt-atlantique"}, headers=accept)
    for response in (form, document):
        assert response.status_code == 200, response.text
        rows = [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]
        assert rows == expected


# --- parameters are validated by type --------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("partners-of", {}, "organisation"),  # required
    ("partners-of", {"organisation": "not an iri"}, "organisation"),
    ("partners-of", {"organisation": "o:imt-atlantique", "lang": "de"}, "lang"),
    ("partners-of", {"organisation": "o:imt-atlantique", "colour": "red"}, "colour"),
    ("agreements-signed-between", {"from": "2018-02-30", "to": "2018-12-31"}, "from"),
    ("agreements-signed-between", {"from": "12/04/2018", "to": "2018-12-31"}, "from"),
    ("partnerships-in-country", {"country": "pl:morocco", "from_year": "18"}, "from_year"),
    ("resource-by-label", {"label": "Maroc"}, "label"),  # no language tag
    ("search", {"text": "x" * 1001}, "text"),
]


@pytest.mark.parametrize(("name", "params", "culprit"), BAD_PARAMETERS)
def test_a_bad_parameter_is_a_400_naming_it(
    project_server: LiveServer, name: str, params: dict[str, str], culprit: str
) -> None:
    response = httpx.get(f"{project_server.url}/api/queries/{name}", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert f"'{culprit}'" in response.text


def test_a_repeated_parameter_and_an_unknown_query(project_server: LiveServer) -> None:
    twice = httpx.get(f"{project_server.url}/api/queries/search?text=a&text=b")
    assert twice.status_code == 400 and "'text'" in twice.text
    unknown = httpx.get(f"{project_server.url}/api/queries/no-such-query")
    assert unknown.status_code == 404 and "partners-of" in unknown.text


# --- values are RDF terms: they cannot change the query ---------------------------------------------------------


@dataclass
class Listener:
    """A TCP server on 127.0.0.1 recording every connection made to it (none should be)."""

    port: int
    connections: list[bytes] = field(default_factory=list)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    record = Listener(server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            record.connections.append(b"connected")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield record
    stop.set()
    thread.join(2)
    server.close()


def injections(port: int) -> list[str]:
    service = f"SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }}"
    return [
        f'Dakar" }} UNION {{ {service} }} #',
        f"Dakar> }} UNION {{ {service} }} <x",
        f"Dakar }} UNION {{ ?resource ?p ?o }} {service} #",
        f'Dakar"""}} UNION {{ {service} }}',
        f"Dakar\\u0022 }} UNION {{ {service} }}",
    ]


def test_a_text_value_is_a_literal_whatever_it_holds(project_server: LiveServer, listener: Listener) -> None:
    baseline = run(project_server, "search", text="Dakar")
    assert baseline, "the baseline must find something, or the test proves nothing"
    for value in injections(listener.port):
        rows = run(project_server, "search", text=value)
        assert rows == [], value  # no label contains the whole text; had it escaped, it would match everything
    time.sleep(0.3)
    assert listener.connections == []


def test_a_language_tagged_value_is_a_literal_whatever_it_holds(project_server: LiveServer, listener: Listener) -> None:
    for value in injections(listener.port):
        assert run(project_server, "resource-by-label", label=f"{value}@fr") == []
    time.sleep(0.3)
    assert listener.connections == []


def test_values_that_are_not_of_their_type_never_reach_the_engine(
    project_server: LiveServer, listener: Listener
) -> None:
    for value in injections(listener.port):
        for name, params in (
            ("partners-of", {"organisation": f"o:imt-atlantique{value}"}),
            ("partners-of", {"organisation": f"http://127.0.0.1:{listener.port}/{value}"}),
            ("agreements-signed-between", {"from": f"2018-01-01{value}", "to": "2018-12-31"}),
            ("partnerships-in-country", {"country": "pl:morocco", "from_year": f"2018{value}"}),
            ("partners-of", {"organisation": "o:imt-atlantique", "lang": value}),
        ):
            response = httpx.get(f"{project_server.url}/api/queries/{name}", params=params)
            assert response.status_code == 400, (params, response.text)
    time.sleep(0.3)
    assert listener.connections == []


def test_an_iri_value_is_only_a_term(project_server: LiveServer, listener: Listener) -> None:
    """An IRI naming the listener is a valid value: the query compares with it and never dereferences it."""
    rows = run(project_server, "partners-of", organisation=f"http://127.0.0.1:{listener.port}/")
    assert rows == []
    time.sleep(0.3)
    assert listener.connections == []


def test_json_bodies_are_checked_too(project_server: LiveServer) -> None:
    url = f"{project_server.url}/api/queries/search"
    nested = httpx.post(url, json={"text": {"$ne": 1}})
    assert nested.status_code == 400 and "'text'" in nested.text
    not_json = httpx.post(url, content=b"{text", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    listed = httpx.post(url, content=json.dumps(["text"]), headers={"Content-Type": "application/json"})
    assert listed.status_code == 400
