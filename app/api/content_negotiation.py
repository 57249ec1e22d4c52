"""HTTP content negotiation: the Accept header with q-values, and a `format=` parameter that overrides it.

Browsers cannot set Accept on a link, hence `format=`. The best offer is the one with the highest q from the most
specific matching media range; ties go to the range the client listed first, then to the server's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.core.result_formats import ResultFormat


class BadFormatParameterError(Exception):
    """`format=` names no format this service writes."""


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float
    position: int

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; none (or an unreadable header) means `*/*`."""
    ranges = []
    for position, item in enumerate((header or "").split(",")):
        media, *parameters = (part.strip() for part in item.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q, position))
    return ranges or [MediaRange("*", "*", 1.0, 0)]


def _score(offer: ResultFormat, ranges: Sequence[MediaRange]) -> tuple[float, int, int] | None:
    """(q, specificity, -position) of the most specific range that matches the offer, or None."""
    best: tuple[float, int, int] | None = None
    for media_type in (offer.media_type, *offer.aliases):
        for media_range in ranges:
            if media_range.matches(media_type):
                candidate = (media_range.q, media_range.specificity, -media_range.position)
                if best is None or candidate[1:] > best[1:]:
                    best = candidate
    return best


def negotiate(accept: str | None, offers: Sequence[ResultFormat]) -> ResultFormat | None:
    """The offer the client prefers, or None when it accepts none of them (q=0 counts as a refusal)."""
    ranges = parse_accept(accept)
    scored = []
    for index, offer in enumerate(offers):
        score = _score(offer, ranges)
        if score is not None and score[0] > 0:
            scored.append(((score[0], score[1], score[2], -index), offer))
    return max(scored, key=lambda item: item[0])[1] if scored else None


def by_format_parameter(value: str, offers: Sequence[ResultFormat]) -> ResultFormat | None:
    """The offer a `format=` value names (a short name such as `json`, or a media type), or None."""
    wanted = value.strip().lower()
    for offer in offers:
        if wanted in offer.names or offer.answers(wanted.split(";")[0].strip()):
            return offer
    return None


def choose(accept: str | None, format_parameter: str | None, offers: Sequence[ResultFormat]) -> ResultFormat | None:
    """`format=` when given, else the Accept header."""
    if format_parameter:
        return by_format_parameter(format_parameter, offers)
    return negotiate(accept, offers)


def check_format_parameter(value: str | None, *offer_lists: Sequence[ResultFormat]) -> None:
    """A `format=` value must name some format of the service (else it is a client error, not a 406)."""
    if value and not any(by_format_parameter(value, offers) for offers in offer_lists):
        names = sorted({name for offers in offer_lists for offer in offers for name in offer.names})
        raise BadFormatParameterError(f"format={value!r} is not a format this service writes; use one of {names}")
