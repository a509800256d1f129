"""Find the right hotel among suppliers' data: ranked candidates, a score and its reasons.

Each candidate is scored 0..100 as the weighted mean of the signals both sides have; a signal
one side lacks weighs nothing (a query with only a name and a city is judged on its name):

===================  ==============================================================  ========
signal               value (0..100)                                                   weight
===================  ==============================================================  ========
name                 rapidfuzz token-set ratio of the normalised names; when one       5
                     name only adds words to the other, averaged with the token-sort
                     ratio and 4 points off per extra word (96 when the extra words
                     are the city's); at most 80 when their numbers differ ("Roma" /
                     "Roma II")
address              token-set ratio of the streets; x0.4 when the house numbers       2
                     differ, x0.9 when one side has none
distance             100 within 50 m, falling to 0 at 500 m (haversine)                3
phone (E.164)        100 when the same; 0 when different (hotels have several        3; 1.5
                     lines)
chain                100 when the same; 0 when different; 0 when the query names    1; 2; 0.5
                     a chain and the record none
kind                 0 when one is a hostal and the other a hotel (say)                2
postal code          100 when the same; 0 when different                           0.5; 1
city; country        0 when different (only candidates found by phone or              3; 10
                     coordinates can be elsewhere)
===================  ==============================================================  ========

Outcomes (:class:`MatchOutcome`); thresholds and weights were tuned on a labelled evaluation
set generated from another seed than the one the bench reports (``bench/hotel_matching.py``):

- **confident**: the best candidate scores at least :data:`CONFIDENT_SCORE` (90) and no
  *other hotel* scores within :data:`CONFIDENT_MARGIN` (8) of it. A runner-up is not another
  hotel when it and the best score :data:`CONFIDENT_SCORE` against each other (the same hotel
  listed by two suppliers); it does not count either when the best shares an identifier with
  the query (phone, street and number, or a point within 50 m) that the runner-up lacks. At
  90, a name alone must be nearly exact (a typo at most), and a name that only adds a word
  ("Goya Norte" / "Playa Goya Norte", 84) needs a phone or an address to be confident;
  near-namesakes in the same city ("Hotel Sevilla Centro" / "Hotel Sevilla Congresos": name
  77) with their own address, phone or place score far below. On the tuning set no hotel
  missing from the directory reached 90 (its nearest namesake scored at most 89.8) and 99 %
  of the descriptions of directory hotels were confident and right;
- **needs_review**: the best candidate scores at least :data:`REVIEW_SCORE` (60): a
  namesake, a renamed hotel, a description too thin to tell; someone should look. Below 60
  the candidates share little more than a word or the neighbourhood;
- **new_hotel**: nothing scores :data:`REVIEW_SCORE`: create the hotel.

:class:`HotelMatcher` scores only the candidates in the query's blocks (:mod:`.index`),
widening to the query's whole city only when the query has neither coordinates nor a phone
and its name's blocks found nothing worth reviewing. :func:`match_naively` scores every record
with the same scorer: the reference the blocking is measured against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import cache
from typing import Final, NamedTuple

import attrs

from perla_core.hotels.index import (
    IndexedHotel,
    Profile,
    city_block,
    haversine_m,
    pairing_blocks,
    query_blocks,
)
from perla_core.hotels.model import HotelQuery, HotelRecord
from perla_core.hotels.ports import HotelDirectory

CONFIDENT_SCORE: Final = 90.0
CONFIDENT_MARGIN: Final = 8.0
REVIEW_SCORE: Final = 60.0

W_NAME: Final = 5.0
W_ADDRESS: Final = 2.0
W_DISTANCE: Final = 3.0
W_PHONE_SAME: Final = 3.0
W_PHONE_DIFFERENT: Final = 1.5
W_CHAIN_SAME: Final = 1.0
W_CHAIN_DIFFERENT: Final = 2.0
W_CHAIN_NONE: Final = 0.5
W_KIND_DIFFERENT: Final = 2.0
W_POSTAL_SAME: Final = 0.5
W_POSTAL_DIFFERENT: Final = 1.0
W_CITY_DIFFERENT: Final = 3.0
W_COUNTRY_DIFFERENT: Final = 10.0

NEAR_METRES: Final = 50.0
FAR_METRES: Final = 500.0
EXTRA_WORD_PENALTY: Final = 4.0
NUMERAL_CAP: Final = 80.0
CITY_WORDS_ONLY: Final = 96.0
SAME_ADDRESS: Final = 90.0

# Identifiers a candidate shares with the query (bit flags).
SAME_PHONE: Final = 1
SAME_STREET_AND_NUMBER: Final = 2
WITHIN_NEAR: Final = 4

_Ratio = Callable[[str, str], float]


@cache
def _ratios() -> tuple[_Ratio, _Ratio]:
    from rapidfuzz import fuzz  # noqa: PLC0415 - a C extension, loaded on first match

    return fuzz.token_set_ratio, fuzz.token_sort_ratio


def similarity(a: str, b: str) -> float:
    """rapidfuzz's token-set ratio: word order does not matter, nor a typo in any word."""
    if a == b:
        return 100.0
    return _ratios()[0](a, b)


