"""What hotel matching compares: names, addresses and cities reduced to what tells hotels apart.

Suppliers describe the same hotel differently: "Hotel Sevilla Centro", "SEVILLA CENTRO HOTEL",
"NH Sevilla Centro", "Hostal Sevilla Centro"? Matching compares the words that identify the
hotel, after folding accents, case and punctuation and setting aside:

- common words in several languages (hotel, hostal, apartamentos, resort, spa, suites, the, el,
  la, le, il, de, del ...), of which the words saying what kind of establishment it is (hotel,
  hostal, hostel, apartments, B&B) are kept apart as ``kinds``: a hostal and a hotel of the same
  name are two places;
- chains and their brands (H10, NH, Meliá, Iberostar, Barceló, Riu ...), kept apart as the
  ``chain`` signal instead of being lost: "NH Sevilla Centro" is "sevilla centro" of chain NH.

Addresses expand the usual abbreviations (``C/`` -> calle, ``Avda.`` -> avenida, ``Pza.`` ->
plaza, ``R.`` -> rua in Portugal and rue in France, ``P.za`` -> piazza ...), and keep their
house numbers apart: the same street with another number is another building.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from perla_core.kernel.text import fold

_WORDS: Final = re.compile(r"[a-z0-9]+|&")
_ADDRESS_WORDS: Final = re.compile(r"\d+(?:[a-z](?![a-z]))?|[a-z]+")
# Letters NFKD does not take apart (Sacré-Cœur, Ærø).
_LIGATURES: Final = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "\u0131": "i"}
)


def _fold(text: str) -> str:
    return fold(text).translate(_LIGATURES)


# --- names -----------------------------------------------------------------------------------

# The display name of each chain and the words (folded) that name it or its brands.
CHAINS: Final[Mapping[str, tuple[str, ...]]] = {
    "AC": ("ac", "ac hotel", "ac hotels"),
    "B&B Hotels": ("b & b hotel", "b & b hotels", "bb hotels"),
    "Barceló": ("barcelo", "occidental", "allegro"),
    "Best Western": ("best western", "best western plus", "best western premier"),
    "Campanile": ("campanile",),
    "Catalonia": ("catalonia",),
    "Eurostars": ("eurostars",),
    "Exe": ("exe",),
    "H10": ("h10",),
    "Hesperia": ("hesperia",),
    "Hilton": ("hilton", "doubletree by hilton", "hampton by hilton"),
    "Holiday Inn": ("holiday inn", "holiday inn express"),
    "Iberostar": ("iberostar", "iberostar selection"),
    "Ibis": ("ibis", "ibis styles", "ibis budget"),
    "Ilunion": ("ilunion",),
    "Kyriad": ("kyriad",),
    "Marriott": ("marriott", "courtyard by marriott", "courtyard marriott"),
    "Meliá": ("melia", "gran melia", "sol melia", "innside by melia", "innside"),
    "Mercure": ("mercure",),
    "NH": ("nh", "nh collection", "nhow"),
    "Novotel": ("novotel",),
    "Paradores": ("parador", "paradores", "parador de turismo"),
    "Pestana": ("pestana",),
    "Petit Palace": ("petit palace",),
    "Pullman": ("pullman",),
    "Radisson": ("radisson", "radisson blu"),
    "Riu": ("riu",),
    "Room Mate": ("room mate", "roommate"),
    "Sercotel": ("sercotel",),
    "Sheraton": ("sheraton",),
    "Silken": ("silken",),
    "Sofitel": ("sofitel",),
    "Starhotels": ("starhotels",),
    "Tivoli": ("tivoli",),
    "Vila Galé": ("vila gale",),
    "Vincci": ("vincci",),
    "Zenit": ("zenit",),
}

# Words saying what kind of establishment it is. An aparthotel is both a hotel and apartments.
KIND_WORDS: Final[Mapping[str, frozenset[str]]] = {
    **dict.fromkeys(("hotel", "hotels", "hoteles", "hotell", "albergo"), frozenset({"hotel"})),
    **dict.fromkeys(("resort", "resorts"), frozenset({"hotel"})),
    **dict.fromkeys(("hostal", "hostales", "pension", "pensao", "locanda"), frozenset({"hostal"})),
    **dict.fromkeys(("hostel", "hostels", "albergue", "ostello", "auberge"), frozenset({"hostel"})),
    **dict.fromkeys(
        (
            "apartamentos",
            "apartamento",
            "apartments",
            "apartment",
            "apartaments",
            "appartamenti",
            "appartements",
            "residence",
            "residenza",
        ),
        frozenset({"apartments"}),
    ),
    **dict.fromkeys(
        ("aparthotel", "apartahotel", "apartotel", "apparthotel"),
        frozenset({"hotel", "apartments"}),
    ),
    **dict.fromkeys(("bnb",), frozenset({"b&b"})),
}
_KIND_PHRASES: Final[Mapping[tuple[str, ...], frozenset[str]]] = {
    ("b", "&", "b"): frozenset({"b&b"}),
    ("b", "b"): frozenset({"b&b"}),
    ("bed", "and", "breakfast"): frozenset({"b&b"}),
    ("bed", "&", "breakfast"): frozenset({"b&b"}),
    ("guest", "house"): frozenset({"hostal"}),
    ("apart", "hotel"): frozenset({"hotel", "apartments"}),
    ("appart", "hotel"): frozenset({"hotel", "apartments"}),
}

# Words that say nothing about which hotel it is, in Spanish, Catalan, Portuguese, Italian,
# French and English.
NAME_STOPWORDS: Final = frozenset(
    {
        "spa",
        "suites",
        "suite",
        "boutique",
        "design",
        "apart",
        "&",
        "and",
        "y",
        "i",
        "e",
        "et",
        "by",
        "the",
        "a",
        "el",
        "la",
        "los",
        "las",
        "lo",
        "le",
        "les",
        "l",
        "il",
        "gli",
        "o",
        "os",
        "as",
        "de",
        "del",
        "dels",
        "della",
        "delle",
        "dello",
        "dei",
        "degli",
        "di",
        "d",
        "da",
        "do",
        "dos",
        "das",
        "du",
        "des",
        "of",
        "collection",
        "selection",
    }
)


def _phrases(table: Mapping[str, tuple[str, ...]]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for display, aliases in table.items():
        for alias in aliases:
            words = tuple(_WORDS.findall(alias))
            by_first.setdefault(words[0], []).append((words, display))
    for options in by_first.values():
        options.sort(key=lambda option: -len(option[0]))  # the longest brand first
    return by_first


_CHAIN_PHRASES: Final = _phrases(CHAINS)
_CHAIN_KEYS: Final = {fold(display): display for display in CHAINS}


@attrs.frozen
class NormalisedName:
    """A hotel name reduced to the words that identify it, with its chain and kinds apart.

    ``text`` keeps the identifying words in their order (``"sevilla centro"``); ``chain`` is the
    chain's display name (``"NH"``) or ``None``; ``kinds`` what the name says it is
    (``{"hostal"}``), empty when it says nothing.
    """

    text: str
    chain: str | None = None
    kinds: frozenset[str] = frozenset()

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.text.split())


def normalise_name(name: str) -> NormalisedName:
    """``"Hotel NH Collection Sevilla-Centro"`` -> ``sevilla centro``, chain NH, kind hotel."""
    words = _WORDS.findall(_fold(name))
    kept: list[str] = []
    chain: str | None = None
    kinds: set[str] = set()
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        step = 0
        for phrase, display in _CHAIN_PHRASES.get(word, ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                chain = chain or display
                step = len(phrase)
                break
        if not step:
            for phrase, phrase_kinds in _KIND_PHRASES.items():
                if phrase[0] == word and tuple(words[i : i + len(phrase)]) == phrase:
                    kinds |= phrase_kinds
                    step = len(phrase)
                    break
        if step:
            i += step
            continue
        tags = KIND_WORDS.get(word)
        if tags is not None:
            kinds |= tags
        elif word not in NAME_STOPWORDS:
            kept.append(word)
        i += 1
    if not kept:  # "Hotel Ibis", "The Hostel": what is left is still the best name there is
        source = words if chain is None else _WORDS.findall(_fold(chain))
        kept = [w for w in source if w != "&"]
    return NormalisedName(" ".join(kept), chain, frozenset(kinds))


def canonical_chain(text: str | None) -> str | None:
    """The display name of a known chain named in ``text`` (``"nh hoteles"`` -> ``"NH"``);
    an unknown chain keeps its own name; blank gives ``None``."""
    if text is None or not text.strip():
        return None
    folded = fold(text)
    known = _CHAIN_KEYS.get(folded)
    if known is not None:
        return known
    found = normalise_name(text).chain
    return found if found is not None else " ".join(text.split())


def chain_key(chain: str | None) -> str | None:
    return None if chain is None else fold(chain)


# --- addresses -------------------------------------------------------------------------------

_ABBREVIATIONS: Final[Mapping[str, str]] = {
    "c": "calle",
    "cl": "calle",
    "cll": "calle",
    "avda": "avenida",
    "avd": "avenida",
    "av": "avenida",
    "avnda": "avenida",
    "pza": "plaza",
    "plz": "plaza",
    "pl": "plaza",
    "pso": "paseo",
    "po": "paseo",
    "ps": "paseo",
    "ctra": "carretera",
    "cra": "carretera",
    "rda": "ronda",
    "trav": "travesia",
    "urb": "urbanizacion",
    "st": "street",
    "str": "street",
    "rd": "road",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
}
_BY_COUNTRY: Final[Mapping[str, Mapping[str, str]]] = {
    "PT": {
        "r": "rua",
        "av": "avenida",
        "pca": "praca",
        "pc": "praca",
        "lg": "largo",
        "lgo": "largo",
        "tv": "travessa",
        "trav": "travessa",
        "estr": "estrada",
        "al": "alameda",
    },
    "FR": {
        "r": "rue",
        "av": "avenue",
        "ave": "avenue",
        "pl": "place",
        "bd": "boulevard",
        "bvd": "boulevard",
        "fg": "faubourg",
        "qu": "quai",
        "imp": "impasse",
        "all": "allee",
        "ch": "chemin",
        "rte": "route",
        "sq": "square",
        "st": "saint",
        "ste": "sainte",
    },
    "IT": {
        "v": "via",
        "p": "piazza",
        "pza": "piazza",
        "pzza": "piazza",
        "pl": "piazzale",
        "c": "corso",
        "cso": "corso",
        "vle": "viale",
        "lgo": "largo",
        "lungomare": "lungomare",
    },
}
_ABBREVIATED: Final = {cc: {**_ABBREVIATIONS, **overrides} for cc, overrides in _BY_COUNTRY.items()}
# Italian abbreviations written with a dot inside the word, and the Spanish "calle" as "C/".
_DOTTED: Final = re.compile(r"\b(p\.\s?za|c\.\s?so|v\.\s?le|l\.\s?go|c/|s/n|n[o°]\.?(?=\s*\d))")
# A Portuguese postal code ("1100-148") read as one 5-digit token: a postal code.
_PT_POSTAL: Final = re.compile(r"\b\d{4}-\d{3}\b")
_DOTTED_WORDS: Final = {
    "p.za": "piazza",
    "pza": "piazza",
    "c.so": "corso",
    "cso": "corso",
    "v.le": "viale",
    "vle": "viale",
    "l.go": "largo",
    "lgo": "largo",
    "c/": "calle",
    "s/n": "",
}

STREET_TYPES: Final = frozenset(
    {
        "calle",
        "carrer",
        "avenida",
        "avinguda",
        "plaza",
        "placa",
        "paseo",
        "passeig",
        "carretera",
        "ronda",
        "travesia",
        "camino",
        "urbanizacion",
        "rua",
        "praca",
        "largo",
        "travessa",
        "estrada",
        "alameda",
        "rue",
        "avenue",
        "place",
        "boulevard",
        "quai",
        "impasse",
        "allee",
        "chemin",
        "route",
        "faubourg",
        "square",
        "cours",
        "via",
        "viale",
        "piazza",
        "piazzale",
        "corso",
        "vicolo",
        "strada",
        "lungomare",
        "street",
        "road",
    }
)
# A number followed by one of these names the street ("25 de Abril", "20 Settembre").
_NAMING_NUMBER: Final = frozenset(
    {"de", "do", "da", "di", "del", "della", "du", "des", "d"}
    | {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"}
    | {"septiembre", "octubre", "noviembre", "diciembre", "janeiro", "fevereiro", "marco"}
    | {"maio", "junho", "julho", "setembro", "outubro", "novembro", "dezembro", "gennaio"}
    | {"febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre"}
    | {"novembre", "dicembre", "janvier", "fevrier", "mars", "avril", "mai", "juin"}
    | {"juillet", "aout", "septembre", "octobre", "decembre"}
)
_ADDRESS_STOPWORDS: Final = NAME_STOPWORDS - {"e", "i", "a", "o", "os", "as"} | {
    "no",
    "n",
    "num",
    "numero",
    "nr",
    "sn",
    "bis",
    "ter",
}


@attrs.frozen
class NormalisedAddress:
    """An address with its abbreviations expanded.

    ``text`` is the whole address folded (``"calle sierpes 12"``); ``street`` only the words
    naming the street, without its type or numbers (``"sierpes"``); ``numbers`` the house
    numbers, compared apart (``("12",)``).
    """

    text: str
    street: str
    numbers: tuple[str, ...]


def _undot(match: re.Match[str]) -> str:
    token = match.group(0).replace(" ", "")
    return f" {_DOTTED_WORDS.get(token, '')} "


def normalise_address(
    address: str, country: str | None = None, city: str | None = None
) -> NormalisedAddress:
    """``"C/ Sierpes, nº 12, 41004 Sevilla"`` -> ``calle sierpes 12``: street ``sierpes``,
    number ``12``. Numbers that name the street ("Rua 5 de Outubro", "Via 20 Settembre") are
    part of the street, not house numbers; a postal code, and ``city`` written after it or
    after the house number, are left out."""
    folded = _PT_POSTAL.sub(" 00000 ", _DOTTED.sub(_undot, _fold(address)))
    table = _ABBREVIATED.get(country or "", _ABBREVIATIONS)
    tokens = _ADDRESS_WORDS.findall(folded)
    city_words = set(city_key(city).split()) if city else set()
    number_first = country == "FR"  # "12 rue de Rivoli" there, "Calle Sierpes 12" elsewhere
    words: list[str] = []
    street: list[str] = []
    numbers: list[str] = []
    tail = False  # past the postal code (or, where the number comes last, the number)
    for i, token in enumerate(tokens):
        if token[0].isdigit():
            if len(token) >= 5:  # a postal code written into the address
                tail = True
                continue
            words.append(token)
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if following in _NAMING_NUMBER:
                street.append(token)
            else:
                numbers.append(token)
                tail = tail or not number_first
            continue
        word = table.get(token, token)
        if word in _ADDRESS_STOPWORDS or (tail and word in city_words):
            continue
        words.append(word)
        if word not in STREET_TYPES:
            street.append(word)
    if not street:  # "Via del Corso": the street's name is a street type
        street = [w for w in words if not w[0].isdigit()]
    return NormalisedAddress(" ".join(words), " ".join(street), tuple(numbers))


# --- cities ------------------------------------------------------------------------------------

_CITY_NAMES: Final[Mapping[str, str]] = {
    "seville": "sevilla",
    "sevilha": "sevilla",
    "saragossa": "zaragoza",
    "majorca": "palma",
    "palma de mallorca": "palma",
    "la coruna": "a coruna",
    "corunna": "a coruna",
    "san sebastian": "donostia san sebastian",
    "donostia": "donostia san sebastian",
    "lisbon": "lisboa",
    "lisbonne": "lisboa",
    "oporto": "porto",
    "rome": "roma",
    "florence": "firenze",
    "milan": "milano",
    "venice": "venezia",
    "venise": "venezia",
    "naples": "napoli",
    "turin": "torino",
    "genoa": "genova",
    "padua": "padova",
    "syracuse": "siracusa",
    "marseilles": "marseille",
    "lyons": "lyon",
}


def city_key(city: str) -> str:
    """A city folded to one spelling: ``"Sevilla"``, ``"SEVILLE"`` and ``"Sevilha"`` ->
    ``"sevilla"``; ``"Aix-en-Provence"`` -> ``"aix en provence"``."""
    words = " ".join(_WORDS.findall(_fold(city.replace("&", " "))))
    return _CITY_NAMES.get(words, words)


def words_of(texts: Iterable[str]) -> list[str]:
    """Every folded word of ``texts``, in order."""
    return [w for text in texts for w in _WORDS.findall(_fold(text))]
