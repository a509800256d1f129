"""The bot's action hooks (the ``hook:`` of a flow's ``action`` steps), by name.

``catalogue.answer`` and ``catalogue.price_stock`` answer from the catalogue: the search index
finds candidates (or the FAQ chunk of a question about shipping, payment or warranty) and
:func:`~perla_core.answers.answer_question` quotes prices and stock read from the catalogue
at that moment. The cart, the summary, the confirmation and financing are the purchase's
hooks (:mod:`perla_entrypoints.purchase_hooks`); :data:`HOOK_NAMES` lists them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import attrs

from perla_core.answers import FactsSource, Question, answer_question
from perla_core.answers.guard import normalise_code
from perla_core.catalogue.model import Category
from perla_core.conversations import Conversation, Hook, HookResult
from perla_core.conversations.model import Direction
from perla_core.conversations.ports import ConversationUnitOfWork
from perla_core.language import Entities, Interpretation, ProductType
from perla_core.messaging import TextMessage
from perla_core.messaging.messages import TEXT_MAX, OutgoingMessage
from perla_core.search.model import (
    MAX_LIMIT,
    DocumentKind,
    Retriever,
    SearchDocument,
    SearchFilters,
    SearchQuery,
)
from perla_core.search.ports import SearchIndex

HOOK_NAMES: Final = (
    "catalogue.answer",
    "catalogue.price_stock",
    "cart.add",
    "cart.remove",
    "cart.show",
    "cart.clear",
    "order.summary",
    "order.confirm",
    "buyer.identify",
    "financing.simulate",
)
"""Every hook perla provides to a flow's ``action`` steps (a flow naming another is refused
when it is loaded)."""


# --- the catalogue (issue 7) ------------------------------------------------------------------

FAQ_WORDS: Final = re.compile(
    r"\b(?:envi\w*|mand\w*\s+a\s+\w+|despach\w*|retir\w*|andreani|flete|garantia\w*|pago\w*"
    r"|pagar|factura\w*|cuotas?|transferencia|horario\w*|devoluci\w*)\b"
)
"""Words of a question about the shop rather than a product (shipping, warranty, payment)."""

PRODUCT_WORDS: Final[Mapping[ProductType, tuple[str, str, Category | None]]] = {
    ProductType.CAMERA: ("cámara", "cámaras", Category.CAMERA),
    ProductType.DVR: ("DVR", "DVR", Category.DVR),
    ProductType.NVR: ("NVR", "NVR", Category.NVR),
    ProductType.KIT: ("kit", "kits", Category.KIT),
    ProductType.DISK: ("disco", "discos", Category.DISK),
    ProductType.ALARM: ("alarma", "alarmas", None),
    ProductType.ACCESSORY: ("accesorio", "accesorios", Category.ACCESSORY),
}
"""A product type's words (singular, plural) and the catalogue category it filters on."""

CANDIDATES: Final = 10
LISTED: Final = MAX_LIMIT
"""Candidates read for a list: it shows 10 and says how many are in stock."""
FAQ_MAX: Final = 1000
"""An FAQ answer is kept well under WhatsApp's text limit (one readable message)."""


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _last_inbound_text(conversation: Conversation) -> str:
    for message in reversed(conversation.messages):
        if message.direction is Direction.INBOUND and message.text:
            return message.text
    return ""


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > limit // 2 else cut.rstrip() + "…").strip()


