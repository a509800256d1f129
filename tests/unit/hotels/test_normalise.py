"""Names, addresses and cities are reduced to what tells hotels apart: accents, case,
punctuation and common words go; chains and kinds are kept apart as signals; abbreviations are
expanded and house numbers kept for the address comparison."""

from __future__ import annotations

import pytest

from perla_core.hotels.normalise import (
    canonical_chain,
    city_key,
    normalise_address,
    normalise_name,
)


def test_accents_case_and_punctuation_are_folded_away() -> None:
    assert normalise_name("  HÔTEL  Sevilla-Centro!! ").text == "sevilla centro"
    assert normalise_name("Hotel Alcázar de la Reina").text == "alcazar reina"
    assert normalise_name("Sacré-Cœur Hôtel").text == "sacre coeur"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Hotel Sevilla Centro", "sevilla centro"),
        ("Hostal Sevilla Centro", "sevilla centro"),
        ("Apartamentos Playa Sol", "playa sol"),
        ("Aparthotel Los Naranjos", "naranjos"),
        ("Las Palmeras Resort & Spa", "palmeras"),
        ("The Boutique Suites Lisboa", "lisboa"),
        ("Hôtel Le Relais du Louvre", "relais louvre"),
        ("Albergo Il Palazzo della Luna", "palazzo luna"),
        ("Casa do Mar Apartments", "casa mar"),
    ],
)
def test_common_words_in_several_languages_are_set_aside(name: str, text: str) -> None:
    assert normalise_name(name).text == text


def test_what_kind_of_place_it_is_is_kept_apart_from_the_name() -> None:
    assert normalise_name("Hostal Sevilla Centro").kinds == {"hostal"}
    assert normalise_name("Hotel Sevilla Centro").kinds == {"hotel"}
    assert normalise_name("Aparthotel Sevilla Centro").kinds == {"hotel", "apartments"}
    assert normalise_name("Sevilla Centro Guest House").kinds == {"hostal"}
    assert normalise_name("Sevilla Centro").kinds == frozenset()


@pytest.mark.parametrize(
    ("name", "chain", "text"),
    [
        ("H10 Casa Mimosa", "H10", "casa mimosa"),
        ("NH Collection Sevilla", "NH", "sevilla"),
        ("Hotel Meliá Sevilla", "Meliá", "sevilla"),
        ("Melia Sevilla", "Meliá", "sevilla"),
        ("Gran Meliá Colón", "Meliá", "colon"),
        ("Iberostar Selection Andalucía Playa", "Iberostar", "andalucia playa"),
        ("Barceló Sevilla Renacimiento", "Barceló", "sevilla renacimiento"),
        ("Riu Plaza España", "Riu", "plaza espana"),
        ("Eurostars Regina", "Eurostars", "regina"),
        ("AC Hotel Sevilla Forum by Marriott", "AC", "sevilla forum"),
        ("Catalonia Giralda", "Catalonia", "giralda"),
        ("Vincci La Rábida", "Vincci", "rabida"),
        ("Silken Al-Andalus Palace", "Silken", "al andalus palace"),
        ("Room Mate Óscar", "Room Mate", "oscar"),
        ("Hilton Garden Inn Sevilla", "Hilton", "garden inn sevilla"),
        ("ibis Styles Sevilla", "Ibis", "sevilla"),
        ("Novotel Sevilla Marqués del Nervión", "Novotel", "sevilla marques nervion"),
        ("B&B Hotel Sevilla Pabellón", "B&B Hotels", "sevilla pabellon"),
    ],
)
def test_chain_prefixes_and_brands_become_the_chain_signal(
    name: str, chain: str, text: str
) -> None:
    normalised = normalise_name(name)
    assert normalised.chain == chain
    assert normalised.text == text


def test_a_bed_and_breakfast_is_a_kind_of_place_not_the_b_and_b_chain() -> None:
    normalised = normalise_name("B&B La Dolce Vita")
    assert normalised.chain is None
    assert normalised.kinds == {"b&b"}
    assert normalised.text == "dolce vita"


def test_a_name_that_is_only_a_chain_keeps_the_chain_as_its_name() -> None:
    assert normalise_name("Hotel Ibis").text == "ibis"


@pytest.mark.parametrize(
    ("field", "chain"),
    [
        ("NH Hotel Group", "NH"),
        ("Meliá Hotels International", "Meliá"),
        ("melia", "Meliá"),
        ("Barcelo Hotel Group", "Barceló"),
        ("Grupo Hoteles Andaluces", "Grupo Hoteles Andaluces"),
        ("  ", None),
    ],
)
def test_suppliers_chain_fields_name_the_same_chain(field: str, chain: str | None) -> None:
    assert canonical_chain(field) == chain


@pytest.mark.parametrize(
    ("address", "country", "text"),
    [
        ("C/ Sierpes, 12", "ES", "calle sierpes 12"),
        ("C/Sierpes 12", "ES", "calle sierpes 12"),
        ("Avda. de la Constitución, 5", "ES", "avenida constitucion 5"),
        ("Av. Constitución 5", "ES", "avenida constitucion 5"),
        ("Pza. Nueva 7", "ES", "plaza nueva 7"),
        ("Pº de Colón 2", "ES", "paseo colon 2"),
        ("R. Augusta, 24", "PT", "rua augusta 24"),
        ("Pça. do Comércio 1", "PT", "praca comercio 1"),
        ("12 r. de Rivoli", "FR", "12 rue rivoli"),
        ("3 bd Saint-Michel", "FR", "3 boulevard saint michel"),
        ("P.za Navona 3", "IT", "piazza navona 3"),
        ("C.so Vittorio Emanuele II, 21", "IT", "corso vittorio emanuele ii 21"),
        ("221 Baker St", None, "221 baker street"),
    ],
)
def test_address_abbreviations_are_expanded(address: str, country: str | None, text: str) -> None:
    assert normalise_address(address, country).text == text


def test_house_numbers_are_kept_apart_for_the_address_comparison() -> None:
    address = normalise_address("C/ Sierpes, nº 12", "ES")
    assert address.street == "sierpes"
    assert address.numbers == ("12",)
    assert normalise_address("Plaza Nueva s/n", "ES").numbers == ()


def test_numbers_that_name_the_street_are_part_of_the_street() -> None:
    address = normalise_address("Rua 5 de Outubro, 93", "PT")
    assert address.street == "5 outubro"
    assert address.numbers == ("93",)
    assert normalise_address("Via 20 Settembre 4", "IT").numbers == ("4",)


def test_a_postal_code_and_the_city_after_the_number_are_not_the_street() -> None:
    assert normalise_address("Calle Sierpes 12, 41004 Sevilla", "ES", "Sevilla").street == (
        "sierpes"
    )
    assert normalise_address("Rua Augusta 24, 1100-048 Lisboa", "PT", "Lisboa").numbers == ("24",)
    assert normalise_address("Calle Granada 5", "ES", "Granada").street == "granada"


def test_a_street_named_only_by_its_type_keeps_it() -> None:
    assert normalise_address("Via del Corso, 12", "IT").street == "via corso"


def test_the_spellings_of_a_city_fold_to_one() -> None:
    assert city_key("SEVILLA") == city_key("Seville") == city_key("Sevilha") == "sevilla"
    assert city_key("Lisbon") == "lisboa"
    assert city_key("Aix-en-Provence") == "aix en provence"
