"""The curation template: one sheet (a CSV file or an XLSX sheet) per kind of entity, one column per ontology field.

The template is declared here once, as data, and read by everything else: the importer turns rows into triples
with it, the exporter turns triples back into rows with it, the blank template files are written from it, and
the curators' documentation lists it. One row describes one entity (its IRI in the `id` column, minted from its
label when left blank); a column is one predicate, written in the row's subject's voice.

Cells holding several values put one value per line (a line break inside the cell); reference cells also
accept `;` between values. A reference is an IRI, a prefixed name (`o:imt`) or a label matched against the
labels of existing entities and of the upload's own rows (accents and case folded).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from app.core.namespaces import COOP, SCHEMA


class ValueKind(StrEnum):
    """How a cell's text becomes an RDF term (and back)."""

    TEXT = "text"  # a language-tagged literal; the language is the column's
    PLAIN = "plain"  # a plain string literal
    REF = "ref"  # an entity: IRI, prefixed name, or label
    CONCEPT = "concept"  # a SKOS concept of one scheme: slug, prefixed name, IRI or label
    INTEGER = "integer"  # xsd:integer
    POSITIVE_INTEGER = "positive-integer"  # xsd:positiveInteger
    DAY = "day"  # xsd:date, YYYY-MM-DD
    DATE = "date"  # YYYY, YYYY-MM or YYYY-MM-DD: typed by precision, with precision and bounds
    ORDERED_REFS = "ordered-refs"  # entities in order, as an RDF collection


@dataclass(frozen=True)
class Column:
    """One column: the predicate(s) it fills, how its cells read, and what a curator should write in it."""

    header: str
    predicates: tuple[URIRef, ...]
    kind: ValueKind
    help: str
    lang: str | None = None
    targets: tuple[str, ...] = ()
    scheme: str | None = None
    multiple: bool = False
    inverse: URIRef | None = None
    segments: tuple[str, ...] = ()  # the row types the column applies to (empty: every row of the sheet)

    @property
    def predicate(self) -> URIRef:
        """The main predicate (labels fill rdfs:label and skos:prefLabel together)."""
        return self.predicates[0]


@dataclass(frozen=True)
class Sheet:
    """One sheet: which entities it holds (their classes and IRI segments) and its columns, `id` first."""

    name: str
    title: str
    kinds: dict[URIRef, str]  # root class → IRI type segment of its instances (subclasses included)
    columns: tuple[Column, ...]
    fixed_kind: URIRef | None = None  # the class every row has, when the sheet has no `kind` column

    @property
    def headers(self) -> list[str]:
        """Every header of the sheet, in order: id, kind (when the sheet has one), then the fields."""
        fixed = ["id"] if self.fixed_kind is not None else ["id", "kind"]
        return fixed + [column.header for column in self.columns]

    @property
    def segments(self) -> tuple[str, ...]:
        """The IRI type segments of the sheet's entities (`org`, or `person` and `position`)."""
        return tuple(dict.fromkeys(self.kinds.values()))

    def column(self, header: str) -> Column | None:
        return next((c for c in self.columns if c.header == header), None)


ID_HEADER, KIND_HEADER, SOURCE_HEADER = "id", "kind", "source"
EARLIEST_HEADER, LATEST_HEADER = "earliest", "latest"
ORGANISATIONS_AND_PEOPLE = ("org", "person")
POSITION_ROWS = ("position",)


def _text(header: str, predicate: URIRef, what: str, *, multiple: bool = True) -> tuple[Column, Column]:
    """The English and French columns of one language-tagged field."""
    each = "; one per line" if multiple else ""
    english = Column(
        f"{header}_en", (predicate,), ValueKind.TEXT, f"{what} (English){each}", lang="en", multiple=multiple
    )
    french = Column(
        f"{header}_fr", (predicate,), ValueKind.TEXT, f"{what} (French){each}", lang="fr", multiple=multiple
    )
    return english, french


def _ref(header: str, predicate: URIRef, targets: tuple[str, ...], what: str, inverse: URIRef | None = None) -> Column:
    """A reference column taking several entities."""
    return Column(header, (predicate,), ValueKind.REF, what, targets=targets, multiple=True, inverse=inverse)


def _one_ref(
    header: str,
    predicate: URIRef,
    targets: tuple[str, ...],
    what: str,
    inverse: URIRef | None = None,
    segments: tuple[str, ...] = (),
) -> Column:
    """A reference column taking one entity."""
    return Column(header, (predicate,), ValueKind.REF, what, targets=targets, inverse=inverse, segments=segments)


