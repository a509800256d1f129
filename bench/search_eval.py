"""The labelled evaluation set: Spanish customer questions and the SKUs that answer them.

Built deterministically from a :func:`bench.search_data.products` catalogue. Question kinds:
``code`` (exact model code in a sentence), ``punctuation`` (the code lower-cased, hyphens
dropped or turned into spaces or dots), ``partial`` (the code cut at a part boundary: any
product whose code holds it answers), ``misspelled_brand`` (brand misspelled next to the code),
``features`` (brand, form, megapixels, channels, terabytes in customers' words, Rioplatense
phrasing, synonyms such as "camarita", "bala", "4 megas") and ``misspelled_words``.
A question is answered at rank r when the first of its expected SKUs is r-th; recall@5 is the
share of questions answered within the first five, MRR the mean of 1/r (0 when not in the list).
"""

from __future__ import annotations

import random
import re

import attrs

from bench.search_data import Product
from perla_core.search.text import compact_code

SEED = 20261124
OPENERS = [
    "che, ¿tenés {x}?", "hola! busco {x}", "¿cuánto sale {x}?", "necesito {x} para el negocio",
    "¿me pasás precio de {x}?", "¿tienen {x} en stock?", "quería saber si tenés {x}",
    "ando buscando {x}", "buenas, {x}", "{x}", "¿hay {x}?", "precio {x} por favor",
]  # fmt: skip
BRAND_TYPOS = {
    "Hikvision": ["jikvision", "hikvison", "hik vision", "hikvisión", "hickvision"],
    "Dahua": ["dahau", "dajua", "dahuia", "dahua"],
    "Ezviz": ["ezvis", "esviz", "ezbiz"],
    "Imou": ["imu", "imou"],
    "Uniview": ["univiu", "uniwiew", "unv"],
}
FORM_WORDS = {
    "domo": ["domo", "dome", "tipo domo", "domito"],
    "bullet": ["bala", "bullet", "tubo", "tipo bala"],
    "ptz": ["motorizada", "ptz", "robótica", "giratoria"],
    "cubo": ["cubo", "cubito"],
}
CAMERA_WORDS = ["cámara", "camarita", "camara", "cámaras", "cam"]
MP_WORDS = ["{n} megas", "{n}mp", "de {n} mp", "{n} megapíxeles", "{n}MP", "{n} mpx"]


@attrs.frozen
class Question:
    text: str
    expected: frozenset[str]
    kind: str


def _phrase(r: random.Random, x: str) -> str:
    return r.choice(OPENERS).format(x=x)


def _punctuated(r: random.Random, sku: str) -> str:
    style = r.choice(["lower", "nohyphen", "spaces", "dots", "mixed"])
    if style == "lower":
        return sku.lower()
    if style == "nohyphen":
        return re.sub(r"[-/]", "", sku).lower()
    if style == "spaces":
        return re.sub(r"[-/]", " ", sku)
    if style == "dots":
        return re.sub(r"[-/]", ".", sku).lower()
    return re.sub(r"[-/]", "", sku).upper()


def _partial(sku: str) -> str | None:
    parts = re.split(r"[-/]", sku)
    if len(parts) >= 3:
        return "-".join(parts[1:-1])
    if len(parts) == 2 and len(parts[0]) >= 6:
        return parts[0]
    return None


