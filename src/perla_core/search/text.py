"""Spanish text and model-code normalisation, shared by every retriever and adapter.

Both the index and the query go through :func:`terms`, so the memory adapter, LanceDB's
full-text index (fed the already-normalised terms, whitespace-tokenised) and the
:class:`~perla_core.search.embedding.HashingEmbedder` all see the same tokens:

- words: accents folded, lower-cased, a few CCTV synonyms and Rioplatense ways of saying
  things mapped to one form ("camarita" -> "camara", "domo" -> "dome", "4 megas" -> "4mp"),
  Spanish stop words dropped, then :func:`stem` (a light Snowball-like suffix stripper);
- model codes (a chunk holding letters and digits, such as ``DS-2CD1043G0-I``): the compact
  form without punctuation (``ds2cd1043g0i``) and, on the index side only, every prefix of
  at least :data:`MIN_CODE_PREFIX` characters of the compact form and of each tail that
  starts at a part boundary (``2cd1043g0i``, ``2cd1043``...). So ``ds 2cd1043g0i``,
  ``DS2CD1043G0I`` and ``2CD1043`` all meet a token of the product; the full code is
  indexed twice, so an exact code outranks a longer code it is a prefix of.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from perla_core.kernel.text import fold

MIN_CODE_PREFIX = 4
_CHUNK = re.compile(r"[^\s,;:!?¿¡()\[\]{}\"'<>|*+=]+")
_WORD = re.compile(r"[a-z0-9ñ]+")
_HAS_DIGIT = re.compile(r"\d")
_HAS_ALPHA = re.compile(r"[a-z]")
_NUMBER_UNIT = re.compile(
    r"\b(\d+(?:[.,]\d+)?)\s*(megas?|mega ?pixel(?:es|s)?|megapixel(?:es|s)?|mpx?|mp|"
    r"canales|canal|ch|teras?|tb|gigas?|gb|pulgadas|mm|metros|mts?)\b"
)
_UNITS = {
    "mega": "mp", "megas": "mp", "megapixel": "mp", "megapixeles": "mp", "megapixels": "mp",
    "mega pixel": "mp", "mega pixeles": "mp", "mega pixels": "mp", "mpx": "mp", "mp": "mp",
    "mx": "mp", "canales": "ch", "canal": "ch", "ch": "ch", "tera": "tb", "teras": "tb",
    "tb": "tb", "giga": "gb", "gigas": "gb", "gb": "gb", "pulgadas": "in", "mm": "mm",
    "metros": "m", "mts": "m", "mt": "m",
}  # fmt: skip

SYNONYMS = {
    "camarita": "camara", "camaritas": "camara", "camaras": "camara", "cam": "camara",
    "cams": "camara", "domo": "dome", "domos": "dome", "domito": "dome", "bala": "bullet",
    "balas": "bullet", "tubo": "bullet", "tubular": "bullet", "grabadora": "grabador",
    "grabadoras": "grabador", "dvrs": "dvr", "nvrs": "nvr", "xvrs": "xvr",
    "inalambrica": "wifi", "inalambricas": "wifi", "inalambrico": "wifi", "wi": "wifi",
    "wireless": "wifi", "nocturna": "infrarrojo", "noche": "infrarrojo", "ir": "infrarrojo",
    "infrarroja": "infrarrojo", "exterior": "exterior", "afuera": "exterior",
    "intemperie": "exterior", "interior": "interior", "adentro": "interior",
    "hikvision": "hikvision", "hik": "hikvision", "hikvisio": "hikvision",
    "jikvision": "hikvision", "ezviz": "ezviz", "dahua": "dahua", "dahu": "dahua",
    "rotativa": "ptz", "motorizada": "ptz", "robotica": "ptz", "giratoria": "ptz",
    "fuente": "fuente", "trafo": "fuente", "transformador": "fuente", "poe": "poe",
    "rigido": "disco", "hdd": "disco", "microfono": "audio", "mic": "audio",
    "portero": "portero", "videoportero": "portero", "timbre": "portero",
    "full": "full", "fullhd": "1080p", "hd": "hd", "4k": "8mp", "1080": "1080p",
    "cubito": "cubo", "celu": "celular", "cel": "celular", "bocas": "puertos",
    "lente": "lente", "varifocal": "varifocal", "motorizado": "varifocal",
}  # fmt: skip

_STOP_WORDS_TEXT = """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun bien cada como con
    contra cual cuales cuando cuanto cuanta cuantos cuantas de del desde donde dos e el ella
    ellas ellos en entre era es esa esas ese eso esos esta estan estas este esto estos fue
    ha hay hasta la las le les lo los mas me mi mis mucho muy nada ni no nos o otra otro
    para pero poco por porque que quien se sea ser si sin sobre solo son su sus tambien tan
    tanto te tiene tienen toda todo todos tu tus u un una unas uno unos y ya yo vos usted
    ustedes hola che buenas buen buenos dia dias tardes noches gracias saludos consulta
    consultar quiero queria quisiera necesito necesitaria busco buscaba estoy estaba ando
    tenes tenés tendrias tendrian tenian venden vendes tenia habra habria podrias podrian
    puede pueden favor porfa porfis info informacion precio precios sale salen vale valen
    cuesta cuestan mostrar mostrame pasame pasen pasas decime dame algo alguna cosa tipo
    mismo
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_SUFFIXES = (
    "amientos", "imientos", "aciones", "uciones", "amiento", "imiento", "adoras", "adores",
    "idades", "ciones", "mente", "illas", "illos", "ables", "ibles", "adora", "ador",
    "cion", "idad", "itas", "itos", "illa", "illo", "able", "ible", "osas", "osos",
    "ita", "ito", "osa", "oso", "es", "s",
)  # fmt: skip


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light Spanish stemmer: one derivational/plural suffix, then a final vowel.

    ``camaras``, ``camarita`` and ``camara`` give ``camar``; ``grabador``, ``grabadora``
    and ``grabadores`` give ``grab``. Words of three letters or fewer and anything holding a
    digit stay as they are. Deliberately conservative: over-stemming merges product words
    that must differ.
    """
    if len(word) <= 3 or _HAS_DIGIT.search(word):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word[-1] in "aeo" and len(word) > 3:
        word = word[:-1]
    return word


def compact_code(text: str) -> str:
    """A model code without case or punctuation: ``DS-2CD1043G0-I`` -> ``ds2cd1043g0i``."""
    return "".join(_WORD.findall(fold(text)))


def is_code(chunk: str) -> bool:
    """Letters and digits together, at least four characters once compacted (not ``4mp``)."""
    compact = "".join(_WORD.findall(chunk))
    return (
        len(compact) >= MIN_CODE_PREFIX
        and bool(_HAS_DIGIT.search(compact))
        and bool(_HAS_ALPHA.search(compact))
        and compact not in _UNIT_TOKENS
    )


def code_prefixes(chunk: str) -> list[str]:
    """The compact code and the prefixes of each tail starting at a part boundary."""
    parts = _WORD.findall(chunk)
    out: list[str] = []
    for start in range(len(parts)):
        tail = "".join(parts[start:])
        if len(tail) < MIN_CODE_PREFIX or not _HAS_DIGIT.search(tail):
            continue
        out.extend(tail[:end] for end in range(MIN_CODE_PREFIX, len(tail) + 1))
    return out


def _units(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        number = match.group(1).replace(",", ".").removesuffix(".0")
        return f" {number.replace('.', '')}{_UNITS[match.group(2)]} "

    return _NUMBER_UNIT.sub(replace, text)


_UNIT_TOKENS = frozenset(
    f"{n}{u}" for n in range(1, 129) for u in ("mp", "ch", "tb", "gb", "mm", "in", "m")
)


def _word_terms(chunk: str) -> list[str]:
    out = []
    for raw in _WORD.findall(chunk.replace("ñ", "n")):
        word = SYNONYMS.get(raw, raw)
        if word in STOP_WORDS or (len(word) == 1 and not word.isdigit()):
            continue
        out.append(stem(word))
    return out


def terms(text: str, *, for_index: bool = False) -> list[str]:
    """The normalised tokens of ``text`` (see the module docstring); order kept."""
    out: list[str] = []
    primaries: list[str] = []
    for chunk in _CHUNK.findall(_units(fold(text))):
        if is_code(chunk):
            compact = "".join(_WORD.findall(chunk))
            out.append(compact)
            primaries.append(compact)
            if for_index:
                out.extend(code_prefixes(chunk))
            else:
                out.extend(p for p in _WORD.findall(chunk) if len(p) >= MIN_CODE_PREFIX)
        else:
            words = _word_terms(chunk)
            out.extend(words)
            primaries.extend(words)
    if not for_index:
        out.extend(_joined_codes(primaries))
    return out


def _code_part(token: str) -> bool:
    return token not in _UNIT_TOKENS and (
        bool(_HAS_DIGIT.search(token)) or (token.isalpha() and len(token) <= 4)
    )


def _joined_codes(tokens: list[str]) -> list[str]:
    """``ds 2cd1043g0i`` typed with a space: also try neighbours glued into one code."""
    return [
        left + right
        for left, right in pairwise(tokens)
        if _code_part(left) and _code_part(right) and is_code(left + right)
    ]


def index_text(text: str) -> str:
    """The index-side terms as one whitespace-separated string (LanceDB's FTS column)."""
    return " ".join(terms(text, for_index=True))


def query_text(text: str) -> str:
    """The query-side terms as one whitespace-separated string, deduplicated."""
    return " ".join(dict.fromkeys(terms(text)))