def name_similarity(q: Profile, c: Profile) -> float:
    """The token-set ratio of the normalised names, less when one name only adds words to
    the other ("sevilla" / "sevilla congresos": a name that says more may be another hotel),
    :data:`CITY_WORDS_ONLY` when the words one adds are its city's ("triana" / "sevilla
    triana" in Sevilla), and at most :data:`NUMERAL_CAP` when their numbers differ ("Roma" /
    "Roma II")."""
    a, b = q.name, c.name
    if a == b or q.words == c.words:
        return 100.0
    token_set, token_sort = _ratios()
    value = token_set(a, b)
    if q.core == c.core:  # "NH Triana" and "NH Sevilla Triana", in Sevilla
        value = min(value, CITY_WORDS_ONLY)
    elif q.words < c.words or c.words < q.words or q.core < c.core or c.core < q.core:
        extra = abs(len(q.core) - len(c.core)) or abs(len(q.words) - len(c.words))
        value = max(0.0, (value + token_sort(a, b)) / 2 - EXTRA_WORD_PENALTY * extra)
    if q.numerals != c.numerals:
        value = min(value, NUMERAL_CAP)
    return value


def _distance_value(metres: float) -> float:
    if metres <= NEAR_METRES:
        return 100.0
    if metres >= FAR_METRES:
        return 0.0
    return 100.0 * (FAR_METRES - metres) / (FAR_METRES - NEAR_METRES)


def _metres(metres: float) -> str:
    return f"{metres:.0f} m away" if metres < 10_000 else f"{metres / 1000:.0f} km away"


# One flat pass over the signals: this is the hot path, called for every candidate.
def _evaluate(  # noqa: PLR0912, PLR0915
    q: Profile, c: Profile, why: list[str] | None
) -> tuple[float, int]:
    """The score of ``c`` for ``q`` and the identifiers they share; the reasons go to ``why``
    when given (building them costs more than the score)."""
    total = 0.0
    weight = 0.0
    shared = 0
    if q.name and c.name:
        name = name_similarity(q, c)
        total += W_NAME * name
        weight += W_NAME
        if why is not None:
            shown = "" if q.name == c.name else f" ({q.name!r} vs {c.name!r})"
            why.append(f"name {name:.0f} after normalisation{shown}")
    if q.street and c.street:
        street = similarity(q.street, c.street)
        if q.numbers and c.numbers:
            same_number = not q.numbers.isdisjoint(c.numbers)
            address = street if same_number else street * 0.4
            if same_number and street >= SAME_ADDRESS:
                shared |= SAME_STREET_AND_NUMBER
            numbers = (
                f"same number {min(q.numbers & c.numbers)}"
                if same_number
                else f"different number ({'/'.join(sorted(q.numbers))} vs "
                f"{'/'.join(sorted(c.numbers))})"
            )
        else:
            address = street * 0.9
            numbers = "no number to compare"
        total += W_ADDRESS * address
        weight += W_ADDRESS
        if why is not None:
            why.append(f"address {address:.0f}: street {street:.0f}, {numbers}")
    if q.latitude is not None and c.latitude is not None:
        metres = haversine_m(q, c)
        total += W_DISTANCE * _distance_value(metres)
        weight += W_DISTANCE
        if metres <= NEAR_METRES:
            shared |= WITHIN_NEAR
        if why is not None:
            why.append(_metres(metres))
    if q.phone and c.phone:
        if q.phone == c.phone:
            total += W_PHONE_SAME * 100.0
            weight += W_PHONE_SAME
            shared |= SAME_PHONE
            if why is not None:
                why.append(f"same phone {c.phone}")
        else:
            weight += W_PHONE_DIFFERENT
            if why is not None:
                why.append(f"different phone ({q.phone} vs {c.phone})")
    if q.chain_key:
        if c.chain_key == q.chain_key:
            total += W_CHAIN_SAME * 100.0
            weight += W_CHAIN_SAME
            if why is not None:
                why.append(f"same chain {c.chain}")
        elif c.chain_key:
            weight += W_CHAIN_DIFFERENT
            if why is not None:
                why.append(f"different chain ({q.chain} vs {c.chain})")
        else:
            weight += W_CHAIN_NONE
            if why is not None:
                why.append(f"no chain, the query says {q.chain}")
    if q.kinds and c.kinds and q.kinds.isdisjoint(c.kinds):
        weight += W_KIND_DIFFERENT
        if why is not None:
            why.append(f"a {'/'.join(sorted(c.kinds))}, not a {'/'.join(sorted(q.kinds))}")
    if q.postal_code and c.postal_code:
        if q.postal_code == c.postal_code:
            total += W_POSTAL_SAME * 100.0
            weight += W_POSTAL_SAME
            if why is not None:
                why.append(f"same postal code {c.postal_code}")
        else:
            weight += W_POSTAL_DIFFERENT
            if why is not None:
                why.append(f"different postal code ({q.postal_code} vs {c.postal_code})")
    if q.city and c.city and q.city != c.city:
        weight += W_CITY_DIFFERENT
        if why is not None:
            why.append(f"in another city ({c.city})")
    if q.country and c.country and q.country != c.country:
        weight += W_COUNTRY_DIFFERENT
        if why is not None:
            why.append(f"in another country ({c.country})")
    return (total / weight if weight else 0.0), shared