def _typo(r: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = r.randrange(1, len(word) - 2)
    if r.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def questions(catalogue: list[Product], *, seed: int = SEED) -> list[Question]:
    r = random.Random(seed)
    out: list[Question] = []
    compact = {p.sku: compact_code(p.sku) for p in catalogue}
    sample = r.sample(catalogue, 110)
    for p in sample[:30]:
        out.append(Question(_phrase(r, f"el {p.sku}"), frozenset({p.sku}), "code"))
    for p in sample[30:60]:
        out.append(Question(_phrase(r, _punctuated(r, p.sku)), frozenset({p.sku}), "punctuation"))
    partials = 0
    for p in sample[60:]:
        cut = _partial(p.sku)
        if cut is None or len(compact_code(cut)) < 6 or partials >= 25:
            continue
        key = compact_code(cut)
        answers = frozenset(s for s, c in compact.items() if key in c)
        out.append(Question(_phrase(r, cut), answers, "partial"))
        partials += 1
    cameras = [p for p in catalogue if p.family == "camera"]
    for p in r.sample([c for c in cameras if c.brand in BRAND_TYPOS], 15):
        code = _punctuated(r, p.sku) if r.random() < 0.5 else p.sku
        out.append(
            Question(
                _phrase(r, f"{r.choice(BRAND_TYPOS[p.brand])} {code}"),
                frozenset({p.sku}),
                "misspelled_brand",
            )
        )  # fmt: skip
    out.extend(_feature_questions(r, catalogue))
    return out


def _feature_questions(r: random.Random, catalogue: list[Product]) -> list[Question]:
    out: list[Question] = []
    cameras = [p for p in catalogue if p.family == "camera"]
    for _ in range(45):
        p = r.choice(cameras)
        answers = frozenset(
            c.sku for c in cameras if (c.brand, c.form, c.mp) == (p.brand, p.form, p.mp)
        )
        brand = p.brand if r.random() < 0.7 else r.choice(BRAND_TYPOS.get(p.brand, [p.brand]))
        words = [
            r.choice(CAMERA_WORDS),
            r.choice(FORM_WORDS[p.form]),
            r.choice(MP_WORDS).format(n=p.mp),
            brand,
        ]
        if r.random() < 0.3:
            words.append("para afuera" if p.exterior else "para adentro")
        head, tail = words[:2], words[2:]
        r.shuffle(tail)
        text = " ".join(head + tail)
        kind = "features"
        if r.random() < 0.25:
            text = " ".join(_typo(r, w) if w in CAMERA_WORDS else w for w in text.split())
            kind = "misspelled_words"
        out.append(Question(_phrase(r, f"una {text}"), answers, kind))
    recorders = [p for p in catalogue if p.family == "recorder"]
    for _ in range(20):
        p = r.choice(recorders)
        answers = frozenset(
            c.sku for c in recorders
            if (c.brand, c.channels, c.technology) == (p.brand, p.channels, p.technology)
        )  # fmt: skip
        kind_word = (
            "nvr"
            if p.technology == "ip"
            else r.choice(["dvr", "xvr"] if p.brand == "Dahua" else ["dvr"])
        )
        word = r.choice(["grabador", "grabadora", "un", "grabador", "grabdor"])
        channels = r.choice([f"{p.channels} canales", f"de {p.channels} ch", f"{p.channels}ch"])
        out.append(
            Question(_phrase(r, f"{word} {kind_word} {p.brand.lower()} {channels}"), answers,
                     "misspelled_words" if word == "grabdor" else "features")
        )  # fmt: skip
    disks = [p for p in catalogue if p.family == "disk"]
    for _ in range(12):
        p = r.choice(disks)
        answers = frozenset(c.sku for c in disks if (c.brand, c.tb) == (p.brand, p.tb))
        brand = r.choice(
            [p.brand, p.brand.split()[0], "purple" if p.brand.startswith("W") else "skyhawk"]
        )
        size = r.choice([f"{p.tb} teras", f"{p.tb}TB", f"de {p.tb} tb"])
        disk = r.choice(["disco rígido", "disco", "rigido", "dsico"])
        out.append(Question(_phrase(r, f"{disk} {brand} {size}"), answers, "features"))
    switches = [p for p in catalogue if p.family == "switch"]
    for _ in range(8):
        p = r.choice(switches)
        answers = frozenset(
            c.sku for c in switches if (c.brand, c.channels) == (p.brand, p.channels)
        )
        out.append(
            Question(
                _phrase(r, f"switch poe {p.brand} de {p.channels} puertos"), answers, "features"
            )
        )
    wifi = frozenset(p.sku for p in cameras if p.wifi)
    for text in [
        "una camarita wifi para ver desde el celu", "cámara inalámbrica para la casa",
        "camara wifi con audio para vigilar el local", "algo wifi para ver desde el celular",
    ]:  # fmt: skip
        out.append(Question(text, wifi, "features"))
    return out