LABELS = (
    Column(
        "label_en",
        (RDFS.label, SKOS.prefLabel),
        ValueKind.TEXT,
        "Name in English (rdfs:label and skos:prefLabel)",
        lang="en",
    ),
    Column(
        "label_fr",
        (RDFS.label, SKOS.prefLabel),
        ValueKind.TEXT,
        "Name in French (rdfs:label and skos:prefLabel)",
        lang="fr",
    ),
)
ALT_LABELS = _text("alt_labels", SKOS.altLabel, "Acronyms and other names (skos:altLabel)")
DESCRIPTIONS = _text("description", SCHEMA.description, "Short description (schema:description)")
OBJECTIVES = _text("objective", COOP.objective, "Objective as the source states it (coop:objective)")
PROVENANCE = (
    *_text("evidence", COOP.evidence, "Quotation of the sentence that states it, verbatim (coop:evidence)"),
    _ref(
        SOURCE_HEADER,
        PROV.wasDerivedFrom,
        ("source",),
        "Source article(s) (prov:wasDerivedFrom); blank = the imported source",
    ),
    *_text("editorial_note", SKOS.editorialNote, "Why it is modelled so (skos:editorialNote)"),
)
STATUS = Column(
    "status",
    (COOP.status,),
    ValueKind.CONCEPT,
    "Status, a slug of the status scheme (signed, planned, …)",
    scheme="status",
)
CONTRIBUTES = (
    _ref("contributes_to", COOP.contributesTo, ("initiative",), "Initiatives it contributes to (coop:contributesTo)"),
    _ref(
        "part_of_initiative",
        COOP.partOfInitiative,
        ("initiative",),
        "Initiatives it is part of (coop:partOfInitiative)",
    ),
)
PLACE = _ref("place", COOP.place, ("place",), "Where it takes place (coop:place)")


def _dated(header: str, predicate: URIRef) -> tuple[Column, ...]:
    """The date machinery: the date at its precision, the source's wording, and bounds that override the date's."""
    name = "coop:" + predicate.split("#")[-1]
    return (
        Column(
            header,
            (predicate,),
            ValueKind.DATE,
            f"YYYY, YYYY-MM or YYYY-MM-DD ({name}; coop:datePrecision, coop:earliest, coop:latest follow from it)",
        ),
        *_text("date_text", COOP.dateText, "The date in the source's own words (coop:dateText)"),
        Column(
            EARLIEST_HEADER, (COOP.earliest,), ValueKind.DAY, "YYYY-MM-DD, only to override the bound the date gives"
        ),
        Column(LATEST_HEADER, (COOP.latest,), ValueKind.DAY, "YYYY-MM-DD, only to override the bound the date gives"),
    )


SOURCES = Sheet(
    "sources",
    "Source articles",
    {COOP.SourceArticle: "source"},
    (
        *LABELS,
        Column("identifier", (DCTERMS.identifier,), ValueKind.PLAIN, "Identifier (dcterms:identifier); blank = the id"),
        Column(
            "language", (DCTERMS.language,), ValueKind.PLAIN, "Language of the article: en or fr (dcterms:language)"
        ),
        *_text("title", DCTERMS.title, "Headline (dcterms:title)", multiple=False),
        _ref("publisher", SCHEMA.publisher, ("org",), "Publisher, where the text says so (schema:publisher)"),
        Column(
            "dateline_date", (COOP.datelineDate,), ValueKind.DAY, "Date of the dateline, YYYY-MM-DD (coop:datelineDate)"
        ),
        _one_ref("dateline_place", COOP.datelinePlace, ("place",), "Place of the dateline (coop:datelinePlace)"),
        Column(
            "source_file",
            (COOP.sourceFile,),
            ValueKind.PLAIN,
            "Repository path of the article's text copy (coop:sourceFile)",
        ),
        *_text("evidence", COOP.evidence, "Quotation backing the dateline or publisher (coop:evidence)"),
        *_text("editorial_note", SKOS.editorialNote, "Notes on the article (skos:editorialNote)"),
    ),
    fixed_kind=COOP.SourceArticle,
)

ORGANISATIONS = Sheet(
    "organisations",
    "Organisations",
    {COOP.Organisation: "org"},
    (
        *LABELS,
        *ALT_LABELS,
        _ref("based_in", COOP.basedIn, ("place",), "City or country it is based in (coop:basedIn)"),
        _ref(
            "sub_organization_of",
            COOP.subOrganizationOf,
            ("org",),
            "Parent organisations (coop:subOrganizationOf; coop:hasSubOrganization is added)",
            inverse=COOP.hasSubOrganization,
        ),
        _ref(
            "member_of",
            COOP.memberOf,
            ("org",),
            "Alliances it belongs to (coop:memberOf; coop:hasMember is added)",
            inverse=COOP.hasMember,
        ),
        _ref(
            "founding_member_of",
            COOP.foundingMemberOf,
            ("org",),
            "Alliances it founded as a member (coop:foundingMemberOf)",
        ),
        _ref("founded_by", COOP.foundedBy, ORGANISATIONS_AND_PEOPLE, "Founders (coop:foundedBy)"),
        *_dated("start_date", COOP.startDate),
        *DESCRIPTIONS,
        *PROVENANCE,
    ),
)

