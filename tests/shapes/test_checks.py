"""The zero-row QA queries of queries/checks/, each on a small in-memory dataset that passes and one that fails.

The datasets are laid out as the service lays out the real one: every graph named (ontology, one per source,
places, concepts) and the default graph their union.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fixture_validation import CHECKS_DIR
from rdflib import Dataset, URIRef

from app.core.namespaces import CONCEPTS_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, PLACES_GRAPH, PREFIXES, SH, source_graph
from app.core.store import EmbeddedStore

PREFIX_LINES = "".join(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in PREFIXES.items())
ARTICLE = source_graph("000-test")
OTHER_ARTICLE = source_graph("001-test")

# A miniature ontology: documented, aligned, and declaring the external terms the data below uses.
ONTOLOGY = """
<https://w3id.org/coopgraph/def> a owl:Ontology .
coop:Organisation a owl:Class ; rdfs:label "Organisation"@en , "Organisation"@fr ;
  skos:definition "A collective agent."@en , "Un agent collectif."@fr ;
  rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; rdfs:subClassOf org:Organization .
coop:Event a owl:Class ; rdfs:label "Event"@en , "Événement"@fr ;
  skos:definition "Something that happens."@en , "Ce qui advient."@fr ;
  rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; rdfs:subClassOf schema:Event .
coop:Meeting a owl:Class ; rdfs:label "Meeting"@en , "Réunion"@fr ;
  skos:definition "A meeting."@en , "Une réunion."@fr ;
  rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; rdfs:subClassOf coop:Event ; skos:closeMatch schema:Event .
coop:SourceArticle a owl:Class ; rdfs:label "Source article"@en , "Article source"@fr ;
  skos:definition "A news article."@en , "Un article de presse."@fr ;
  rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; rdfs:subClassOf schema:NewsArticle .
coop:evidence a owl:DatatypeProperty ; rdfs:label "evidence"@en , "citation"@fr ;
  skos:definition "A quotation."@en , "Une citation."@fr ;
  rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; rdfs:subPropertyOf prov:value .
coop:partnerOf a owl:ObjectProperty , owl:SymmetricProperty ; rdfs:label "partner of"@en , "partenaire de"@fr ;
  skos:definition "Derived."@en , "Déduit."@fr ;
  rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; skos:closeMatch vivo:relates .
coop:instanceOf a owl:ObjectProperty ; rdfs:label "instance of"@en , "session de"@fr ;
  skos:definition "A session of a course."@en , "Une session d'un cours."@fr ;
  rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; owl:inverseOf schema:hasCourseInstance .
skos:prefLabel a owl:AnnotationProperty .
prov:wasDerivedFrom a owl:ObjectProperty .
skos:Concept a owl:Class .
"""

MEETING = """
src:000-test a coop:SourceArticle ; skos:prefLabel "Article"@en .
ev:meeting a coop:Meeting ; skos:prefLabel "Meeting"@en , "Réunion"@fr ;
  prov:wasDerivedFrom src:000-test ; coop:evidence "They met."@en .
