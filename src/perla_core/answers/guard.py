"""The guard between a language model's draft and the customer (issue 7: grounded answers).

A model may phrase an answer more warmly than a template, but it may not *say* anything the
data does not. :func:`check_draft` reads every figure and product name of a draft and matches
it against the :class:`~perla_core.answers.facts.ProductFacts` the model was given:

- prices (``$45.999``, ``45.999,00``, ``$ 45 mil``, ``USD 120``, ``u$s 120``, ``120 dólares``)
  must equal a price of a product the sentence is about, in that currency;
- stock figures (``hay 12``, ``12 unidades``, ``12 en stock``) must equal its ``stock_total``,
  and "en stock"/"disponible" needs a product actually in stock;
- sheet figures (``4 MP``, ``2.8 mm``, ``30 m``, ``2 TB``) must be on its sheet;
- percentages and installments (``10%``, ``3 cuotas``) only when the caller allows the number;
- any other number must be one of the above; numbers spelt out ("doce") count too;
- model codes (letters and digits, ``DS-2CD1043G0-I``; compared without punctuation or case)
  must be a model or sku of the facts, and a known brand must be one of theirs.

A figure must hold for the product named just before it and the one named just after it in
its sentence (or the last one named earlier), so one product's price quoted for another is
refused too. Anything unread or unmatched makes the
draft unsupported: the guard prefers a template answer to an unchecked figure.

:func:`compose_answer` asks the model for a draft given only the facts, and sends the template
answer instead whenever the draft is empty, too long, refused by the guard or the model failed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final

import attrs

from perla_core.answers.facts import ProductFacts
from perla_core.answers.question import Question
from perla_core.answers.templates import (
    list_answer,
    product_answer,
    quantity_answer,
)
from perla_core.kernel.money import Money
from perla_core.language.errors import LanguageModelError
from perla_core.language.ports import LanguageModel, ModelMessage, ModelRequest
from perla_core.messaging.messages import (
    INTERACTIVE_BODY_MAX,
    ROWS_MAX,
    TEXT_MAX,
    ListMessage,
    OutgoingMessage,
    TextMessage,
)

KNOWN_BRANDS: Final = (
    "hikvision", "hilook", "ezviz", "dahua", "imou", "uniview", "tiandy", "tp-link", "tplink",
    "tapo", "ubiquiti", "mikrotik", "western digital", "seagate", "toshiba", "axis", "ajax",
    "dsc", "paradox", "garnet", "zkteco", "provision", "hanwha", "samsung", "bosch",
    "honeywell", "reolink", "intelbras", "epcom", "nexxt",
)  # fmt: skip
"""Brands a draft might name; one not among the facts' brands is unsupported."""

TECHNICAL_TERMS: Final = frozenset(
    {"H264", "H265", "H265PLUS", "IP66", "IP67", "IK10", "2K", "4K", "RJ45", "WIFI6", "P2P",
     "1080P", "720P", "960P", "3G", "4G", "5G", "24HS", "12V", "12VDC", "24V", "220V", "2MPX"}
)  # fmt: skip
"""Letter-and-digit words that are not model codes."""

_MONEY = re.compile(
    r"(?P<cur>u\$s|u\$d|us\$|usd|ars|\$)\s*(?P<num>\d+(?:[.,]\d+)*)(?:\s*(?P<mil>mil|k)\b)?"
    r"|(?<![\w.,])(?P<num2>\d+(?:[.,]\d+)*)(?:\s*(?P<mil2>mil|k)\b)?\s*(?P<cur2>pesos|d[oó]lares|usd|ars)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)*)\s*(?:%|por\s*ciento\b)", re.IGNORECASE)
