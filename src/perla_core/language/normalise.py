"""Text helpers for customer messages: folding, emoji-only detection and a language hint."""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from perla_core.kernel.text import fold

LanguageHint = Literal["es", "en", "pt", "unknown"]

_REPEATS: Final = re.compile(r"([a-z])\1{2,}")
_PUNCTUATION: Final = re.compile(r"[^\w\s%/\-.,]")
_WORDS: Final = re.compile(r"[a-z]+")
# Common WhatsApp spellings, folded: "kiero" is "quiero", "q" is "que".
_SPELLINGS: Final = {
    "kiero": "quiero",
    "kero": "quiero",
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "tenes": "tenes",
    "tenez": "tenes",
    "tienes": "tenes",
    "cuato": "cuanto",
    "cuannto": "cuanto",
    "kuanto": "cuanto",
    "cuantoo": "cuanto",
    "cuánto": "cuanto",
    "camra": "camara",
    "kamara": "camara",
    "camaraa": "camara",
    "porfa": "por favor",
    "xfa": "por favor",
    "pls": "por favor",
    "bs": "buenas",
}


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS: Final[dict[LanguageHint, frozenset[str]]] = {
    "es": _vocabulary(
        "el la los las de del que y en un una por para con no si hola quiero tenes tienen "
        "cuanto sale precio hay me mi es esta dale buenas gracias camara camaras cuotas "
        "pasame vendedor necesito busco como"
    ),
    "en": _vocabulary(
        "the an and or is are you your my me to of for in on with what how much "
        "please hello hi want need give ignore instructions price do does can this that"
    ),
    "pt": _vocabulary(
        "voce vocês voces obrigado obrigada quanto custa tem nao sim com uma um para "
        "preco quero olá ola bom dia"
    ),
}


def fold_message(text: str) -> str:
    """A message ready for matching: folded (no accents, lower case), letters repeated three
    times or more collapsed ("holaaa" -> "hola"), symbols dropped and common WhatsApp spellings
    fixed ("kiero" -> "quiero")."""
    folded = _REPEATS.sub(r"\1", fold(text))
    folded = _PUNCTUATION.sub(" ", folded)
    words = [_SPELLINGS.get(word, word) for word in folded.split()]
    return " ".join(words)


def is_emoji_only(text: str) -> bool:
    """True when the message has symbols but no letter or digit (``"👍👍"``, ``"🙏 !"``)."""
    stripped = "".join(c for c in text if not c.isspace())
    if not stripped:
        return False
    return not any(unicodedata.category(c)[0] in "LN" for c in stripped)


def language_hint(text: str) -> LanguageHint:
    """A cheap guess of the message's language by counting common words; ``unknown`` when no
    list wins clearly (short messages, product codes, non-Latin scripts)."""
    words = _WORDS.findall(fold(text))
    if not words:
        return "unknown"
    scores = {lang: sum(w in vocabulary for w in words) for lang, vocabulary in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return "unknown"
    return best


__all__ = ["LanguageHint", "fold_message", "is_emoji_only", "language_hint"]
