"""Out of stock or not sold: up to 3 in-stock products with the closest features, explained."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from perla_core.answers import ProductFacts, Wanted, similar_products
from perla_core.answers.similar import explain
from perla_core.kernel.money import Money

AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def product(sku: str, **overrides: Any) -> ProductFacts:
    values: dict[str, Any] = {
        "sku": sku,
        "brand": "Hikvision",
        "model": f"MODEL-{sku}",
        "title": "Cámara",
        "category": "camara",
        "form_factor": "domo",
        "resolution_mp": 2,
        "ir_range_m": 20,
        "lens": "4 mm",
        "stock_total": 5,
        "as_of": AS_OF,
        "price_ars": Money.of("30000", "ARS"),
    }
    values.update(overrides)
    return ProductFacts(**values)


ASKED = product("ASKED", stock_total=0)


def test_only_products_in_stock_are_proposed_and_never_the_one_asked_for() -> None:
    candidates = [ASKED, product("EMPTY", stock_total=0), product("OK")]

    suggestions = similar_products(Wanted.like(ASKED), candidates)

    assert [s.product.sku for s in suggestions] == ["OK"]


def test_at_most_three_are_proposed() -> None:
    candidates = [product(f"S{i}") for i in range(6)]

    suggestions = similar_products(Wanted.like(ASKED), candidates)

    assert [s.product.sku for s in suggestions] == ["S0", "S1", "S2"]


# (candidates, expected order): each row isolates one criterion of the ranking
RANKING: list[tuple[str, list[ProductFacts], list[str]]] = [
    (
        "same category first",
        [product("DVR", category="dvr"), product("CAM", resolution_mp=8)],
        ["CAM", "DVR"],
    ),
    (
        "then same form factor",
        [product("BALA", form_factor="bala"), product("DOMO", resolution_mp=8)],
        ["DOMO", "BALA"],
    ),
    (
        "then closest resolution",
        [product("R8", resolution_mp=8), product("R4", resolution_mp=4), product("R2")],
        ["R2", "R4", "R8"],
    ),
    (
        "then closest IR range",
        [
            product("IR60", ir_range_m=60),
            product("IR30", ir_range_m=30),
            product("IRNONE", ir_range_m=None),
        ],
        ["IR30", "IR60", "IRNONE"],
    ),
    (
        "then price within ±30 %",
        [
            product("FAR", price_ars=Money.of("90000", "ARS")),
            product("NOPRICE", price_ars=None),
            product("NEAR", price_ars=Money.of("38000", "ARS")),
        ],
        ["NEAR", "FAR", "NOPRICE"],
    ),
    ("then sku", [product("B"), product("C"), product("A")], ["A", "B", "C"]),
]


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [(c, e) for _, c, e in RANKING],
    ids=[name for name, _, _ in RANKING],
)
def test_candidates_are_ranked_by_category_form_resolution_ir_price_then_sku(
    candidates: list[ProductFacts], expected: list[str]
) -> None:
    suggestions = similar_products(Wanted.like(ASKED), candidates)

    assert [s.product.sku for s in suggestions] == expected


EXPLANATIONS: list[tuple[ProductFacts, str]] = [
    (product("L", lens="2.8 mm"), "misma resolución, lente 2.8 mm en lugar de 4 mm"),
    (product("R", resolution_mp=4), "4 MP en lugar de 2 MP, mismo formato domo"),
    (product("SAME"), "misma resolución, mismo formato domo"),
    (product("F", form_factor="bala"), "misma resolución, formato bala en lugar de domo"),
    (product("IR", ir_range_m=40), "misma resolución, IR 40 m en lugar de 20 m"),
    (
        product("MANY", resolution_mp=5, form_factor="bala", lens="2.8 mm", ir_range_m=40),
        "5 MP en lugar de 2 MP, formato bala en lugar de domo, lente 2.8 mm en lugar de 4 mm",
    ),
    (product("RES", resolution_mp="2.0", lens="4mm"), "misma resolución, mismo formato domo"),
]


@pytest.mark.parametrize(("candidate", "line"), EXPLANATIONS, ids=[c.sku for c, _ in EXPLANATIONS])
def test_each_proposal_explains_its_difference_in_one_line(
    candidate: ProductFacts, line: str
) -> None:
    assert explain(Wanted.like(ASKED), candidate) == line


def test_a_product_not_sold_is_matched_on_what_the_customer_asked_for() -> None:
    wanted = Wanted(category="camara", form_factor="bala", resolution_mp=4)
    candidates = [product("DOMO4", resolution_mp=4), product("BALA2", form_factor="bala")]

    suggestions = similar_products(wanted, candidates)

    assert [(s.product.sku, s.difference) for s in suggestions] == [
        ("BALA2", "2 MP en lugar de 4 MP, mismo formato bala"),
        ("DOMO4", "misma resolución, formato domo en lugar de bala"),
    ]


def test_with_nothing_to_compare_the_line_still_reads() -> None:
    assert explain(Wanted(), product("X")) == "características similares"