_INSTALMENTS = re.compile(r"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)*)\s*cuotas?\b", re.IGNORECASE)
_CODE = re.compile(r"(?<![\w$])[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*")
_NUMBER_WITH_UNIT = re.compile(
    r"^\d+(?:[.,]\d+)?(?:mp|mpx|mm|m|mts|tb|gb|p|k|v|w|ch|hs|x)$", re.IGNORECASE
)
_STOCK_AFTER = re.compile(
    r"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)*)\s*(?:unidades|unid\.?|u\.|en\s+stock|disponibles?|piezas)",
    re.IGNORECASE,
)
_STOCK_BEFORE = re.compile(
    r"\b(?:hay|tenemos|tengo|quedan?|stock(?:\s+de)?:?)\s+(?P<num>\d+(?:[.,]\d+)*)"
    r"(?![.,]?\d)(?!\s*(?:modelos?|opciones|productos?|tipos?)\b)",
    re.IGNORECASE,
)
_SPEC = re.compile(
    r"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)*)\s*(?:mp|mpx|megap[ií]xel(?:es)?|megas?|mm|mts|metros|m|tb|gb|"
    r"canales|ch)\b",
    re.IGNORECASE,
)
_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_AVAILABLE = re.compile(
    r"\b(?:hay|tenemos|tengo|queda[n]?)\s+(?:stock|disponible)|\ben\s+stock\b|\bdisponibles?\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:sin|no|agotad[oa]s?)\b", re.IGNORECASE)
_SEGMENTS = re.compile(r"(?<=[.!?])\s+|\n+|•|;")

NUMBER_WORDS: Final = {
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciséis": 16, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
    "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60,
    "setenta": 70, "ochenta": 80, "noventa": 90, "cien": 100, "ciento": 100,
    "doscientos": 200, "trescientos": 300, "quinientos": 500, "mil": 1000, "docena": 12,
    "media docena": 6,
}  # fmt: skip
_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)


@attrs.frozen
class GuardResult:
    """The guard's verdict: ``unsupported`` lists each claim of the draft the facts do not back."""

    unsupported: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unsupported


def readings(text: str) -> frozenset[Decimal]:
    """The values a number may mean as written in Argentina or elsewhere.

    ``45.999`` is 45999 (dots for thousands) or 45.999; ``45.999,00`` and ``45,999.00`` are
    45999; ``2,8`` and ``2.8`` are 2.8. A spelling that is neither (``4.5.6``) means nothing.
    """
    text = text.rstrip(".,")
    if not text:
        return frozenset()
    if text.isdigit():
        return frozenset({Decimal(text)})
    values: set[Decimal] = set()
    if "." in text and "," in text:
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        whole, _, fraction = text.rpartition(decimal_mark)
        if _grouped(whole, thousands) and fraction.isdigit():
            values.add(Decimal(f"{whole.replace(thousands, '')}.{fraction}"))
        return frozenset(values)
    mark = "." if "." in text else ","
    groups = text.split(mark)
    if len(groups) == 2 and all(g.isdigit() for g in groups):
        values.add(Decimal(f"{groups[0]}.{groups[1]}"))
    if _grouped(text, mark):
        values.add(Decimal(text.replace(mark, "")))
    return frozenset(values)


