"""The guard refuses any draft with a figure or product name the facts do not back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from perla_core.answers import ProductFacts, Question, check_draft
from perla_core.answers.guard import readings, template_answer
from perla_core.kernel.money import Money
from perla_core.messaging.messages import ListMessage, TextMessage

AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

DOMO = ProductFacts(
    sku="HIK-1043",
    brand="Hikvision",
    model="DS-2CD1043G0-I",
    title="Cámara IP domo 4 MP 2.8 mm",
    category="camara",
    form_factor="domo",
    resolution_mp=4,
    lens="2.8 mm",
    ir_range_m=30,
    stock_total=12,
    as_of=AS_OF,
    price_ars=Money.of("45999", "ARS"),
    price_usd=Money.of("120", "USD"),
)
BALA = ProductFacts(
    sku="HIK-16D0",
    brand="Hikvision",
    model="DS-2CE16D0T-IRPF",
    title="Cámara bala 2 MP",
    category="camara",
    form_factor="bala",
    resolution_mp=2,
    lens="3.6 mm",
    stock_total=0,
    as_of=AS_OF,
    price_ars=Money.of("19999.50", "ARS"),
)
FACTS = [DOMO, BALA]

LIES: list[tuple[str, str, str]] = [
    ("invented price", "La DS-2CD1043G0-I sale $ 39.999 + IVA.", "$ 39.999"),
    ("invented price without symbol", "La DS-2CD1043G0-I te queda en 41000 finales.", "41000"),
    ("invented price in thousands", "Te la dejo en $45 mil.", "$45 mil"),
    ("invented dollar price", "Sale u$s 99, una ganga.", "u$s 99"),
    ("dollars quoted as pesos", "La DS-2CD1043G0-I sale 120 pesos.", "120 pesos"),
    ("invented stock", "De la DS-2CD1043G0-I hay 40 unidades.", "40 unidades"),
    ("invented stock, spelt out", "De la DS-2CD1043G0-I quedan quince.", "quince"),
    ("stock of another product", "De la DS-2CE16D0T-IRPF hay 12 en stock.", "12 en stock"),
    ("in stock when it is not", "La DS-2CE16D0T-IRPF está disponible ya mismo.", "en stock"),
    ("price of another product", "La DS-2CE16D0T-IRPF sale $ 45.999,00 + IVA.", "$ 45.999,00"),
    (
        "price of another product, next sentence",
        "Te recomiendo la DS-2CE16D0T-IRPF. Sale $45.999.",
        "$45.999",
    ),
    ("a model not in the facts", "También está la DS-2CD2143G2-I, muy buena.", "DS-2CD2143G2-I"),
    ("a brand not in the facts", "Si querés, la Dahua es parecida.", "dahua"),
    ("a discount not offered", "Hoy tenés 15% de descuento.", "15%"),
    ("a discount in words", "Te hago un 10 por ciento off.", "10 por ciento"),
    ("installments not offered", "Pagala en 6 cuotas sin interés.", "6 cuotas"),
    ("an invented spec", "La DS-2CD1043G0-I tiene 8 MP.", "8 MP"),
    ("a number that means nothing", "Código promocional 4.5.6.", "4.5.6"),
]


@pytest.mark.parametrize(
    ("draft", "claim"), [(d, c) for _, d, c in LIES], ids=[name for name, _, _ in LIES]
)
def test_a_lying_draft_is_refused_naming_the_unsupported_claim(draft: str, claim: str) -> None:
    result = check_draft(draft, FACTS)

    assert not result.ok
    assert claim in result.unsupported


TRUTHS: list[tuple[str, str]] = [
    ("the price as the template writes it", "La DS-2CD1043G0-I sale $ 45.999,00 + IVA."),
    ("the price without cents", "¡Hola! La DS-2CD1043G0-I está $45.999 más IVA."),
    ("the price without separators", "Sale 45999 pesos + IVA la DS-2CD1043G0-I."),
    ("the price with cents", "La DS-2CE16D0T-IRPF sale $ 19.999,50."),
    ("the dollar price", "La DS-2CD1043G0-I sale USD 120 o u$s 120,00."),
    ("the stock", "De la DS-2CD1043G0-I tenemos 12 unidades, hay 12 en stock."),
    ("out of stock said as such", "La DS-2CE16D0T-IRPF no está disponible, sin stock ahora."),
    ("the sheet", "La DS-2CD1043G0-I es domo de 4 MP, lente 2.8mm e IR de 30 m, H.265."),
    ("the model without its suffix", "La Hikvision DS-2CD1043G0 es ideal para interiores."),
    ("the model without punctuation", "La ds2cd1043g0i es ideal."),
    ("no figures at all", "¡Hola! Sí, la tenemos. ¿Te la reservo?"),
]


@pytest.mark.parametrize("draft", [d for _, d in TRUTHS], ids=[name for name, _ in TRUTHS])
def test_a_truthful_draft_is_accepted(draft: str) -> None:
    assert check_draft(draft, FACTS).unsupported == ()


def test_numbers_the_caller_allows_pass_and_only_those() -> None:
    draft = "Para las 10 que pediste: tenemos 12, te alcanzan. En 3 cuotas también."

    assert check_draft(draft, [DOMO], context_numbers=[10, 3]).ok
    assert check_draft(draft, [DOMO], context_numbers=[10]).unsupported == ("3 cuotas",)


def test_the_customers_quantity_never_passes_as_stock() -> None:
    assert not check_draft("Hay 40 unidades.", [DOMO], context_numbers=[40]).ok


@pytest.mark.parametrize(
    "question",
    [
        Question("¿cuánto sale?"),
        Question("¿tenés 10?", quantity=10),
        Question("¿tenés 20?", quantity=20),
        Question("¿qué cámaras Hikvision tenés?", subject="cámaras Hikvision"),
    ],
)
def test_every_template_answer_passes_the_guard(question: Question) -> None:
    facts = FACTS if question.subject else [DOMO]
    message = template_answer(question, facts)

    assert isinstance(message, (TextMessage, ListMessage))
    text = message.body if isinstance(message, ListMessage) else message.text
    assert check_draft(text, facts, context_numbers=question.context_numbers).ok


@pytest.mark.parametrize(
    ("written", "values"),
    [
        ("45999", {"45999"}),
        ("45.999", {"45999", "45.999"}),
        ("45.999,00", {"45999.00"}),
        ("45,999.00", {"45999.00"}),
        ("1.234.567", {"1234567"}),
        ("2,8", {"2.8"}),
        ("2.8", {"2.8"}),
        ("120.", {"120"}),
        ("4.5.6", set()),
        ("1.23,4.5", set()),
    ],
)
def test_numbers_are_read_in_every_spelling_they_may_have(written: str, values: set[str]) -> None:
    assert readings(written) == {Decimal(v) for v in values}


def test_units_and_technical_terms_are_not_model_codes_but_their_figures_are_checked() -> None:
    result = check_draft("Es 4K, 1080p, 12V, IP67, H.265+, 4MP y 2.8mm; también 2MP.", [DOMO])

    assert result.unsupported == ("2MP",)


def test_a_count_of_models_is_not_read_as_stock() -> None:
    assert check_draft("Tenemos 2 modelos de cámaras.", FACTS).ok
    assert check_draft("Tenemos 5 modelos de cámaras.", FACTS).unsupported == ("5",)