o:school a coop:Organisation ; skos:prefLabel "School"@en .
"""


def run_check(check: str, graphs: dict[URIRef, str]) -> list[dict[str, str]]:
    """The rows `check` returns over a dataset built from Turtle snippets, one per named graph."""
    dataset = Dataset()
    for name, turtle in graphs.items():
        dataset.graph(name).parse(data=PREFIX_LINES + turtle, format="turtle")
    store = EmbeddedStore.from_dataset(dataset)
    rows = store.select((CHECKS_DIR / f"{check}.rq").read_text(encoding="utf-8"))
    return [{name: str(value) for name, value in row.items()} for row in rows]


def with_data(data: str, *, ontology: str = ONTOLOGY, article: str = MEETING) -> dict[URIRef, str]:
    return {ONTOLOGY_GRAPH: ontology, ARTICLE: article + data}


@dataclass(frozen=True)
class Case:
    """A check, a dataset on which it returns no row, one on which it does, and the focus it then reports."""

    check: str
    passing: dict[URIRef, str]
    failing: dict[URIRef, str]
    focus: str


ID = "https://w3id.org/coopgraph/id/"
COOP = PREFIXES["coop"]
CASES = [
    Case(
        "term-missing-label-or-definition-violation",
        with_data(""),
        with_data("", ontology=ONTOLOGY + 'coop:Ceremony a owl:Class ; rdfs:label "Ceremony"@en .'),
        COOP + "Ceremony",
    ),
    Case(
        "term-missing-alignment-violation",
        with_data(""),
        with_data(
            "",
            ontology=ONTOLOGY + 'coop:Ceremony a owl:Class ; rdfs:label "Ceremony"@en , "Cérémonie"@fr ;'
            ' skos:definition "A ceremony."@en , "Une cérémonie."@fr ;'
            " rdfs:isDefinedBy <https://w3id.org/coopgraph/def> ; rdfs:subClassOf coop:Event .",
        ),
        COOP + "Ceremony",
    ),
    Case(
        "undeclared-predicate-violation",
        with_data("o:school rdfs:comment 'rdf:, rdfs: and owl: need no declaration' ."),
        with_data("o:school coop:hasparty o:other ."),
        ID + "org/school",
    ),
    Case(
        "undeclared-class-violation",
        with_data("o:school a owl:Thing ."),
        with_data("o:school a coop:Universty ."),
        ID + "org/school",
    ),
    Case(
        "unknown-namespace-violation",
        with_data("o:school rdfs:seeAlso schema:CollegeOrUniversity ; dcterms:license <https://example.org/licence> ."),
        with_data("o:school rdfs:seeAlso <http://schema.org/CollegeOrUniversity> ."),
        ID + "org/school",
    ),
    Case(
        "blank-node-reified-violation",
        with_data("o:school coop:hosts [ a coop:Organisation ] ."),
        with_data("[] a coop:Meeting ; coop:evidence 'They met.'@en ."),
        "_:",
    ),
    Case(
        "unsourced-reified-node-violation",
        with_data("ev:other a coop:Meeting ; prov:wasDerivedFrom src:000-test ; coop:evidence 'Also.'@en ."),
        with_data("ev:other a coop:Meeting ; prov:wasDerivedFrom src:999-not-described ; coop:evidence 'Also.'@en ."),
        ID + "event/other",
    ),
    Case(
        "conflicting-labels-violation",
        {**with_data(""), OTHER_ARTICLE: 'ev:meeting skos:prefLabel "Meeting"@en , "Meeting"@en-gb .'},
        {**with_data(""), OTHER_ARTICLE: 'ev:meeting skos:prefLabel "Board meeting"@en .'},
        ID + "event/meeting",
    ),
    Case(
        "derived-property-asserted-violation",
        {**with_data(""), INFERRED_GRAPH: "o:school coop:partnerOf o:other ."},
        with_data("o:school coop:partnerOf o:other ."),
        ID + "org/school",
    ),
]


def test_every_check_has_a_case() -> None:
    assert sorted(case.check for case in CASES) == sorted(path.stem for path in CHECKS_DIR.glob("*.rq"))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.check)
def test_check_passes_on_good_data(case: Case) -> None:
    assert run_check(case.check, case.passing) == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.check)
def test_check_fails_on_bad_data(case: Case) -> None:
    rows = run_check(case.check, case.failing)
    assert rows, f"{case.check} found nothing"
    for row in rows:
        focus = row["focus"] if ":" in row["focus"] else "_:"
        assert focus == case.focus
        assert row["message"]


def test_undeclared_terms_are_looked_up_in_the_ontology_graph_only() -> None:
    declared_in_data = "coop:hasparty a owl:ObjectProperty . o:school coop:hasparty o:other ."
    assert run_check("undeclared-predicate-violation", with_data(declared_in_data))


def test_unsourced_node_without_evidence_is_reported() -> None:
    rows = run_check(
        "unsourced-reified-node-violation", with_data("ev:other a coop:Meeting ; prov:wasDerivedFrom src:000-test .")
    )
    assert [row["message"] for row in rows] == ["A reified node has no coop:evidence quotation"]


UNSOURCED = "A reified node is not prov:wasDerivedFrom any coop:SourceArticle described in the data"


def test_source_article_described_in_another_articles_graph_counts() -> None:
    data = "ev:other a coop:Meeting ; prov:wasDerivedFrom src:999-gone , src:001-test ; coop:evidence 'Also.'@en ."
    graphs = {**with_data(data), OTHER_ARTICLE: "src:001-test a coop:SourceArticle ."}
    assert run_check("unsourced-reified-node-violation", graphs) == []


def test_source_article_described_only_in_the_ontology_graph_does_not_count() -> None:
    data = "ev:other a coop:Meeting ; prov:wasDerivedFrom src:001-test ; coop:evidence 'Also.'@en ."
    graphs = with_data(data, ontology=ONTOLOGY + "src:001-test a coop:SourceArticle .")
    rows = run_check("unsourced-reified-node-violation", graphs)
    assert rows == [{"focus": ID + "event/other", "message": UNSOURCED}]


def test_unknown_namespace_in_each_position_and_behind_a_blank_node() -> None:
    data = """
    <http://example.org/thing> rdfs:label "Subject only"@en .
    o:school <http://example.org/hasPart> o:other .
    o:school rdfs:seeAlso <http://schema.org/CollegeOrUniversity> .
    [] rdfs:seeAlso <http://example.org/behind-a-blank-node> .
    """
    rows = run_check("unknown-namespace-violation", with_data(data))
    found = sorted((row["focus"], row["value"], row["message"].split(" IRI ")[0]) for row in rows)
    assert found == [
        ("http://example.org/behind-a-blank-node", "http://example.org/behind-a-blank-node", "The object"),
        ("http://example.org/thing", "http://example.org/thing", "The subject"),
        (ID + "org/school", "http://example.org/hasPart", "The predicate"),
        (ID + "org/school", "http://schema.org/CollegeOrUniversity", "The object"),
    ]
    assert all(row["message"].endswith(f"({ARTICLE})") for row in rows)


def test_unknown_namespace_exempts_only_the_ontology_graph_and_licence_objects() -> None:
    licence = "<https://creativecommons.org/licenses/by/4.0/>"
    ontology = ONTOLOGY + "coop:Event rdfs:seeAlso <http://example.org/events> ."
    graphs = with_data(f"o:school dcterms:license {licence} .", ontology=ontology)
    assert run_check("unknown-namespace-violation", graphs) == []
    graphs[OTHER_ARTICLE] = f"""
    {licence} rdfs:label "CC BY 4.0"@en .
    <http://example.org/dataset> dcterms:license {licence} .
    o:other rdfs:seeAlso <http://example.org/events> .
    """
    rows = run_check("unknown-namespace-violation", graphs)
    found = sorted((row["value"], row["message"].split(" IRI ")[0], row["message"].rsplit("(", 1)[1]) for row in rows)
    assert found == [
        ("http://example.org/dataset", "The subject", f"{OTHER_ARTICLE})"),
        ("http://example.org/events", "The object", f"{OTHER_ARTICLE})"),
        ("https://creativecommons.org/licenses/by/4.0/", "The subject", f"{OTHER_ARTICLE})"),
    ]


def test_unknown_namespace_is_reported_once_per_data_graph() -> None:
    graphs = {
        **with_data("o:school rdfs:seeAlso <http://example.org/both> ."),
        OTHER_ARTICLE: "o:school rdfs:seeAlso <http://example.org/both> .",
    }
    rows = run_check("unknown-namespace-violation", graphs)
    assert sorted(row["message"].rsplit("(", 1)[1] for row in rows) == sorted([f"{ARTICLE})", f"{OTHER_ARTICLE})"])


def test_derived_properties_are_allowed_in_the_ontology_graph() -> None:
    rows = run_check(
        "derived-property-asserted-violation", with_data("", ontology=ONTOLOGY + "o:a coop:partnerOf o:b .")
    )
    assert rows == []


def test_conflicting_labels_across_the_concepts_and_places_graphs() -> None:
    graphs = {
        **with_data(""),
        CONCEPTS_GRAPH: 'pl:dakar skos:prefLabel "Dakar"@fr .',
        PLACES_GRAPH: 'pl:dakar skos:prefLabel "Dakar (Sénégal)"@fr .',
    }
    assert [row["focus"] for row in run_check("conflicting-labels-violation", graphs)] == [ID + "place/dakar"]


@pytest.mark.parametrize("check", sorted(path.name for path in CHECKS_DIR.glob("*.rq")))
def test_check_file_is_a_titled_zero_row_select(check: str) -> None:
    text = (CHECKS_DIR / check).read_text(encoding="utf-8")
    assert check.endswith("-violation.rq")
    assert text.startswith("# ") and len(text.splitlines()[0]) > 10, "the first line is the check's title"
    select = re.search(r"^SELECT (DISTINCT )?(.*)$", text, re.M)
    assert select is not None, "a check is a SELECT"
    assert "?focus" in select.group(2) and "?message" in select.group(2)


def test_unknown_namespace_check_knows_exactly_the_project_namespaces() -> None:
    text = (CHECKS_DIR / "unknown-namespace-violation.rq").read_text(encoding="utf-8")
    block = re.search(r"VALUES \?namespace \{(.*?)\}", text, re.S)
    assert block is not None
    listed = set(re.findall(r'"([^"]+)"', block.group(1)))
    not_for_data = {str(SH), "https://w3id.org/coopgraph/shapes#"}
    assert listed == set(PREFIXES.values()) - not_for_data