def score(q: Profile, c: Profile, why: list[str] | None = None) -> float:
    """How much ``c`` looks like the hotel ``q`` describes, 0..100 (see the module); appends
    the human-readable reasons to ``why`` when given."""
    return _evaluate(q, c, why)[0]


# --- results ---------------------------------------------------------------------------------


class MatchOutcome(StrEnum):
    CONFIDENT = "confident"
    NEEDS_REVIEW = "needs_review"
    NEW_HOTEL = "new_hotel"


@attrs.frozen
class Candidate:
    """A directory record, its score against the query (0..100) and why."""

    record: HotelRecord
    score: float
    reasons: tuple[str, ...]

    @property
    def ref(self) -> str:
        return self.record.ref


@attrs.frozen
class MatchResult:
    """The outcome, the best candidates (best first) and why the outcome was chosen.

    ``scored`` is how many records the match scored: its blocks' candidates, not the
    directory.
    """

    outcome: MatchOutcome
    candidates: tuple[Candidate, ...]
    explanation: str
    scored: int

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def confident(self) -> bool:
        return self.outcome is MatchOutcome.CONFIDENT


# (score, shared identifiers, ref, hotel)
_Scored = tuple[float, int, str, IndexedHotel]

_IDENTIFIERS: Final = {
    SAME_PHONE: "phone",
    SAME_STREET_AND_NUMBER: "street and number",
    WITHIN_NEAR: "position",
}


def _named(flags: int) -> str:
    return " and ".join(name for bit, name in _IDENTIFIERS.items() if flags & bit)


def _decide(ranked: list[_Scored]) -> tuple[MatchOutcome, str, dict[str, str]]:
    """The outcome for candidates ranked best first, why, and a note for each runner-up that
    does not stand in the way of the best."""
    if not ranked or ranked[0][0] < REVIEW_SCORE:
        best = f"; the best scores {ranked[0][0]:.0f}" if ranked else ""
        return MatchOutcome.NEW_HOTEL, f"nothing scores {REVIEW_SCORE:.0f}{best}", {}
    top_score, top_shared, _, top = ranked[0]
    if top_score < CONFIDENT_SCORE:
        return (
            MatchOutcome.NEEDS_REVIEW,
            f"the best scores {top_score:.0f}, under {CONFIDENT_SCORE:.0f} for a confident match",
            {},
        )
    notes: dict[str, str] = {}
    for rival_score, rival_shared, rival_ref, rival in ranked[1:]:
        if rival_score <= top_score - CONFIDENT_MARGIN:
            break
        pair = score(top.profile, rival.profile)
        if pair >= CONFIDENT_SCORE:
            notes[rival_ref] = f"the same hotel as {top.ref} (they score {pair:.0f} together)"
            continue
        only_top = top_shared & ~rival_shared
        if only_top and rival_score <= top_score:
            notes[rival_ref] = f"another hotel, without the query's {_named(only_top)}"
            continue
        return (
            MatchOutcome.NEEDS_REVIEW,
            f"the best scores {top_score:.0f} but {rival_ref} ({rival.record.name}) scores "
            f"{rival_score:.0f}, within {CONFIDENT_MARGIN:.0f}, and is another hotel",
            {},
        )
    runner_up = next((s for s, _, ref, _ in ranked[1:] if ref not in notes), None)
    ahead = (
        "no other hotel comes close"
        if runner_up is None
        else f"it is {top_score - runner_up:.0f} ahead of the next hotel"
    )
    return (
        MatchOutcome.CONFIDENT,
        f"the best scores {top_score:.0f} (>= {CONFIDENT_SCORE:.0f}) and {ahead}",
        notes,
    )


