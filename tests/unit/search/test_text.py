"""Spanish normalisation, the stemmer and model codes typed every which way."""

from __future__ import annotations

import pytest

from perla_core.search.text import compact_code, index_text, query_text, stem, terms


def test_accents_case_and_stop_words_are_folded_away() -> None:
    assert terms("¿Tenés CÁMARAS para el depósito?") == ["camar", "depos"]


@pytest.mark.parametrize(
    ("words", "stem_"),
    [
        (["cámara", "camaras", "camarita", "camaritas"], "camar"),
        (["grabador", "grabadores", "grabadora"], "grab"),
        (["exterior", "exteriores"], "exterior"),
        (["visión", "visiones"], "vision"),
    ],
)
def test_inflections_of_one_word_share_a_stem(words: list[str], stem_: str) -> None:
    assert {terms(w)[0] for w in words} == {stem_}


def test_short_words_and_tokens_with_digits_are_never_stemmed() -> None:
    assert stem("poe") == "poe"
    assert stem("1080p") == "1080p"


def test_rioplatense_phrasing_and_units_reach_the_same_terms_as_the_catalogue() -> None:
    question = query_text("che, ¿tenés alguna camarita domo de 4 megas para afuera?")
    product = index_text("Cámara domo 4MP apta exterior")
    assert set(question.split()) <= set(product.split())


@pytest.mark.parametrize(
    "typed", ["DS-2CD1043G0-I", "ds 2cd1043g0i", "DS2CD1043G0I", "ds.2cd1043g0.i"]
)
def test_a_model_code_is_found_however_it_is_punctuated(typed: str) -> None:
    indexed = set(index_text("Cámara Hikvision DS-2CD1043G0-I").split())
    assert "ds2cd1043g0i" in set(query_text(typed).split()) & indexed


@pytest.mark.parametrize("partial", ["2CD1043", "DS-2CD10", "2cd1043g0"])
def test_a_model_code_cut_short_meets_a_prefix_of_the_indexed_code(partial: str) -> None:
    indexed = set(index_text("DS-2CD1043G0-I").split())
    assert set(query_text(partial).split()) & indexed


def test_the_exact_code_is_indexed_more_often_than_a_longer_code_it_starts() -> None:
    exact = index_text("DS-2CD1043G0-I").split().count("ds2cd1043g0i")
    longer = index_text("DS-2CD1043G0-IUF").split().count("ds2cd1043g0i")
    assert exact > longer


def test_compact_code_drops_case_and_punctuation() -> None:
    assert compact_code("iDS-7204HQHI-M1/S") == "ids7204hqhim1s"


def test_slashes_inside_a_code_keep_it_one_code() -> None:
    assert "ids7232hghif1n" in query_text("ids7232hghif1n").split()
    assert "ids7232hghif1n" in index_text("iDS-7232HGHI-F1/N").split()


def test_units_are_not_mistaken_for_model_codes() -> None:
    assert index_text("4MP 2,8 mm").split() == ["4mp", "28mm"]