PEOPLE_POSITIONS = Sheet(
    "people_positions",
    "People and their positions",
    {COOP.Person: "person", COOP.Position: "position"},
    (
        *LABELS,
        *ALT_LABELS,
        _one_ref(
            "held_by",
            COOP.heldBy,
            ("person",),
            "Position rows: the person holding it (coop:heldBy; coop:holds is added)",
            inverse=COOP.holds,
            segments=POSITION_ROWS,
        ),
        _one_ref(
            "position_in",
            COOP.positionIn,
            ("org",),
            "Position rows: the organisation (coop:positionIn)",
            segments=POSITION_ROWS,
        ),
        Column(
            "role",
            (COOP.role,),
            ValueKind.CONCEPT,
            "Position rows: a slug of the role scheme (president, dean, …)",
            scheme="role",
            segments=POSITION_ROWS,
        ),
        *PROVENANCE,
    ),
)

PARTNERSHIPS = Sheet(
    "partnerships",
    "Partnerships and agreements",
    {COOP.Partnership: "partnership"},
    (
        *LABELS,
        *ALT_LABELS,
        STATUS,
        _ref(
            "parties",
            COOP.hasParty,
            ("org",),
            "Two or more organisations (coop:hasParty; coop:partyTo is added)",
            inverse=COOP.partyTo,
        ),
        _ref(
            "signatories",
            COOP.signatory,
            ("person",),
            "People who signed (coop:signatory; coop:signed is added)",
            inverse=COOP.signed,
        ),
        *_dated("date", COOP.date),
        PLACE,
        _ref("signed_during", COOP.signedDuring, ("event",), "Event during which it was signed (coop:signedDuring)"),
        _ref("extends", COOP.extends, ("partnership",), "Partnership it extends (coop:extends)"),
        _ref("founds", COOP.founds, ("org",), "Organisation it founds (coop:founds)"),
        *OBJECTIVES,
        *CONTRIBUTES,
        *PROVENANCE,
    ),
)

PROGRAMMES = Sheet(
    "programmes",
    "Programmes, MOOCs and training sessions",
    {COOP.Programme: "programme", COOP.MOOC: "programme", COOP.TrainingSession: "programme"},
    (
        *LABELS,
        *ALT_LABELS,
        STATUS,
        _ref("provider", COOP.provider, ("org",), "Organisations that run it (coop:provider)"),
        _ref("partners", COOP.partner, ("org",), "Partner organisations (coop:partner)"),
        _ref("supported_by", COOP.supportedBy, ("org",), "Supporting organisations (coop:supportedBy)"),
        _ref("hosted_by", COOP.hostedBy, ("org",), "Host organisations (coop:hostedBy)"),
        _ref(
            "under_agreement", COOP.underAgreement, ("partnership",), "Agreement it falls under (coop:underAgreement)"
        ),
        _ref(
            "within_partnership",
            COOP.withinPartnership,
            ("partnership",),
            "Partnership it belongs to (coop:withinPartnership)",
        ),
        _ref("based_on", COOP.basedOn, ("programme",), "MOOCs it is based on (coop:basedOn)"),
        _ref("instance_of", COOP.instanceOf, ("programme",), "MOOC this training session runs (coop:instanceOf)"),
        *_dated("start_date", COOP.startDate),
        PLACE,
        *_text("audience", COOP.audience, "Who it is for (coop:audience)"),
        *_text("course_mode", COOP.courseMode, "Online, in person, hybrid… (coop:courseMode)"),
        *OBJECTIVES,
        *CONTRIBUTES,
        *PROVENANCE,
    ),
)