def _result(q: Profile, scored: list[_Scored], limit: int) -> MatchResult:
    ranked = sorted(scored, key=lambda s: (-s[0], -s[1], s[2]))
    outcome, explanation, notes = _decide(ranked)
    candidates = []
    for _, _, ref, hotel in ranked[:limit]:
        why: list[str] = []
        value = score(q, hotel.profile, why)
        if ref in notes:
            why.append(notes[ref])
        candidates.append(Candidate(hotel.record, round(value, 1), tuple(why)))
    return MatchResult(outcome, tuple(candidates), explanation, len(scored))


def _scored(q: Profile, hotels: Iterable[IndexedHotel]) -> list[_Scored]:
    out: list[_Scored] = []
    append = out.append
    for hotel in hotels:
        value, shared = _evaluate(q, hotel.profile, None)
        append((value, shared, hotel.record.ref, hotel))
    return out


class HotelMatcher:
    """Matches partial hotel descriptions against a :class:`HotelDirectory`."""

    def __init__(self, directory: HotelDirectory) -> None:
        self._directory = directory

    def match(self, query: HotelQuery, limit: int = 5) -> MatchResult:
        """The best ``limit`` candidates for ``query`` and the outcome (see the module)."""
        q = Profile.of(query)
        return _result(q, self._scored(q), limit)

    def _scored(self, q: Profile) -> list[_Scored]:
        pool = self._directory.candidates(query_blocks(q))
        scored = _scored(q, pool)
        nothing_found = all(s[0] < REVIEW_SCORE for s in scored)
        if nothing_found and q.latitude is None and q.phone is None and q.city:
            seen = {hotel.record.ref for hotel in pool}
            wider = self._directory.candidates([city_block(q.city)])
            scored.extend(_scored(q, (h for h in wider if h.record.ref not in seen)))
        return scored


def match_naively(
    directory: Iterable[IndexedHotel], query: HotelQuery, limit: int = 5
) -> MatchResult:
    """Score every record with the same scorer: the reference (and the bench's baseline)."""
    q = Profile.of(query)
    return _result(q, _scored(q, directory), limit)


class LikelyDuplicate(NamedTuple):
    """Two records that look like the same hotel, how much (0..100) and why."""

    a: HotelRecord
    b: HotelRecord
    score: float
    reasons: tuple[str, ...]


def likely_duplicates(
    directory: HotelDirectory, *, min_score: float = CONFIDENT_SCORE
) -> list[LikelyDuplicate]:
    """Pairs of records already in the directory that a match would take for one hotel
    (scoring at least ``min_score`` against each other), best first. Each record is compared
    only with the records sharing a name piece, a geo cell or a phone with it, and each pair
    once."""
    # The best any pair can score with a name this similar: pairs below it are not scored.
    best_others = W_ADDRESS + W_DISTANCE + W_PHONE_SAME + W_CHAIN_SAME + W_POSTAL_SAME
    name_floor = ((W_NAME + best_others) * min_score - 100.0 * best_others) / W_NAME
    found: list[LikelyDuplicate] = []
    for hotel in directory:
        profile = hotel.profile
        for other in directory.candidates(pairing_blocks(hotel.blocks)):
            if other.record.ref <= hotel.record.ref:
                continue
            named = profile.name and other.profile.name
            if named and name_similarity(profile, other.profile) < name_floor:
                continue
            if score(profile, other.profile) >= min_score:
                why: list[str] = []
                value = score(profile, other.profile, why)
                found.append(
                    LikelyDuplicate(hotel.record, other.record, round(value, 1), tuple(why))
                )
    found.sort(key=lambda d: (-d.score, d.a.ref, d.b.ref))
    return found
