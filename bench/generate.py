"""Synthetic cooperation graphs for the benchmarks: the shape of the real articles, at any size, from a seed.

    python bench/generate.py --size 100k --out bench/_data/100k          # ~100,000 asserted triples
    python bench/generate.py --size 1M --seed 7 --out /tmp/coopgraph-1m
    COOPGRAPH_DATA_DIR=bench/_data/100k coopgraph serve                   # serve it like the project's data

The output is a data folder CoopGraph serves as it is (COOPGRAPH_DATA_DIR): `sources/*.ttl`, one per synthetic
article, each its own named graph; `places.ttl` (the project's places plus French and African cities, their
countries and regions); `gazetteer.ttl` (coordinates) and `concepts/` (copied). Every article describes, like the
real ones, everything it mentions — organisations in French and African cities, agreements with 2–7 parties and
their signatories' positions, programmes, events, delegations, figures, initiatives — with labels in English and
French, a source and a quotation, and dates at every precision (day, month, year, none), so the data passes the
core shapes and the QA checks and the recommended shapes give no Warning. The same seed and size give the same
bytes. Sizes count asserted triples in the written files (the served dataset adds the ontology and inferences).
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}

PREFIXES = """PREFIX ag: <https://w3id.org/coopgraph/id/partnership/>
PREFIX coop: <https://w3id.org/coopgraph/def#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dg: <https://w3id.org/coopgraph/id/delegation/>
PREFIX ev: <https://w3id.org/coopgraph/id/event/>
PREFIX fg: <https://w3id.org/coopgraph/id/figure/>
PREFIX in: <https://w3id.org/coopgraph/id/initiative/>
PREFIX measure: <https://w3id.org/coopgraph/id/measure/>
PREFIX o: <https://w3id.org/coopgraph/id/org/>
PREFIX pe: <https://w3id.org/coopgraph/id/person/>
PREFIX pl: <https://w3id.org/coopgraph/id/place/>
PREFIX po: <https://w3id.org/coopgraph/id/position/>
PREFIX pr: <https://w3id.org/coopgraph/id/programme/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX role: <https://w3id.org/coopgraph/id/role/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX src: <https://w3id.org/coopgraph/id/source/>
PREFIX status: <https://w3id.org/coopgraph/id/status/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