def _grouped(text: str, separator: str) -> bool:
    groups = text.split(separator)
    return (
        groups[0].isdigit()
        and 1 <= len(groups[0]) <= 3
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


def normalise_code(text: str) -> str:
    """A model code compared without punctuation or case: ``DS-2CD1043G0-I`` → ``DS2CD1043G0I``."""
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def _names(product: ProductFacts) -> frozenset[str]:
    """The codes that name ``product``: sku, model, and the model cut at a separator after its
    second part (``DS-2CD1043G0`` for ``DS-2CD1043G0-I(2.8mm)``)."""
    names = {normalise_code(product.sku), normalise_code(product.model)}
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", product.model) if p]
    for end in range(2, len(parts)):
        names.add(normalise_code("".join(parts[:end])))
    return frozenset(n for n in names if n)


def _is_code(token: str) -> bool:
    normal = normalise_code(token)
    return (
        any(c.isalpha() for c in normal)
        and any(c.isdigit() for c in normal)
        and not _NUMBER_WITH_UNIT.match(token)
    )


def _blank(text: str, match: re.Match[str]) -> str:
    start, end = match.span()
    return text[:start] + " " * (end - start) + text[end:]


def _money_values(match: re.Match[str]) -> frozenset[Decimal]:
    values = readings(match.group("num") or match.group("num2"))
    if match.group("mil") or match.group("mil2"):
        values = frozenset(v * 1000 for v in values)
    return values


def _currency_of(match: re.Match[str]) -> str:
    word = (match.group("cur") or match.group("cur2")).lower()
    return "ARS" if word in {"$", "ars", "pesos"} else "USD"


@attrs.frozen
class _Claim:
    kind: str  # "ARS", "USD", "stock", "spec", "context", "number"
    values: frozenset[Decimal]
    said: str
    at: int


def _amounts(money: Money) -> tuple[Decimal, Decimal]:
    return (money.amount, money.rounded().amount)


class _Scope:
    """The products a figure may be about: in its sentence, the last one named before it and the
    first named after it ("sale $ 45.999 la DS-...") — the figure must hold for both —, else
    the one the previous sentences named last; all of them until one is named."""

    def __init__(self, facts: Sequence[ProductFacts], context: frozenset[Decimal]) -> None:
        self.all = tuple(facts)
        self.current = self.all
        self.context = context

    def allowed(self, kind: str, products: Sequence[ProductFacts]) -> frozenset[Decimal]:
        ars = {a for p in products if p.price_ars is not None for a in _amounts(p.price_ars)}
        usd = {a for p in products if p.price_usd is not None for a in _amounts(p.price_usd)}
        in_stock = sum(p.in_stock for p in self.all)
        counts = {Decimal(n) for n in (len(self.all), in_stock, min(in_stock, ROWS_MAX))}
        stock = {Decimal(p.stock_total) for p in products}
        spec = {n for p in products for n in p.spec_numbers}
        table = {
            "ARS": ars,
            "USD": usd,
            "stock": stock,
            "spec": spec,
            "context": set(self.context),
            "number": ars | usd | stock | spec | counts | set(self.context),
        }
        return frozenset(table[kind])


def _claims(segment: str) -> tuple[list[_Claim], list[tuple[int, str]]]:
    """The figures of one sentence, most specific reading first, and its code-like words."""
    claims: list[_Claim] = []
    rest = segment
    for match in _MONEY.finditer(rest):
        said = match.group(0).strip()
        claims.append(_Claim(_currency_of(match), _money_values(match), said, match.start()))
        rest = _blank(rest, match)
    for pattern, kind in ((_PERCENT, "context"), (_INSTALMENTS, "context")):
        for match in pattern.finditer(rest):
            said = match.group(0).strip()
            claims.append(_Claim(kind, readings(match.group("num")), said, match.start()))
            rest = _blank(rest, match)
    codes: list[tuple[int, str]] = []
    for match in _CODE.finditer(rest):
        if normalise_code(match.group(0)) in TECHNICAL_TERMS:
            rest = _blank(rest, match)
        elif _is_code(match.group(0)):
            codes.append((match.start(), match.group(0)))
            rest = _blank(rest, match)
    for pattern, kind in ((_STOCK_AFTER, "stock"), (_STOCK_BEFORE, "stock"), (_SPEC, "spec")):
        for match in pattern.finditer(rest):
            said = match.group(0).strip()
            claims.append(_Claim(kind, readings(match.group("num")), said, match.start()))
            start, end = match.span("num")
            rest = rest[:start] + " " * (end - start) + rest[end:]
    for match in _ANY_NUMBER.finditer(rest):
        claims.append(_Claim("number", readings(match.group(0)), match.group(0), match.start()))
    for match in _NUMBER_WORD.finditer(rest):
        value = Decimal(NUMBER_WORDS[match.group(0).lower()])
        claims.append(_Claim("number", frozenset({value}), match.group(0), match.start()))
    return claims, codes


def check_draft(
    draft_text: str,
    facts: Sequence[ProductFacts],
    *,
    context_numbers: Iterable[int | Decimal] = (),
) -> GuardResult:
    """Every figure and product name of ``draft_text`` backed by ``facts``, or what is not.

    ``context_numbers`` are the figures the caller allows besides the facts (the quantity the
    customer asked for, an installment plan the financing rules offered).
    """
    scope = _Scope(facts, frozenset(Decimal(n) for n in context_numbers))
    names = {product.sku: _names(product) for product in facts}
    brands = {product.brand.lower() for product in facts}
    unsupported: list[str] = []
    lowered = draft_text.lower()
    for brand in KNOWN_BRANDS:
        if brand not in brands and re.search(rf"(?<!\w){re.escape(brand)}(?!\w)", lowered):
            unsupported.append(brand)
    for segment in _SEGMENTS.split(draft_text):
        claims, codes = _claims(segment)
        named: list[tuple[int, tuple[ProductFacts, ...]]] = []
        for at, code in codes:
            hits = tuple(p for p in facts if normalise_code(code) in names[p.sku])
            if hits:
                named.append((at, hits))
            else:
                unsupported.append(code)

        def about(
            position: int, named: list[tuple[int, tuple[ProductFacts, ...]]] = named
        ) -> list[Sequence[ProductFacts]]:
            before = [hits for at, hits in named if at < position]
            after = [hits for at, hits in named if at > position]
            return [*before[-1:], *after[:1]] or [scope.current]

        for claim in claims:
            if not all(claim.values & scope.allowed(claim.kind, p) for p in about(claim.at)):
                unsupported.append(claim.said)
        available = _AVAILABLE.search(segment)
        if (
            available
            and not _NEGATION.search(segment)
            and not all(any(p.in_stock for p in ps) for ps in about(available.start()))
        ):
            unsupported.append("en stock")
        if named:
            scope.current = named[-1][1]
    return GuardResult(tuple(unsupported))


def template_answer(question: Question, facts: Sequence[ProductFacts]) -> OutgoingMessage:
    """The answer from data alone: one product (with the quantity asked) or a list."""
    if not facts:
        return TextMessage(
            "No tengo ese producto en el catálogo ahora. ¿Querés que te contacte un vendedor?"
        )
    if len(facts) == 1:
        product = facts[0]
        if question.quantity is not None:
            return quantity_answer(product, question.quantity)
        return product_answer(product)
    return list_answer(facts, subject=question.subject or "esos productos", capped=question.capped)


DRAFT_SYSTEM: Final = (
    "Sos el asistente comercial de MICROCOM por WhatsApp. Redactá una respuesta breve y "
    "amable en español rioplatense (voseo) a la pregunta del cliente usando SOLO los datos "
    "que te doy. No inventes ni redondees precios, stock, descuentos, cuotas ni modelos: "
    "copiá las cifras tal como figuran en la respuesta sugerida. Si un precio es null, "
    "decí que el precio se confirma con un vendedor. Precios sin IVA."
)


def _facts_data(facts: Sequence[ProductFacts]) -> str:
    rows = [
        {
            "sku": p.sku,
            "marca": p.brand,
            "modelo": p.model,
            "titulo": p.title,
            "precio_ars": None if p.price_ars is None else str(p.price_ars.rounded().amount),
            "precio_usd": None if p.price_usd is None else str(p.price_usd.rounded().amount),
            "stock": p.stock_total,
        }
        for p in facts
    ]
    return json.dumps(rows, ensure_ascii=False)


def draft_request(
    question: Question, facts: Sequence[ProductFacts], template: OutgoingMessage
) -> ModelRequest:
    """The request for a draft: the customer's words, the facts as data, the template answer."""
    suggested = template.text if isinstance(template, TextMessage) else _list_text(template)
    content = (
        f"Pregunta del cliente: {question.text}\n\n"
        f"Datos (lo único que podés usar): {_facts_data(facts)}\n\n"
        f"Respuesta sugerida:\n{suggested}"
    )
    return ModelRequest(
        system=DRAFT_SYSTEM, messages=(ModelMessage("user", content),), max_tokens=400
    )


def _list_text(message: OutgoingMessage) -> str:
    if isinstance(message, ListMessage):
        return message.body
    return ""


def compose_answer(
    question: Question,
    facts: Sequence[ProductFacts],
    drafter: LanguageModel | None = None,
) -> OutgoingMessage:
    """The answer to send: the model's draft when the guard backs every claim in it, otherwise
    the template answer. A model error, an empty or over-long draft also give the template.

    A list answer keeps its rows (data) and only takes the draft as its body.
    """
    template = template_answer(question, facts)
    if drafter is None or not facts or not isinstance(template, (TextMessage, ListMessage)):
        return template
    try:
        reply = drafter.complete(draft_request(question, facts, template))
    except LanguageModelError:
        return template
    draft = reply.text.strip()
    limit = TEXT_MAX if isinstance(template, TextMessage) else INTERACTIVE_BODY_MAX
    if not draft or len(draft) > limit:
        return template
    if not check_draft(draft, facts, context_numbers=question.context_numbers).ok:
        return template
    if isinstance(template, ListMessage):
        return attrs.evolve(template, body=draft)
    return TextMessage(draft)


__all__ = [
    "DRAFT_SYSTEM",
    "KNOWN_BRANDS",
    "GuardResult",
    "check_draft",
    "compose_answer",
    "draft_request",
    "normalise_code",
    "readings",
    "template_answer",
]
