"""Content negotiation on its own: q-values, wildcards, specificity, ties and the format= override."""

from __future__ import annotations

import pytest

from app.api.content_negotiation import (
    BadFormatParameterError,
    check_format_parameter,
    choose,
    negotiate,
    parse_accept,
)
from app.core.result_formats import GRAPH_FORMATS, RESULTS_FORMATS


def key(accept: str | None, offers: tuple = RESULTS_FORMATS) -> str | None:  # type: ignore[type-arg]
    chosen = negotiate(accept, offers)
    return chosen.key if chosen else None


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("garbage", "json"),
        ("*/*", "json"),
        ("text/csv", "csv"),
        ("TEXT/CSV", "csv"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.8", "xml"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "xml"),
        ("text/tab-separated-values, text/csv", "tsv"),
        ("image/png", None),
        ("application/json;q=0", None),
        ("text/csv;q=abc, text/tab-separated-values", "tsv"),
    ],
)
def test_negotiate_results(accept: str | None, expected: str | None) -> None:
    assert key(accept) == expected


def test_specific_range_beats_wildcard_for_the_same_type() -> None:
    assert key("text/csv;q=0, */*") == "json"
    assert key("application/sparql-results+json;q=0.1, application/*;q=0.9") == "xml"


def test_graph_offers() -> None:
    assert key(None, GRAPH_FORMATS) == "turtle"
    assert key("application/json", GRAPH_FORMATS) == "jsonld"
    assert key("application/xml", GRAPH_FORMATS) == "rdfxml"


def test_format_parameter() -> None:
    assert (choose("image/png", "csv", RESULTS_FORMATS) or RESULTS_FORMATS[0]).key == "csv"
    assert choose(None, "turtle", RESULTS_FORMATS) is None
    check_format_parameter("nt", RESULTS_FORMATS, GRAPH_FORMATS)
    with pytest.raises(BadFormatParameterError):
        check_format_parameter("docx", RESULTS_FORMATS, GRAPH_FORMATS)


def test_parse_accept_keeps_positions_and_clamps_q() -> None:
    ranges = parse_accept("text/csv;q=2, */*;q=-1")
    assert [(r.type, r.subtype, r.q, r.position) for r in ranges] == [("text", "csv", 1.0, 0), ("*", "*", 0.0, 1)]
