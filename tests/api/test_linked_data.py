"""Every IRI resolves, over real HTTP: content negotiation on /id, documents under /doc, the ontology on /def,
real clients (rdflib, curl-like Accept headers), helpful 404s, conditional requests, and escaped HTML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, fixture_settings, serve_in_thread, write_fixture_project
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

COOP = Namespace("https://w3id.org/coopgraph/def#")
ID = "https://w3id.org/coopgraph/id/"
IMT_ATLANTIQUE = URIRef(ID + "org/imt-atlantique")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

FORMATS = [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("*/*", "text/turtle", "turtle"),
]


@pytest.mark.parametrize(("accept", "media_type", "rdflib_format"), FORMATS)
def test_a_resource_in_each_rdf_format(
    project_server: LiveServer, accept: str, media_type: str, rdflib_format: str
) -> None:
    response = httpx.get(f"{project_server.url}/id/org/imt-atlantique", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.headers["vary"].startswith("Accept")
    assert response.headers["content-location"].startswith(f"{project_server.url}/doc/org/imt-atlantique.")
    graph = Graph().parse(data=response.text, format=rdflib_format)
    assert (IMT_ATLANTIQUE, RDF.type, COOP.EngineeringSchool) in graph
    assert (IMT_ATLANTIQUE, SKOS.prefLabel, Literal("IMT Atlantique", lang="fr")) in graph
    partnership = URIRef(ID + "partnership/imt-atlantique--um6p--partnership")
    assert (partnership, COOP.hasParty, IMT_ATLANTIQUE) in graph  # incoming links come along
    assert (partnership, SKOS.prefLabel, Literal("IMT Atlantique – UM6P partnership", lang="en")) in graph


def test_rdflib_dereferences_an_iri_on_the_service(project_server: LiveServer) -> None:
    for rdflib_format in (None, "turtle", "json-ld", "nt", "xml"):
        graph = Graph()
        graph.parse(f"{project_server.url}/id/org/imt-atlantique", format=rdflib_format)
        assert (IMT_ATLANTIQUE, RDF.type, COOP.EngineeringSchool) in graph, rdflib_format


def test_link_headers_and_documents_for_each_format(project_server: LiveServer) -> None:
    response = httpx.get(f"{project_server.url}/id/person/laurent-champaney", headers={"Accept": "text/turtle"})
    links = response.headers["link"]
    for extension, media_type in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("html", "text/html")):
        assert (
            f'<{project_server.url}/doc/person/laurent-champaney.{extension}>; rel="alternate"; type="{media_type}"'
            in links
        )
        document = httpx.get(f"{project_server.url}/doc/person/laurent-champaney.{extension}")
        assert document.status_code == 200
        assert document.headers["content-type"].startswith(media_type)
    rdf = httpx.get(f"{project_server.url}/doc/person/laurent-champaney.rdf")
    assert rdf.headers["content-type"].startswith("application/rdf+xml")
    assert httpx.get(f"{project_server.url}/doc/person/laurent-champaney.pdf").status_code == 404


def test_format_parameter_overrides_accept(project_server: LiveServer) -> None:
    response = httpx.get(f"{project_server.url}/id/place/dakar?format=nt", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("application/n-triples")
    assert httpx.get(f"{project_server.url}/id/place/dakar?format=docx").status_code == 400
    assert httpx.get(f"{project_server.url}/id/place/dakar", headers={"Accept": "image/png"}).status_code == 406


def test_the_html_page_of_a_partnership(project_server: LiveServer) -> None:
    response = httpx.get(
        f"{project_server.url}/id/partnership/fimme--arts-et-metiers--mou", headers={"Accept": BROWSER}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in response.headers["content-security-policy"]  # no script at all: default-src 'none'
    html = response.text
    assert "<h1>FIMME – Arts et Métiers ParisTech MoU for technical cooperation</h1>" in html
    assert "Protocole d&#39;accord FIMME – Arts et Métiers ParisTech de coopération technique" in html  # fr label
    assert ">Memorandum of understanding</a>" in html  # its type, by name
    assert "<time>2018-04-12</time>" in html and "precision: day" in html  # the date and its precision
    assert "Thursday, April 12, 2018" in html  # the article's own words
    assert ">Abdelhamid Souiri</a>" in html and ">Casablanca</a>" in html  # outgoing links by name
    assert "Links to this resource" in html and ">FIMME – Arts et Métiers joint vocational training centre</a>" in html
    assert "The Mou was signed on Thursday, April 12, 2018 during the inauguration ceremony" in html  # quotation
    assert f'href="{project_server.url}/id/source/004-b6f96e7322eea8f2"' in html  # its source article
    assert "Morocco’s FIMME, France’s Arts et Métiers ParisTech sign MoU for technical cooperation" in html
    for extension in ("ttl", "jsonld", "nt", "rdf"):
        assert f"{project_server.url}/doc/partnership/fimme--arts-et-metiers--mou.{extension}" in html
    assert ">https://w3id.org/coopgraph/id/person/abdelhamid-souiri<" not in html  # names, not raw IRIs


def test_partial_dates_show_their_span_and_french_pages_exist(project_server: LiveServer) -> None:
    html = httpx.get(
        f"{project_server.url}/id/event/alliance-industrie-du-futur-launch",
        headers={"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
    ).text
    assert '<html lang="fr">' in html
    assert "<time>2015-04</time>" in html and "précision: month" in html
    assert "<time>2015-04-01</time>" in html and "<time>2015-04-30</time>" in html
    assert "Lancement de l&#39;Alliance Industrie du Futur</h1>" in html


def test_an_ordered_member_list_shows_names_in_order(project_server: LiveServer) -> None:
    html = httpx.get(
        f"{project_server.url}/id/delegation/imt-atlantique-delegation-morocco", headers={"Accept": "text/html"}
    ).text
    members = html[html.index('<ol class="members">') :]
    order = [members.index(name) for name in ("Samir Saoudi", "Christophe Lerouge", "Philippe Picouet", "Stéphane Roy")]
    assert order == sorted(order)


def test_an_unknown_iri_is_a_helpful_404(project_server: LiveServer) -> None:
    page = httpx.get(f"{project_server.url}/id/org/imt-atlantic", headers={"Accept": BROWSER})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "https://w3id.org/coopgraph/id/org/imt-atlantic" in page.text
    assert "/api/queries/search?text=imt+atlantic" in page.text
    text = httpx.get(f"{project_server.url}/id/org/imt-atlantic", headers={"Accept": "text/turtle"})
    assert text.status_code == 404 and "no graph says anything" in text.text
    kind = httpx.get(
        f"{project_server.url}/id/agreement/fimme--arts-et-metiers--mou", headers={"Accept": "text/turtle"}
    )
    assert kind.status_code == 404 and "partnership" in kind.text  # the types there are


def test_conditional_requests_get_304(project_server: LiveServer) -> None:
    url = f"{project_server.url}/id/org/inpt"
    first = httpx.get(url, headers={"Accept": "text/turtle"})
    assert first.headers["etag"] and first.headers["last-modified"]
    again = httpx.get(url, headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    since = httpx.get(url, headers={"Accept": "text/turtle", "If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    other_format = httpx.get(url, headers={"Accept": "application/ld+json", "If-None-Match": first.headers["etag"]})
    assert other_format.status_code == 200


def test_the_ontology_documents_itself(project_server: LiveServer) -> None:
    html = httpx.get(f"{project_server.url}/def", headers={"Accept": BROWSER}).text
    assert '<section class="term" id="Partnership">' in html and '<section class="term" id="hasParty">' in html
    partnership = html[html.index('id="Partnership"') : html.index('id="Person"')]
    assert "A relationship between two or more organisations" in partnership  # definition en
    assert "Relation entre au moins deux organisations" in partnership  # definition fr
    assert "vivo:Relationship" in partnership and "prov:Entity" in partnership  # alignments
    assert "Violation" in partnership and "SHACL" in partnership  # the shapes that apply
    assert '<a href="#Agreement">coop:Agreement</a>' in partnership  # narrower classes
    french = httpx.get(f"{project_server.url}/def?lang=fr", headers={"Accept": BROWSER}).text
    assert "Vocabulaire CoopGraph" in french


def test_the_ontology_as_rdf(project_server: LiveServer) -> None:
    for accept, rdflib_format in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        response = httpx.get(f"{project_server.url}/def", headers={"Accept": accept})
        assert response.headers["content-type"].startswith(accept)
        graph = Graph().parse(data=response.text, format=rdflib_format)
        assert (COOP.Partnership, RDFS.label, Literal("Partnership", lang="en")) in graph
    term = Graph().parse(f"{project_server.url}/def", format="xml")
    assert (COOP.hasParty, RDFS.label, Literal("has party", lang="en")) in term


# --- escaping: a literal holding markup shows as text ------------------------------------------------------------

HOSTILE = """@prefix coop: <https://w3id.org/coopgraph/def#> .
@prefix o: <https://w3id.org/coopgraph/id/org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