EVENTS = Sheet(
    "events",
    "Events",
    {COOP.Event: "event"},
    (
        *LABELS,
        *ALT_LABELS,
        STATUS,
        *_dated("date", COOP.date),
        PLACE,
        _ref("organiser", COOP.organiser, ORGANISATIONS_AND_PEOPLE, "Organisers (coop:organiser)"),
        _ref(
            "participants",
            COOP.participant,
            ("person", "org", "delegation"),
            "People, organisations or delegations taking part (coop:participant)",
        ),
        _ref("chaired_by", COOP.chairedBy, ("person",), "Chairs (coop:chairedBy)"),
        _ref("hosted_by", COOP.hostedBy, ("org",), "Host organisations (coop:hostedBy)"),
        _ref(
            "concerns",
            COOP.concerns,
            ("partnership", "programme"),
            "Partnerships or programmes it concerns (coop:concerns)",
        ),
        _ref("founds", COOP.founds, ("org",), "Organisation it founds (coop:founds)"),
        _ref(
            "sub_event_of",
            COOP.subEventOf,
            ("event",),
            "Event it is part of (coop:subEventOf; coop:hasSubEvent is added)",
            inverse=COOP.hasSubEvent,
        ),
        Column(
            "edition_number",
            (COOP.editionNumber,),
            ValueKind.POSITIVE_INTEGER,
            "Edition number, e.g. 8 (coop:editionNumber)",
        ),
        *OBJECTIVES,
        *CONTRIBUTES,
        *PROVENANCE,
    ),
)

DELEGATIONS = Sheet(
    "delegations",
    "Delegations",
    {COOP.Delegation: "delegation"},
    (
        *LABELS,
        *ALT_LABELS,
        _ref("delegation_of", COOP.delegationOf, ("org",), "Organisation it represents (coop:delegationOf)"),
        _ref("members", COOP.member, ("person",), "Members (coop:member)"),
        Column(
            "members_in_order",
            (COOP.memberList,),
            ValueKind.ORDERED_REFS,
            "Members in the order the source gives, when it matters (coop:memberList)",
            targets=("person",),
            multiple=True,
        ),
        _ref("took_part_in", COOP.tookPartIn, ("event",), "Events it took part in (coop:tookPartIn)"),
        *CONTRIBUTES,
        *PROVENANCE,
    ),
)

INITIATIVES = Sheet(
    "initiatives",
    "Initiatives, strategies, national plans and reports",
    {COOP.Initiative: "initiative", COOP.Report: "initiative"},
    (
        *LABELS,
        *ALT_LABELS,
        STATUS,
        _ref(
            "promoted_by",
            COOP.promotedBy,
            ("org", "place"),
            "Who promotes it: organisation or country (coop:promotedBy)",
        ),
        _ref("implemented_by", COOP.implementedBy, ("org",), "Who implements it (coop:implementedBy)"),
        _ref("authored_by", COOP.authoredBy, ("org",), "Reports: authors (coop:authoredBy)"),
        *_dated("date", COOP.date),
        *OBJECTIVES,
        *DESCRIPTIONS,
        *CONTRIBUTES,
        *PROVENANCE,
    ),
)

FIGURES = Sheet(
    "figures",
    "Figures",
    {COOP.Figure: "figure"},
    (
        *LABELS,
        _ref(
            "figure_of",
            COOP.figureOf,
            ("org", "initiative", "programme", "partnership", "place"),
            "What the number is about (coop:figureOf)",
        ),
        Column(
            "measure",
            (COOP.measure,),
            ValueKind.CONCEPT,
            "What it measures, a slug of the measure scheme",
            scheme="measure",
        ),
        Column("value", (COOP.value,), ValueKind.INTEGER, "Exact number (coop:value)"),
        Column("min_value", (COOP.minValue,), ValueKind.INTEGER, 'For "more than N": N (coop:minValue)'),
        *_text("value_text", COOP.valueText, "The number in the source's words (coop:valueText)"),
        PLACE,
        STATUS,
        *_dated("date", COOP.date),
        *PROVENANCE,
    ),
)

PLACES = Sheet(
    "places",
    "Places the article introduces (a planned campus…); shared cities and countries live in data/places.ttl",
    {COOP.Place: "place"},
    (
        *LABELS,
        *ALT_LABELS,
        _ref("located_in", COOP.locatedIn, ("place",), "Enclosing place (coop:locatedIn)"),
        _ref("based_in", COOP.basedIn, ("place",), "City it is in (coop:basedIn)"),
        _ref(
            "site_of",
            COOP.siteOf,
            ("org",),
            "Organisation whose site it is (coop:siteOf; coop:hasSite is added)",
            inverse=COOP.hasSite,
        ),
        STATUS,
        *DESCRIPTIONS,
        *CONTRIBUTES,
        *PROVENANCE,
    ),
)

SHEETS: tuple[Sheet, ...] = (
    SOURCES,
    ORGANISATIONS,
    PEOPLE_POSITIONS,
    PARTNERSHIPS,
    PROGRAMMES,
    EVENTS,
    DELEGATIONS,
    INITIATIVES,
    FIGURES,
    PLACES,
)
SHEETS_BY_NAME: dict[str, Sheet] = {sheet.name: sheet for sheet in SHEETS}
SHEET_FOR_SEGMENT: dict[str, Sheet] = {segment: sheet for sheet in SHEETS for segment in sheet.segments}


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 → A, 26 → AA), to point a curator at a cell."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