def _unwrapped(markdown: str) -> str:
    """Paragraphs on one line each (a page's hard wraps read badly on a phone)."""
    paragraphs = re.split(r"\n\s*\n", markdown.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _model(document: SearchDocument) -> str:
    """A product document's model (its title is ``<brand> <model>``)."""
    return document.title.removeprefix(document.brand).strip()


def matching_code(documents: list[SearchDocument], code: str) -> list[SearchDocument]:
    """The products whose SKU or model is ``code`` (punctuation and case aside), or else
    those whose SKU or title contains it ("DS-2CD1043" finds "DS-2CD1043G0-I")."""
    wanted = normalise_code(code)
    exact = [d for d in documents if wanted in (normalise_code(d.sku), normalise_code(_model(d)))]
    return exact or [
        d for d in documents if wanted in normalise_code(d.sku) or wanted in normalise_code(d.title)
    ]


def _subject(entities: Entities) -> str:
    words = PRODUCT_WORDS.get(entities.product_type) if entities.product_type else None
    noun = words[1] if words else "productos"
    return f"{noun} {entities.brand}" if entities.brand else noun


TOPIC_FIELDS: Final = {
    "brand": "consulta.marca",
    "product_type": "consulta.tipo",
    "model": "consulta.modelo",
    "resolution_mp": "consulta.mp",
}
"""Where a conversation keeps what the customer last asked about, for the follow-ups."""
_FOLLOW_UP_START: Final = re.compile(r"^[\s¿¡]*y\b")


def remembered_topic(fields: Mapping[str, str]) -> Entities:
    """The product the conversation was last about (empty when none, or unreadable)."""
    kind = fields.get(TOPIC_FIELDS["product_type"])
    mp = fields.get(TOPIC_FIELDS["resolution_mp"], "")
    try:
        return Entities(
            brand=fields.get(TOPIC_FIELDS["brand"]) or None,
            product_type=ProductType(kind) if kind else None,
            model=fields.get(TOPIC_FIELDS["model"]) or None,
            resolution_mp=int(mp) if mp.isdigit() else None,
        )
    except ValueError:  # a field from an older version: forget the topic rather than fail
        return Entities()


def topic_fields(topic: Entities) -> dict[str, str]:
    """The fields that remember ``topic`` (an empty value removes the field)."""
    values = {
        "brand": topic.brand,
        "product_type": None if topic.product_type is None else topic.product_type.value,
        "model": topic.model,
        "resolution_mp": topic.resolution_mp,
    }
    return {TOPIC_FIELDS[name]: "" if v is None else str(v) for name, v in values.items()}


def follow_up_topic(text: str, entities: Entities, previous: Entities) -> Entities:
    """What a message is about, given what the previous product question was about.

    A model code starts a new topic. A message naming nothing ("¿tenés 10?", "¿y la más
    barata?") stays on the previous product, with its own quantity. A follow-up that changes
    one thing ("¿y la de 4 megas?", "¿y de Dahua?", or any message naming neither a brand nor
    a product type) keeps the rest of the previous topic but not its model. Anything else
    ("¿qué discos tenés?") is a new topic.
    """
    if entities.model or previous.empty:
        return entities
    names_nothing = (
        entities.brand is None
        and entities.product_type is None
        and entities.resolution_mp is None
        and not entities.features
    )
    if names_nothing:
        return attrs.evolve(
            previous, quantity=entities.quantity, installments=entities.installments
        )
    follow_up = _FOLLOW_UP_START.search(text) is not None or (
        entities.brand is None and entities.product_type is None
    )
    if not follow_up:
        return entities
    return attrs.evolve(
        entities,
        brand=entities.brand or previous.brand,
        product_type=entities.product_type or previous.product_type,
        resolution_mp=entities.resolution_mp or previous.resolution_mp,
    )


class CatalogueAnswers:
    """The ``catalogue.answer`` and ``catalogue.price_stock`` hooks: the search index finds
    candidates, the facts (read from the catalogue now) say everything that is quoted."""

    def __init__(self, index: SearchIndex, facts: FactsSource) -> None:
        self._index = index
        self._facts = facts

    def __call__(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        del work  # answers read the catalogue through the facts source, at this moment
        text = _last_inbound_text(conversation)
        entities = Entities() if interpretation is None else interpretation.entities
        if self._about_the_shop(text, entities):
            faq = self.faq(text)
            if faq is not None:
                return HookResult(ok=True, messages=(faq,))
        topic = follow_up_topic(text, entities, remembered_topic(conversation.fields))
        return HookResult(
            ok=True, messages=(self.products(text, topic),), fields=topic_fields(topic)
        )

    def reply(self, text: str, entities: Entities) -> OutgoingMessage:
        """The answer to one message on its own (no earlier topic)."""
        if self._about_the_shop(text, entities):
            faq = self.faq(text)
            if faq is not None:
                return faq
        return self.products(text, entities)

    @staticmethod
    def _about_the_shop(text: str, entities: Entities) -> bool:
        """Shipping, warranty, payment ... and no particular brand or model named ("¿tienen
        garantía los discos?" is about the shop's warranty, not a list of disks)."""
        return not (entities.brand or entities.model) and bool(FAQ_WORDS.search(_folded(text)))

    def faq(self, text: str) -> TextMessage | None:
        """The FAQ chunk that best answers ``text``, trimmed for WhatsApp."""
        query = SearchQuery(text, filters=SearchFilters(kind=DocumentKind.FAQ), limit=1)
        hits = [h for h in self._index.search(query) if Retriever.TEXT in h.why]
        document = self._index.get(hits[0].id) if hits else None
        if document is None:
            return None
        heading = document.title.rsplit(" > ", 1)[-1]
        text = _unwrapped(document.text)
        body = f"{heading}\n{text}" if heading.endswith("?") else text
        return TextMessage(_clip(body, min(FAQ_MAX, TEXT_MAX)))

    def _search(
        self, text: str, filters: SearchFilters, *, strict: bool, limit: int = CANDIDATES
    ) -> list[SearchDocument]:
        hits = self._index.search(SearchQuery(text or "producto", filters, limit=limit))
        if strict:
            hits = [h for h in hits if Retriever.TEXT in h.why]
        documents = (self._index.get(h.id) for h in hits)
        return [d for d in documents if d is not None and d.sku]

    def products(self, text: str, entities: Entities) -> OutgoingMessage:
        words = PRODUCT_WORDS.get(entities.product_type) if entities.product_type else None
        category = None if words is None or words[2] is None else words[2].value
        parts = [
            entities.brand,
            words[0] if words else None,
            entities.model,
            None if entities.resolution_mp is None else f"{entities.resolution_mp} MP",
            text,
        ]
        query = " ".join(p for p in parts if p)
        filters = SearchFilters(kind=DocumentKind.PRODUCT, brand=entities.brand, category=category)
        strict = entities.brand is None and category is None
        question = Question(
            text=text,
            quantity=entities.quantity,
            subject=_subject(entities),
            asked_name=entities.model,
        )
        if entities.model:
            return self._model_answer(question, query, filters, entities.model)
        in_stock = attrs.evolve(filters, in_stock=True)
        listed = self._search(query, in_stock, strict=strict, limit=LISTED)
        capped = len(listed) >= LISTED
        if not listed:
            listed = self._search(query, filters, strict=strict)
        skus = self._with_resolution([d.sku for d in listed], entities.resolution_mp)
        if not skus:
            return self._not_found(question)
        return answer_question(attrs.evolve(question, capped=capped), self._facts, skus=skus)

    def _with_resolution(self, skus: list[str], resolution_mp: int | None) -> list[str]:
        """Only the products of the resolution asked for ("la de 4 megas"), when any is."""
        if resolution_mp is None or not skus:
            return skus
        facts = self._facts.facts_for(skus)
        wanted = Decimal(resolution_mp)
        return [s for s in skus if s in facts and facts[s].resolution_mp == wanted]

    def _model_answer(
        self, question: Question, query: str, filters: SearchFilters, model: str
    ) -> OutgoingMessage:
        found = self._search(query, attrs.evolve(filters, brand=None), strict=False)
        like = matching_code(found, model)
        if not like:
            return self._not_found(question)
        if len(like) > 1:
            return answer_question(question, self._facts, skus=[d.sku for d in like])
        asked = like[0]
        similar = SearchFilters(kind=DocumentKind.PRODUCT, category=asked.category, in_stock=True)
        others = self._search(f"{asked.title} {asked.text}", similar, strict=False)
        alternatives = [d.sku for d in others if d.sku != asked.sku]
        return answer_question(question, self._facts, skus=[asked.sku], alternatives=alternatives)

    @staticmethod
    def _not_found(question: Question) -> TextMessage:
        asked = question.asked_name or question.subject or "eso"
        return TextMessage(
            f"No encontré {asked} en nuestro catálogo. ¿Me das más detalles (marca, modelo o "
            "para qué lo necesitás)?"
        )


def catalogue_hooks(index: SearchIndex, facts: FactsSource) -> dict[str, Hook]:
    """The catalogue's hooks, answering from the search index and the facts."""
    answers = CatalogueAnswers(index, facts)
    return {"catalogue.answer": answers, "catalogue.price_stock": answers}


def bot_hooks(index: SearchIndex, facts: FactsSource) -> dict[str, Hook]:
    """The catalogue's hooks (the purchase's are in :mod:`perla_entrypoints.purchase_hooks`)."""
    return catalogue_hooks(index, facts)