o:hostile a coop:University ;
    rdfs:label "<script>alert('label')</script>"@en ;
    skos:prefLabel "Hostile <b onmouseover=alert(1)>school</b>"@en ;
    skos:editorialNote "</td></tr></table><script>alert(\\"note\\")</script>"@en ;
    coop:locatedIn <https://w3id.org/coopgraph/id/place/dakar> .
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folders = write_fixture_project(tmp_path_factory.mktemp("hostile-project"))
    (folders["data"] / "sources" / "002-hostile.ttl").write_text(HOSTILE, encoding="utf-8")
    with serve_in_thread(lambda url: fixture_settings(folders, url, query_workers=1)) as server:
        yield server


def test_markup_in_literals_is_escaped(hostile_server: LiveServer) -> None:
    response = httpx.get(f"{hostile_server.url}/id/org/hostile", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.text
    assert "<script>" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in html
    assert "Hostile &lt;b onmouseover=alert(1)&gt;school&lt;/b&gt;" in html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;" in html
    place = httpx.get(f"{hostile_server.url}/id/place/dakar", headers={"Accept": "text/html"}).text
    assert "Hostile &lt;b onmouseover" in place and "<b onmouseover" not in place  # as an incoming link's name


def test_a_hostile_slug_is_a_plain_404(hostile_server: LiveServer) -> None:
    response = httpx.get(f"{hostile_server.url}/id/org/%3Cscript%3Ealert(1)", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;alert(1)" in response.text


def test_templates_are_all_autoescaped() -> None:
    templates = Path(__file__).resolve().parents[2] / "app" / "api" / "templates"
    for name in ("resource.html", "ontology.html", "downloads.html", "ld_not_found.html", "ld_macros.html"):
        assert "|safe" not in (templates / name).read_text(encoding="utf-8").replace(" ", ""), name
