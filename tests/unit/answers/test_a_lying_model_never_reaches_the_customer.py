"""Issue 7: no invented price or stock figure ever reaches the messaging port.

A fake language model drafts answers full of invented figures; whatever it says, every message
the in-memory messenger accepts carries only figures read from the facts at answer time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perla_adapters.memory.clock import FixedClock
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.answers import (
    ProductFacts,
    Question,
    Wanted,
    answer_question,
    compose_answer,
    template_answer,
)
from perla_core.answers.templates import NO_PRICE
from perla_core.kernel.money import Money
from perla_core.language.errors import ModelProtocolError, ModelUnavailable
from perla_core.language.ports import ModelReply, ModelRequest
from perla_core.messaging.messages import ListMessage, OutgoingMessage, TextMessage

AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def product(sku: str, model: str, **overrides: Any) -> ProductFacts:
    values: dict[str, Any] = {
        "sku": sku,
        "brand": "Hikvision",
        "model": model,
        "title": "Cámara IP domo 4 MP 2.8 mm",
        "category": "camara",
        "form_factor": "domo",
        "resolution_mp": 4,
        "lens": "2.8 mm",
        "ir_range_m": 30,
        "stock_total": 12,
        "as_of": AS_OF,
        "price_ars": Money.of("45999", "ARS"),
        "price_usd": Money.of("120", "USD"),
    }
    values.update(overrides)
    return ProductFacts(**values)


DOMO = product("HIK-1043", "DS-2CD1043G0-I")
BALA = product(
    "HIK-16D0",
    "DS-2CE16D0T-IRPF",
    title="Cámara bala 2 MP 3.6 mm",
    form_factor="bala",
    resolution_mp=2,
    lens="3.6 mm",
    ir_range_m=20,
    stock_total=7,
    price_ars=Money.of("19999.50", "ARS"),
    price_usd=None,
)
AGOTADA = product("HIK-2143", "DS-2CD2143G2-I", stock_total=0, price_ars=Money.of("88500", "ARS"))
CATALOGUE = {p.sku: p for p in (DOMO, BALA, AGOTADA)}


class DictFactsSource:
    """The catalogue as a dict, read on every call like the SQL one; ``reads`` counts them."""

    def __init__(self, products: Iterable[ProductFacts]) -> None:
        self.products = {p.sku: p for p in products}
        self.reads = 0

    def facts_for(self, skus: Iterable[str]) -> dict[str, ProductFacts]:
        self.reads += 1
        return {sku: self.products[sku] for sku in skus if sku in self.products}


class ScriptedModel:
    """A language model that answers with ``drafts`` in turn (or raises them)."""

    def __init__(self, *drafts: str | Exception) -> None:
        self.drafts = list(drafts)
        self.requests: list[ModelRequest] = []

    def complete(self, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        draft = self.drafts.pop(0) if len(self.drafts) > 1 else self.drafts[0]
        if isinstance(draft, Exception):
            raise draft
        return ModelReply(text=draft, stop_reason="end_turn")


def deliver(messenger: InMemoryMessenger, message: OutgoingMessage) -> None:
    messenger.send(
        message,
        to="+5491155550000",
        from_="+5491144440000",
        external_id=f"answer-{len(messenger.sent)}",
        last_inbound_at=messenger.clock.now(),
    )


def text_of(message: OutgoingMessage) -> str:
    if isinstance(message, TextMessage):
        return message.text
    assert isinstance(message, ListMessage)
    rows = [f"{r.title} {r.description}" for s in message.sections for r in s.rows]
    return "\n".join([message.body, *rows])


def figures(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def figures_in_facts(facts: Iterable[ProductFacts], question: Question) -> set[str]:
    """Every digit run the facts (and the template rendering them) may show."""
    facts = list(facts)
    known = figures(text_of(template_answer(question, facts)))
    for p in facts:
        for money in (p.price_ars, p.price_usd):
            if money is not None:
                known |= figures(f"{money.amount} {money.rounded().amount}")
        known |= figures(f"{p.sku} {p.model} {p.title} {p.lens} {p.stock_total}")
        known |= figures(f"{p.resolution_mp} {p.ir_range_m}")
    known |= {str(n) for n in question.context_numbers}
    return known


def fact_numbers(products: Iterable[ProductFacts]) -> set[Decimal]:
    numbers: set[Decimal] = set()
    for p in products:
        numbers |= {m.amount for m in (p.price_ars, p.price_usd) if m is not None}
        numbers |= {Decimal(p.stock_total), *p.spec_numbers}
    return numbers


# Not lies: what the facts say, the counts of models (0 to 3) and the quantity asked (10).
FACT_NUMBERS = fact_numbers(CATALOGUE.values()) | {Decimal(n) for n in (0, 1, 2, 3, 10)}


def ar(value: int) -> str:
    return f"{value:,}".replace(",", ".")


LIE_SPELLINGS: list[Callable[[int], str]] = [
    lambda v: f"$ {ar(v)}",
    lambda v: f"${v}",
    lambda v: f"$ {ar(v)},00",
    lambda v: f"{v} pesos",
    lambda v: f"{ar(v)} pesos",
    lambda v: f"USD {v}",
    lambda v: f"u$s {v}",
    lambda v: f"US$ {v},00",
    lambda v: f"{v} dólares",
    lambda v: f"$ {v} mil",
    lambda v: f"hay {v} en stock",
    lambda v: f"{v} unidades",
    lambda v: f"tenemos {v}",
    lambda v: f"stock: {v}",
    lambda v: f"{v}% de descuento",
    lambda v: f"{v} cuotas sin interés",
    lambda v: f"a {ar(v)} finales",
]

invented = st.integers(min_value=1, max_value=9_999_999).filter(
    lambda v: Decimal(v) not in FACT_NUMBERS and Decimal(v * 1000) not in FACT_NUMBERS
)
lie = st.builds(lambda spell, v: spell(v), st.sampled_from(LIE_SPELLINGS), invented)
swapped_price = st.sampled_from(
    [
        "La DS-2CE16D0T-IRPF sale $ 45.999,00 + IVA.",
        "La DS-2CD1043G0-I sale $ 19.999,50.",
        "De la DS-2CD2143G2-I hay 12 en stock.",
        "La DS-2CD2143G2-I está disponible.",
        "La DS-2CE16D0T-IRPF sale USD 120.",
        "También tenemos la DS-2CD2347G2-LU a muy buen precio.",
        "La Dahua DH-IPC-HFW1230S es igual y más barata.",
        "Te quedan doce unidades de la DS-2CE16D0T-IRPF.",
    ]
)
lead = st.sampled_from(
    ["", "¡Hola! ", "La DS-2CD1043G0-I ", "Te cuento que la Hikvision DS-2CE16D0T-IRPF sale "]
)
truth = st.sampled_from(
    ["", "La DS-2CD1043G0-I sale $ 45.999,00 + IVA. ", "Hay 12 en stock. ", "¿Te la reservo? "]
)
lying_draft = st.builds(
    lambda before, opening, claim, after: f"{before}{opening}{claim}{after}",
    truth,
    lead,
    st.one_of(lie, swapped_price),
    st.sampled_from(["", " + IVA.", " ¡Aprovechá!", ". Saludos"]),
)
questions = st.sampled_from(
    [
        (Question("¿cuánto sale la DS-2CD1043G0-I?"), ["HIK-1043"]),
        (Question("¿tenés 10?", quantity=10), ["HIK-1043"]),
        (Question("¿y la bala?"), ["HIK-16D0"]),
        (
            Question("¿qué cámaras Hikvision tenés?", subject="cámaras Hikvision"),
            ["HIK-1043", "HIK-16D0", "HIK-2143"],
        ),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(asked=questions, drafts=st.lists(lying_draft, min_size=1, max_size=3))
def test_no_invented_figure_from_a_lying_model_reaches_the_messaging_port(
    asked: tuple[Question, list[str]], drafts: list[str]
) -> None:
    question, skus = asked
    source = DictFactsSource(CATALOGUE.values())
    messenger = InMemoryMessenger(FixedClock(AS_OF))
    facts = [CATALOGUE[sku] for sku in skus]

    for draft in drafts:
        deliver(
            messenger, answer_question(question, source, skus=skus, drafter=ScriptedModel(draft))
        )

    allowed = figures_in_facts(facts, question)
    for record in messenger.sent:
        assert record.message == template_answer(question, facts)
        assert figures(text_of(record.message)) <= allowed


def test_a_truthful_draft_reaches_the_customer_as_written() -> None:
    draft = "¡Hola! La DS-2CD1043G0-I sale $ 45.999,00 + IVA y hay 12 en stock. ¿Te la reservo?"
    messenger = InMemoryMessenger(FixedClock(AS_OF))

    message = answer_question(
        Question("¿cuánto sale?"),
        DictFactsSource(CATALOGUE.values()),
        skus=["HIK-1043"],
        drafter=ScriptedModel(draft),
    )
    deliver(messenger, message)

    assert [r.message for r in messenger.sent] == [TextMessage(draft)]


def test_a_truthful_draft_becomes_the_body_of_a_list_and_the_rows_stay_data() -> None:
    draft = "¡Hola! Tenemos 2 modelos Hikvision en stock, precios sin IVA. Elegí el tuyo:"
    question = Question("¿qué cámaras Hikvision tenés?", subject="cámaras Hikvision")

    message = compose_answer(question, [DOMO, BALA, AGOTADA], ScriptedModel(draft))

    template = template_answer(question, [DOMO, BALA, AGOTADA])
    assert isinstance(message, ListMessage)
    assert isinstance(template, ListMessage)
    assert message == attrs.evolve(template, body=draft)


def test_the_model_is_given_only_the_facts_as_data_and_no_tools() -> None:
    model = ScriptedModel("¡Hola!")

    compose_answer(Question("¿cuánto sale?"), [DOMO], model)

    (request,) = model.requests
    assert request.tools == ()
    assert "SOLO los datos" in request.system
    content = request.messages[0].content
    assert '"sku": "HIK-1043"' in content
    assert '"precio_ars": "45999.00"' in content
    assert '"stock": 12' in content
    assert "HIK-16D0" not in content


def test_a_failing_empty_or_overlong_model_gives_the_template_answer() -> None:
    question = Question("¿cuánto sale?")
    expected = template_answer(question, [DOMO])

    for model in (
        ScriptedModel(ModelUnavailable("anthropic", "timeout")),
        ScriptedModel(ModelProtocolError("anthropic", "not a Messages reply")),
        ScriptedModel("   "),
        ScriptedModel("Hola. " * 1000),
    ):
        assert compose_answer(question, [DOMO], model) == expected


def test_without_a_model_the_template_is_the_answer() -> None:
    assert compose_answer(Question("¿cuánto sale?"), [DOMO], None) == TextMessage(
        "Hikvision DS-2CD1043G0-I (Cámara IP domo 4 MP 2.8 mm)\n"
        "$ 45.999,00 + IVA.\n"
        "Hay 12 en stock."
    )


def test_stock_that_changed_since_the_last_answer_is_read_again_and_the_old_figure_refused() -> (
    None
):
    source = DictFactsSource(CATALOGUE.values())
    model = ScriptedModel("La DS-2CD1043G0-I: hay 12 en stock.")
    question = Question("¿tenés 10?", quantity=10)

    first = answer_question(question, source, skus=["HIK-1043"], drafter=model)
    source.products["HIK-1043"] = attrs.evolve(DOMO, stock_total=4)
    second = answer_question(question, source, skus=["HIK-1043"], drafter=model)

    assert first == TextMessage("La DS-2CD1043G0-I: hay 12 en stock.")
    assert isinstance(second, TextMessage)
    assert "tenemos 4 de las 10" in second.text
    assert "12" not in second.text
    assert source.reads == 2


def test_a_price_that_expired_is_never_quoted_even_if_the_model_remembers_it() -> None:
    source = DictFactsSource([attrs.evolve(DOMO, price_ars=None, price_usd=None)])
    model = ScriptedModel("La DS-2CD1043G0-I sale $ 45.999,00 + IVA.")

    message = answer_question(Question("¿cuánto sale?"), source, skus=["HIK-1043"], drafter=model)

    assert isinstance(message, TextMessage)
    assert NO_PRICE in message.text.lower()
    assert "45" not in message.text


def test_an_out_of_stock_product_gets_up_to_three_similar_ones_in_stock() -> None:
    alternatives = [
        product(f"ALT-{i}", f"DS-2CD10{i}3G0-I", lens="4 mm", stock_total=i) for i in range(5)
    ]
    source = DictFactsSource([AGOTADA, *alternatives])

    message = answer_question(
        Question("¿tenés la DS-2CD2143G2-I?"),
        source,
        skus=["HIK-2143"],
        alternatives=[p.sku for p in alternatives],
        drafter=ScriptedModel("¡Sí! Hay 50 en stock."),
    )

    assert isinstance(message, TextMessage)
    lines = message.text.splitlines()
    assert lines[0] == "Hikvision DS-2CD2143G2-I está sin stock ahora. Te propongo:"
    assert lines[1:] == [
        "• Hikvision DS-2CD1013G0-I: $ 45.999,00 + IVA, hay 1 en stock "
        "(misma resolución, lente 4 mm en lugar de 2.8 mm)",
        "• Hikvision DS-2CD1023G0-I: $ 45.999,00 + IVA, hay 2 en stock "
        "(misma resolución, lente 4 mm en lugar de 2.8 mm)",
        "• Hikvision DS-2CD1033G0-I: $ 45.999,00 + IVA, hay 3 en stock "
        "(misma resolución, lente 4 mm en lugar de 2.8 mm)",
    ]


def test_a_product_not_sold_gets_similar_ones_from_what_the_customer_asked_for() -> None:
    question = Question(
        "¿tenés la Dahua HFW1230?",
        asked_name="La Dahua HFW1230",
        wanted=Wanted(category="camara", form_factor="bala", resolution_mp=2),
    )

    message = answer_question(
        question,
        DictFactsSource(CATALOGUE.values()),
        skus=["DAHUA-HFW1230"],
        alternatives=["HIK-1043", "HIK-16D0", "HIK-2143"],
    )

    assert message == TextMessage(
        "La Dahua HFW1230 no lo trabajamos. Te propongo:\n"
        "• Hikvision DS-2CE16D0T-IRPF: $ 19.999,50 + IVA, hay 7 en stock "
        "(misma resolución, mismo formato bala)\n"
        "• Hikvision DS-2CD1043G0-I: $ 45.999,00 + IVA, hay 12 en stock "
        "(4 MP en lugar de 2 MP, formato domo en lugar de bala)"
    )


def test_an_out_of_stock_product_with_no_alternative_offers_a_seller() -> None:
    message = answer_question(
        Question("¿tenés la DS-2CD2143G2-I?"), DictFactsSource([AGOTADA]), skus=["HIK-2143"]
    )

    assert message == TextMessage(
        "Hikvision DS-2CD2143G2-I está sin stock ahora. ¿Querés que te contacte un vendedor?"
    )


def test_a_list_question_sends_a_whatsapp_list_of_in_stock_models_with_prices() -> None:
    messenger = InMemoryMessenger(FixedClock(AS_OF))
    question = Question("¿qué cámaras Hikvision tenés?", subject="cámaras Hikvision")

    deliver(
        messenger,
        answer_question(
            question,
            DictFactsSource(CATALOGUE.values()),
            skus=["HIK-1043", "HIK-16D0", "HIK-2143"],
        ),
    )

    (record,) = messenger.sent
    assert isinstance(record.message, ListMessage)
    assert [r.id for r in record.message.sections[0].rows] == [
        "product:HIK-16D0",
        "product:HIK-1043",
    ]