"""


@dataclass(frozen=True)
class Place:
    """A city (or a new country or region) of the synthetic gazetteer."""

    slug: str
    en: str
    fr: str
    within: str  # the place it is coop:locatedIn
    kind: str = "City"
    lat: float | None = None
    long: float | None = None
    french: bool = False


# New countries and regions (France, Morocco, Senegal, West Africa, Africa and Europe are in data/places.ttl).
REGIONS = [
    Place("ile-de-france", "Île-de-France", "Île-de-France", "france", "Region", french=True),
    Place("bretagne", "Brittany", "Bretagne", "france", "Region", french=True),
    Place("auvergne-rhone-alpes", "Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes", "france", "Region", french=True),
    Place("occitanie", "Occitania", "Occitanie", "france", "Region", french=True),
    Place("cote-d-ivoire", "Côte d'Ivoire", "Côte d'Ivoire", "west-africa", "Country"),
    Place("mali", "Mali", "Mali", "west-africa", "Country"),
    Place("burkina-faso", "Burkina Faso", "Burkina Faso", "west-africa", "Country"),
    Place("benin", "Benin", "Bénin", "west-africa", "Country"),
    Place("togo", "Togo", "Togo", "west-africa", "Country"),
    Place("guinea", "Guinea", "Guinée", "west-africa", "Country"),
    Place("tunisia", "Tunisia", "Tunisie", "africa", "Country"),
    Place("algeria", "Algeria", "Algérie", "africa", "Country"),
    Place("cameroon", "Cameroon", "Cameroun", "africa", "Country"),
    Place("gabon", "Gabon", "Gabon", "africa", "Country"),
    Place("madagascar", "Madagascar", "Madagascar", "africa", "Country"),
    Place("kenya", "Kenya", "Kenya", "africa", "Country"),
    Place("rwanda", "Rwanda", "Rwanda", "africa", "Country"),
]
# Cities; the first four French and the first three African ones are already in data/places.ttl.
CITIES = [
    Place("nancy", "Nancy", "Nancy", "lorraine", french=True),
    Place("strasbourg", "Strasbourg", "Strasbourg", "alsace", french=True),
    Place("saint-etienne", "Saint-Etienne", "Saint-Étienne", "france", french=True),
    Place("paris", "Paris", "Paris", "ile-de-france", lat=48.8534, long=2.3488, french=True),
    Place("palaiseau", "Palaiseau", "Palaiseau", "ile-de-france", lat=48.7145, long=2.2457, french=True),
    Place("evry", "Évry", "Évry", "ile-de-france", lat=48.6294, long=2.4417, french=True),
    Place("brest", "Brest", "Brest", "bretagne", lat=48.3903, long=-4.4863, french=True),
    Place("rennes", "Rennes", "Rennes", "bretagne", lat=48.1115, long=-1.6800, french=True),
    Place("lyon", "Lyon", "Lyon", "auvergne-rhone-alpes", lat=45.7485, long=4.8467, french=True),
    Place("grenoble", "Grenoble", "Grenoble", "auvergne-rhone-alpes", lat=45.1715, long=5.7224, french=True),
    Place("toulouse", "Toulouse", "Toulouse", "occitanie", lat=43.6045, long=1.4440, french=True),
    Place("albi", "Albi", "Albi", "occitanie", lat=43.9289, long=2.1464, french=True),
    Place("ales", "Alès", "Alès", "occitanie", lat=44.1281, long=4.0817, french=True),
    Place("lille", "Lille", "Lille", "france", lat=50.6330, long=3.0586, french=True),
    Place("bordeaux", "Bordeaux", "Bordeaux", "france", lat=44.8404, long=-0.5805, french=True),
    Place("nantes", "Nantes", "Nantes", "france", lat=47.2173, long=-1.5534, french=True),
    Place("marseille", "Marseille", "Marseille", "france", lat=43.2970, long=5.3811, french=True),
    Place("dakar", "Dakar", "Dakar", "senegal"),
    Place("rabat", "Rabat", "Rabat", "morocco"),
    Place("casablanca", "Casablanca", "Casablanca", "morocco"),
    Place("saint-louis", "Saint-Louis", "Saint-Louis", "senegal", lat=16.0179, long=-16.4896),
    Place("thies", "Thiès", "Thiès", "senegal", lat=14.7910, long=-16.9359),
    Place("marrakech", "Marrakesh", "Marrakech", "morocco", lat=31.6342, long=-7.9999),
    Place("fes", "Fez", "Fès", "morocco", lat=34.0331, long=-5.0003),
    Place("abidjan", "Abidjan", "Abidjan", "cote-d-ivoire", lat=5.3544, long=-4.0017),
    Place("yamoussoukro", "Yamoussoukro", "Yamoussoukro", "cote-d-ivoire", lat=6.8206, long=-5.2768),
    Place("bamako", "Bamako", "Bamako", "mali", lat=12.6500, long=-8.0000),
    Place("ouagadougou", "Ouagadougou", "Ouagadougou", "burkina-faso", lat=12.3647, long=-1.5332),
    Place("cotonou", "Cotonou", "Cotonou", "benin", lat=6.3654, long=2.4183),
    Place("lome", "Lomé", "Lomé", "togo", lat=6.1375, long=1.2123),
    Place("conakry", "Conakry", "Conakry", "guinea", lat=9.5380, long=-13.6773),
    Place("tunis", "Tunis", "Tunis", "tunisia", lat=36.8190, long=10.1658),
    Place("sfax", "Sfax", "Sfax", "tunisia", lat=34.7406, long=10.7603),
    Place("algiers", "Algiers", "Alger", "algeria", lat=36.7525, long=3.0420),
    Place("oran", "Oran", "Oran", "algeria", lat=35.6971, long=-0.6308),
    Place("yaounde", "Yaoundé", "Yaoundé", "cameroon", lat=3.8667, long=11.5167),
    Place("douala", "Douala", "Douala", "cameroon", lat=4.0483, long=9.7043),
    Place("libreville", "Libreville", "Libreville", "gabon", lat=0.3925, long=9.4537),
    Place("antananarivo", "Antananarivo", "Antananarivo", "madagascar", lat=-18.9137, long=47.5361),
    Place("nairobi", "Nairobi", "Nairobi", "kenya", lat=-1.2833, long=36.8167),
    Place("kigali", "Kigali", "Kigali", "rwanda", lat=-1.9536, long=30.0606),
]
NEW_CITIES = [
    c for c in CITIES if c.slug not in {"nancy", "strasbourg", "saint-etienne", "dakar", "rabat", "casablanca"}
]

# (class, slug word, English name, French name)
ORG_KINDS = [
    ("University", "university", "University of {city} {n}", "Université de {city} {n}"),
    ("EngineeringSchool", "engineering-school", "{city} School of Engineering {n}", "École d'ingénieurs de {city} {n}"),
    (
        "HigherEducationInstitution",
        "institute",
        "{city} Institute of Technology {n}",
        "Institut de technologie de {city} {n}",
    ),
    ("Company", "company", "{city} Digital Systems {n}", "{city} Systèmes numériques {n}"),
    ("StateOwnedCompany", "state-company", "{city} National Utilities {n}", "Société nationale de {city} {n}"),
    (
        "Ministry",
        "ministry",
        "Ministry of Higher Education, office {n} ({city})",
        "Ministère de l'Enseignement supérieur, bureau {n} ({city})",
    ),
    ("Embassy", "embassy", "Embassy office {n} in {city}", "Bureau d'ambassade {n} à {city}"),
    ("CulturalCentre", "cultural-centre", "Cultural Centre {n} of {city}", "Centre culturel {n} de {city}"),
    ("IndustryFederation", "federation", "{city} Industry Federation {n}", "Fédération des industries de {city} {n}"),
    ("Alliance", "alliance", "{city} Engineering Alliance {n}", "Alliance d'ingénierie de {city} {n}"),
    ("InstituteGroup", "group", "{city} Institutes Group {n}", "Groupe d'instituts de {city} {n}"),
]
ORG_WEIGHTS = [22, 22, 10, 12, 3, 4, 3, 3, 3, 3, 3]
PARTNERSHIP_KINDS = [
    ("MemorandumOfUnderstanding", "mou", "memorandum of understanding", "protocole d'accord", "signed"),
    ("FrameworkAgreement", "framework-agreement", "framework agreement", "accord-cadre", "signed"),
    ("Convention", "convention", "convention", "convention", "signed"),
    ("FoundingAgreement", "founding-agreement", "founding agreement", "accord fondateur", "launched"),
    ("Collaboration", "collaboration", "collaboration", "collaboration", "ongoing"),
]
COLLABORATION_STATUSES = ["ongoing", "under-discussion", "initial-contact"]
PROGRAMME_KINDS = [
    ("MasterProgramme", "master", "Master's programme", "Master"),
    ("SpecialisedMaster", "specialised-master", "Specialised master's", "Mastère spécialisé"),
    ("DualDegreeProgramme", "dual-degree", "Dual degree", "Double diplôme"),
    ("ExchangeProgramme", "exchange", "Exchange programme", "Programme d'échange"),
    ("DegreeCourse", "degree-course", "Degree course", "Formation diplômante"),
    ("MOOC", "mooc", "MOOC", "MOOC"),
    ("TrainingSession", "training", "Training session", "Session de formation"),
]
PROGRAMME_STATUSES = ["planned", "launched", "under-study", "under-discussion"]
SUBJECTS = [
    ("data science", "science des données"),
    ("cybersecurity", "cybersécurité"),
    ("renewable energy", "énergies renouvelables"),
    ("civil engineering", "génie civil"),
    ("telecommunications", "télécommunications"),
    ("materials", "matériaux"),
    ("digital manufacturing", "fabrication numérique"),
    ("water management", "gestion de l'eau"),
    ("aeronautics", "aéronautique"),
    ("agronomy", "agronomie"),
]
EVENT_KINDS = [
    ("Visit", "visit", "Visit", "Visite"),
    ("Mission", "mission", "Mission", "Mission"),
    ("Conference", "conference", "Conference", "Conférence"),
    ("Forum", "forum", "Forum", "Forum"),
    ("RoundTable", "round-table", "Round table", "Table ronde"),
    ("Ceremony", "ceremony", "Ceremony", "Cérémonie"),
    ("Meeting", "meeting", "Meeting", "Réunion"),
    ("TradeFair", "trade-fair", "Trade fair", "Salon"),
]
ROLES = [
    ("president", "President", "Président"),
    ("director", "Director", "Directeur"),
    ("director-general", "Director General", "Directeur général"),
    ("dean", "Dean", "Doyen"),
    (
        "director-of-international-relations",
        "Director of International Relations",
        "Directeur des relations internationales",
    ),
    ("head-of-department", "Head of Department", "Chef de département"),
    ("general-manager", "General Manager", "Directeur général délégué"),
]
MEASURES = ["alumni", "campuses", "laboratories", "students-per-year", "institutes", "member-schools"]
FIRST_NAMES = [
    "Amadou",
    "Fatou",
    "Claire",
    "Youssef",
    "Aïcha",
    "Jean",
    "Mariam",
    "Pierre",
    "Khadija",
    "Lucie",
    "Moussa",
    "Nadia",
    "Olivier",
    "Awa",
    "Hugo",
    "Salma",
    "Ibrahima",
    "Sophie",
    "Karim",
    "Léa",
]
LAST_NAMES = [
    "Diop",
    "Martin",
    "Benali",
    "Traoré",
    "Dubois",
    "Ndiaye",
    "Bernard",
    "El Amrani",
    "Koné",
    "Petit",
    "Sow",
    "Moreau",
    "Haddad",
    "Ouédraogo",
    "Laurent",
    "Mensah",
    "Fall",
    "Girard",
    "Cissé",
    "Roux",
]


def literal(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def ascii_slug(text: str) -> str:
    table = str.maketrans("àâäéèêëîïôöùûüçÉÎÔ'’", "aaaeeeeiioouuuceio--")
    cleaned = "".join(c if c.isalnum() else "-" for c in text.lower().translate(table))
    return "-".join(part for part in cleaned.split("-") if part)


@dataclass
class Organisation:
    """One organisation of the pool: always described with the same type, labels and city."""

    slug: str
    kind: str
    en: str
    fr: str
    city: Place
    parent: Organisation | None = None


@dataclass
class Person:
    slug: str
    name: str
    organisation: Organisation
    role: tuple[str, str, str]

    @property
    def position(self) -> str:
        return f"{self.slug}--{self.role[0]}--{self.organisation.slug}"


@dataclass
class Block:
    """The Turtle of one subject, one predicate–objects line at a time; counts its triples."""

    subject: str
    lines: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, predicate: str, *objects: str) -> Block:
        if objects:
            self.lines.append((predicate, list(objects)))
        return self

    @property
    def triples(self) -> int:
        return sum(len(objects) for _, objects in self.lines)

    def turtle(self) -> str:
        parts = [self.subject]
        for predicate, objects in self.lines:
            parts.append(f"    {predicate} " + " ,\n        ".join(objects) + " ;")
        return "\n".join(parts) + "\n.\n"


def labelled(subject: str, kind: str, en: str, fr: str, source: str | None = None) -> Block:
    """A block with its type, rdfs:label and skos:prefLabel in both languages, and its source when given."""
    block = Block(subject).add("a", kind).add("rdfs:label", literal(en, "en"), literal(fr, "fr"))
    block.add("skos:prefLabel", literal(en, "en"), literal(fr, "fr"))
    if source:
        block.add("prov:wasDerivedFrom", source)
    return block


@dataclass
class Dated:
    """A date at one precision (or none), with everything the shapes want next to it."""

    date: str | None
    precision: str | None
    text_en: str | None
    earliest: str | None
    latest: str | None

    def add_to(self, block: Block, predicate: str = "coop:date") -> None:
        if self.date is None:
            return
        block.add(predicate, self.date).add("coop:datePrecision", f"time:{self.precision}")
        block.add("coop:dateText", literal(self.text_en or "", "en"))
        block.add("coop:earliest", f'"{self.earliest}"^^xsd:date').add("coop:latest", f'"{self.latest}"^^xsd:date')


def random_date(rng: random.Random, allow_none: bool = True) -> Dated:
    year = rng.randint(2012, 2026)
    month = rng.randint(1, 12)
    day = rng.randint(1, calendar.monthrange(year, month)[1])
    last = calendar.monthrange(year, month)[1]
    precision = rng.choice(["day", "day", "month", "year", "none"] if allow_none else ["day", "month", "year"])
    if precision == "day":
        iso = f"{year}-{month:02d}-{day:02d}"
        return Dated(f'"{iso}"^^xsd:date', "unitDay", f"on {iso}", iso, iso)
    if precision == "month":
        return Dated(
            f'"{year}-{month:02d}"^^xsd:gYearMonth',
            "unitMonth",
            f"in {calendar.month_name[month]} {year}",
            f"{year}-{month:02d}-01",
            f"{year}-{month:02d}-{last:02d}",
        )
    if precision == "year":
        return Dated(f'"{year}"^^xsd:gYear', "unitYear", f"in {year}", f"{year}-01-01", f"{year}-12-31")
    return Dated(None, None, None, None, None)


class World:
    """The pools every article draws from: organisations (with departments) and the people who hold positions."""

    def __init__(self, rng: random.Random, organisations: int) -> None:
        self.organisations: list[Organisation] = []
        kinds = rng.choices(range(len(ORG_KINDS)), weights=ORG_WEIGHTS, k=organisations)
        for n, kind_index in enumerate(kinds, start=1):
            kind, word, en, fr = ORG_KINDS[kind_index]
            city = rng.choice(CITIES)
            self.organisations.append(
                Organisation(
                    f"{word}-{city.slug}-{n}", kind, en.format(city=city.en, n=n), fr.format(city=city.fr, n=n), city
                )
            )
        universities = [o for o in self.organisations if o.kind in ("University", "EngineeringSchool")]
        for n in range(1, organisations // 8 + 1):  # departments of universities and schools (subOrganizationOf)
            parent = rng.choice(universities)
            subject_en, subject_fr = rng.choice(SUBJECTS)
            self.organisations.append(
                Organisation(
                    f"{parent.slug}--department-{ascii_slug(subject_en)}-{n}",
                    "Department",
                    f"Department of {subject_en} {n}, {parent.en}",
                    f"Département de {subject_fr} {n}, {parent.fr}",
                    parent.city,
                    parent,
                )
            )
        self.french = [o for o in self.organisations if o.city.french]
        self.african = [o for o in self.organisations if not o.city.french]
        self.people: dict[str, list[Person]] = {}
        for n, organisation in enumerate(self.organisations, start=1):
            for k in range(rng.choice([1, 1, 2])):
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n}-{k}"
                person = Person(ascii_slug(name), name, organisation, rng.choice(ROLES))
                self.people.setdefault(organisation.slug, []).append(person)


class Article:
    """One synthetic source article: its blocks, and the organisations and people it must describe."""

    def __init__(self, number: int, rng: random.Random, world: World) -> None:
        self.rng = rng
        self.world = world
        digest = hashlib.sha256(f"article-{number}".encode()).hexdigest()[:16]
        self.number = number
        self.id = f"{number:06d}-{digest}"
        self.source = f"src:{self.id}"
        self.language = rng.choice(["en", "fr"])
        self.blocks: list[Block] = []
        self.organisations: dict[str, Organisation] = {}
        self.people: dict[str, Person] = {}
        self.party_to: dict[str, list[str]] = {}
        self.slugs: set[str] = set()

    def quote(self, text: str) -> str:
        return literal(text[:300], self.language)

    def unique(self, slug: str) -> str:
        """A slug not yet used in this article (two agreements between the same parties get -2, -3…)."""
        candidate, k = slug, 2
        while candidate in self.slugs:
            candidate, k = f"{slug}-{k}", k + 1
        self.slugs.add(candidate)
        return candidate

    def mention(self, organisation: Organisation) -> str:
        self.organisations[organisation.slug] = organisation
        return f"o:{organisation.slug}"

    def person_at(self, organisation: Organisation) -> Person | None:
        people = self.world.people.get(organisation.slug, [])
        if not people:
            return None
        person = self.rng.choice(people)
        self.people[person.slug] = person
        self.mention(organisation)
        return person

    def parties(self) -> list[Organisation]:
        count = self.rng.choice([2, 2, 2, 3, 3, 4, 5, 6, 7])
        world, rng = self.world, self.rng
        mix = rng.random()
        if mix < 0.7:  # Franco-African: at least one party in France and one in Africa
            chosen = [rng.choice(world.french), rng.choice(world.african)]
        elif mix < 0.85:
            chosen = [rng.choice(world.french), rng.choice(world.french)]
        else:
            chosen = [rng.choice(world.african), rng.choice(world.african)]
        while len({o.slug for o in chosen}) < count:
            chosen.append(rng.choice(world.organisations))
        return list({o.slug: o for o in chosen}.values())

    def add_partnership(self, event: str | None) -> tuple[str, bool]:
        rng = self.rng
        kind, word, kind_en, kind_fr, status = rng.choices(PARTNERSHIP_KINDS, weights=[30, 20, 15, 5, 30])[0]
        if kind == "Collaboration":
            status = rng.choice(COLLABORATION_STATUSES)
        parties = self.parties()
        slug = self.unique(ascii_slug(f"{parties[0].slug}--{parties[1].slug}--{word}-{self.number}"))
        subject = f"ag:{slug}"
        names_en = " – ".join(p.en for p in parties[:3]) + (" and others" if len(parties) > 3 else "")
        names_fr = " – ".join(p.fr for p in parties[:3]) + (" et autres" if len(parties) > 3 else "")
        block = labelled(
            subject,
            f"coop:{kind}",
            f"{kind_en.capitalize()} {names_en}",
            f"{kind_fr.capitalize()} {names_fr}",
            self.source,
        )
        block.add("coop:evidence", self.quote(f"The {kind_en} between {names_en} was announced."))
        block.add("coop:hasParty", *(self.mention(p) for p in parties))
        for party in parties:
            if rng.random() < 0.5:
                self.party_to.setdefault(party.slug, []).append(subject)
        random_date(rng).add_to(block)
        if rng.random() < 0.7:
            block.add("coop:place", f"pl:{rng.choice([parties[0].city, parties[1].city]).slug}")
        block.add("coop:status", f"status:{status}")
        is_agreement = kind != "Collaboration"
        if is_agreement and status == "signed":
            signatories = [s for s in (self.person_at(p) for p in parties[:2]) if s is not None]
            block.add("coop:signatory", *(f"pe:{s.slug}" for s in signatories))
            if event is not None and rng.random() < 0.5:
                block.add("coop:signedDuring", event)
        self.blocks.append(block)
        return subject, is_agreement

    def add_programme(self, frameworks: list[tuple[str, bool]]) -> None:
        rng = self.rng
        kind, word, kind_en, kind_fr = rng.choice(PROGRAMME_KINDS)
        subject_en, subject_fr = rng.choice(SUBJECTS)
        provider = rng.choice(self.world.organisations)
        slug = self.unique(f"{provider.slug}--{word}-{ascii_slug(subject_en)}-{self.number}")
        block = labelled(
            f"pr:{slug}", f"coop:{kind}", f"{kind_en} in {subject_en}", f"{kind_fr} en {subject_fr}", self.source
        )
        block.add("coop:evidence", self.quote(f"{provider.en} will offer a {kind_en.lower()} in {subject_en}."))
        block.add("coop:provider", self.mention(provider))
        partners = [o for o in rng.sample(self.world.organisations, rng.randint(0, 3)) if o.slug != provider.slug]
        block.add("coop:partner", *(self.mention(o) for o in partners))
        if rng.random() < 0.3:
            block.add("coop:supportedBy", self.mention(rng.choice(self.world.organisations)))
        status = rng.choice(PROGRAMME_STATUSES)
        block.add("coop:status", f"status:{status}")
        if status == "planned" or rng.random() < 0.5:
            random_date(rng, allow_none=False).add_to(block, "coop:startDate")
        if kind not in ("MOOC", "TrainingSession") and frameworks and rng.random() < 0.6:
            framework, is_agreement = rng.choice(frameworks)
            block.add("coop:underAgreement" if is_agreement else "coop:withinPartnership", framework)
        if kind == "TrainingSession":
            block.add("coop:hostedBy", self.mention(rng.choice(self.world.organisations)))
            block.add("coop:place", f"pl:{provider.city.slug}")
        self.blocks.append(block)

    def add_event(self) -> str:
        rng = self.rng
        kind, word, kind_en, kind_fr = rng.choice(EVENT_KINDS)
        city = rng.choice(CITIES)
        slug = self.unique(f"{word}-{city.slug}-{self.id}")
        subject = f"ev:{slug}"
        block = labelled(
            subject,
            f"coop:{kind}",
            f"{kind_en} in {city.en} ({self.id})",
            f"{kind_fr} à {city.fr} ({self.id})",
            self.source,
        )
        block.add("coop:evidence", self.quote(f"A {kind_en.lower()} took place in {city.en}."))
        random_date(rng).add_to(block)
        block.add("coop:place", f"pl:{city.slug}")
        participants = [p for p in (self.person_at(o) for o in rng.sample(self.world.organisations, 2)) if p]
        block.add("coop:participant", *(f"pe:{p.slug}" for p in participants))
        block.add("coop:organiser", self.mention(rng.choice(self.world.organisations)))
        self.blocks.append(block)
        return subject

    def add_delegation(self, event: str) -> None:
        organisation = self.rng.choice(self.world.organisations)
        members = [p for p in (self.person_at(organisation),) if p]
        if not members:
            return
        slug = self.unique(f"{organisation.slug}--delegation-{self.id}")
        block = labelled(
            f"dg:{slug}",
            "coop:Delegation",
            f"Delegation of {organisation.en}",
            f"Délégation de {organisation.fr}",
            self.source,
        )
        block.add("coop:evidence", self.quote(f"A delegation of {organisation.en} took part."))
        block.add("coop:delegationOf", self.mention(organisation)).add(
            "coop:member", *(f"pe:{p.slug}" for p in members)
        )
        block.add("coop:tookPartIn", event)
        self.blocks.append(block)

    def add_figure(self) -> None:
        organisation = self.rng.choice(self.world.organisations)
        measure = self.rng.choice(MEASURES)
        value = self.rng.randint(2, 5000)
        slug = self.unique(f"{organisation.slug}--{measure}-{self.id}")
        label_en = f"{value} {measure.replace('-', ' ')} of {organisation.en}"
        label_fr = f"{value} {measure.replace('-', ' ')} de {organisation.fr}"
        block = labelled(f"fg:{slug}", "coop:Figure", label_en, label_fr, self.source)
        block.add("coop:evidence", self.quote(label_en)).add("coop:figureOf", self.mention(organisation))
        block.add("coop:measure", f"measure:{measure}").add("coop:value", str(value))
        block.add("coop:valueText", self.quote(str(value)))
        self.blocks.append(block)

    def add_initiative(self, frameworks: list[tuple[str, bool]]) -> None:
        organisation = self.rng.choice(self.world.organisations)
        kind = self.rng.choice(["Strategy", "NationalPlan", "Initiative"])
        slug = self.unique(f"{organisation.slug}--{kind.lower()}-{self.id}")
        subject = f"in:{slug}"
        block = labelled(
            subject, f"coop:{kind}", f"{kind} of {organisation.en}", f"Initiative de {organisation.fr}", self.source
        )
        block.add("coop:evidence", self.quote(f"{organisation.en} announced a plan for Africa."))
        block.add("coop:promotedBy", self.mention(organisation)).add("coop:status", "status:ongoing")
        block.add("coop:objective", self.quote("train more engineers"))
        self.blocks.append(block)
        for framework, _ in frameworks[:1]:
            for existing in self.blocks:
                if existing.subject == framework:
                    existing.add("coop:contributesTo", subject)

    def describe_mentions(self) -> None:
        """Everything mentioned is described here too (like the real articles): people, positions, organisations."""
        for person in self.people.values():
            self.mention(person.organisation)
            role, role_en, role_fr = person.role
            organisation = person.organisation
            block = labelled(f"pe:{person.slug}", "coop:Person", person.name, person.name, self.source)
            block.add("coop:evidence", self.quote(f"{person.name}, {role_en} of {organisation.en}"))
            block.add("coop:holds", f"po:{person.position}")
            self.blocks.append(block)
            position = labelled(
                f"po:{person.position}",
                "coop:Position",
                f"{role_en}, {organisation.en}",
                f"{role_fr}, {organisation.fr}",
                self.source,
            )
            position.add("coop:evidence", self.quote(f"{person.name}, {role_en} of {organisation.en}"))
            position.add("coop:heldBy", f"pe:{person.slug}").add("coop:positionIn", f"o:{organisation.slug}")
            position.add("coop:role", f"role:{role}")
            self.blocks.append(position)
        for organisation in list(self.organisations.values()):
            if organisation.parent is not None:
                self.mention(organisation.parent)
        for slug, organisation in sorted(self.organisations.items()):
            block = labelled(f"o:{slug}", f"coop:{organisation.kind}", organisation.en, organisation.fr, self.source)
            block.add("coop:evidence", self.quote(f"{organisation.en} ({organisation.city.en})"))
            block.add("coop:basedIn", f"pl:{organisation.city.slug}")
            if organisation.parent is not None:
                block.add("coop:subOrganizationOf", f"o:{organisation.parent.slug}")
            block.add("coop:partyTo", *self.party_to.get(slug, []))
            self.blocks.append(block)

    def source_block(self) -> Block:
        title_en, title_fr = f"Synthetic article {self.id}", f"Article synthétique {self.id}"
        block = labelled(self.source, "coop:SourceArticle", f"Source article {self.id}", f"Article source {self.id}")
        block.add("dcterms:identifier", literal(self.id)).add("dcterms:language", literal(self.language))
        block.add("dcterms:title", literal(title_en if self.language == "en" else title_fr, self.language))
        block.add("coop:sourceFile", literal(f"seeds/{self.id.replace('-', '_', 1)}.txt"))
        dated = random_date(self.rng, allow_none=False)
        if dated.precision == "unitDay":
            block.add("coop:datelineDate", f'"{dated.earliest}"^^xsd:date')
            block.add("coop:datelinePlace", f"pl:{self.rng.choice(CITIES).slug}")
        return block

    def build(self) -> str:
        rng = self.rng
        event = self.add_event() if rng.random() < 0.8 else None
        frameworks = [self.add_partnership(event) for _ in range(rng.randint(1, 3))]
        for _ in range(rng.randint(0, 2)):
            self.add_programme(frameworks)
        if event is not None and rng.random() < 0.3:
            self.add_delegation(event)
        if rng.random() < 0.3:
            self.add_event()
        if rng.random() < 0.3:
            self.add_figure()
        if rng.random() < 0.2:
            self.add_initiative(frameworks)
        self.describe_mentions()
        self.blocks.append(self.source_block())
        return PREFIXES + "\n".join(block.turtle() for block in self.blocks)

    @property
    def triples(self) -> int:
        return sum(block.triples for block in self.blocks)


def places_turtle() -> tuple[str, str, int]:
    """The synthetic places (appended to the project's places.ttl) and their coordinates (to gazetteer.ttl)."""
    places, coordinates, triples = [], [], 0
    for place in [*REGIONS, *NEW_CITIES]:
        block = labelled(f"pl:{place.slug}", f"coop:{place.kind}", place.en, place.fr)
        block.add("coop:locatedIn", f"pl:{place.within}")
        places.append(block.turtle())
        triples += block.triples
        if place.lat is not None and place.long is not None:
            coordinates.append(
                f"pl:{place.slug}\n    geo:lat {place.lat:.4f} ;\n    geo:long {place.long:.4f} ;\n"
                "    prov:wasDerivedFrom src:geonames ;\n.\n"
            )
            triples += 3
    return "\n".join(places), "\n".join(coordinates), triples


def articles(target: int, seed: int) -> Iterator[tuple[str, str, int]]:
    """(source id, Turtle, triples) until the articles hold about `target` triples."""
    rng = random.Random(seed)
    world = World(rng, max(40, target // 70))
    written, number = 0, 0
    while written < target:
        article = Article(number, rng, world)
        text = article.build()
        written += article.triples
        number += 1
        yield article.id, text, article.triples


def generate(target: int, seed: int, out: Path) -> tuple[int, int]:
    """Write a data folder of about `target` asserted triples; (files, triples)."""
    if out.exists():
        shutil.rmtree(out)
    (out / "sources").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "concepts", out / "concepts")
    places, coordinates, triples = places_turtle()
    prefixes = PREFIXES + "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
    project_places = (ROOT / "data" / "places.ttl").read_text(encoding="utf-8")
    (out / "places.ttl").write_text(project_places + "\n" + prefixes + places, encoding="utf-8")
    gazetteer = (ROOT / "data" / "gazetteer.ttl").read_text(encoding="utf-8")
    (out / "gazetteer.ttl").write_text(gazetteer + "\n" + prefixes + coordinates, encoding="utf-8")
    files = 0
    for source_id, text, count in articles(max(target - triples, 1), seed):
        (out / "sources" / f"{source_id}.ttl").write_text(text, encoding="utf-8")
        files += 1
        triples += count
    return files, triples


def parse_size(text: str) -> int:
    if text in SIZES:
        return SIZES[text]
    multiplier = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("kKmM")) * multiplier)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="10k", help="10k, 100k, 1M, or any number of triples (e.g. 250k)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the data folder to (re)write")
    args = parser.parse_args()
    files, triples = generate(parse_size(args.size), args.seed, args.out)
    print(f"wrote {files} articles, {triples} asserted triples (plus the project's places) to {args.out}")


if __name__ == "__main__":
    main()
