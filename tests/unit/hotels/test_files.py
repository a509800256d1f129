"""Suppliers' files, whatever their layout, read into rows with the directory's field names: a
`;`-separated Spanish spreadsheet, tab-separated UTF-16, JSON arrays, wrapped API dumps, JSON
Lines, GeoJSON; a malformed file is refused naming the file, a malformed row never stops the
reading."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from perla_core.hotels.files import (
    RawRow,
    country_of,
    read_csv,
    read_json,
    read_rows,
    resolve_column,
)
from perla_core.kernel.errors import InvalidInput
from perla_core.kernel.text import decode_file, detect_file_format


def csv_rows(text: str) -> list[RawRow]:
    return list(read_csv(io.StringIO(text, newline="")))


def json_rows(document: Any) -> list[RawRow]:
    return list(read_json(json.dumps(document)))


def file_error(read: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        list(read())
    assert caught.value.field == "file"
    return caught.value


# --- CSV ----------------------------------------------------------------------------------


def test_an_english_comma_separated_file_is_read_with_its_line_numbers() -> None:
    rows = csv_rows(
        "ref,name,city,country,latitude,longitude,phone\n"
        "41-1,Hotel Inglaterra,Sevilla,ES,37.3886,-5.9953,+34 954 22 49 70\n"
        "41-2,Hotel Alfonso XIII,Sevilla,ES,,,\n"
    )
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].fields == {
        "ref": "41-1",
        "name": "Hotel Inglaterra",
        "city": "Sevilla",
        "country": "ES",
        "latitude": "37.3886",
        "longitude": "-5.9953",
        "phone": "+34 954 22 49 70",
    }
    assert rows[1].fields == {
        "ref": "41-2",
        "name": "Hotel Alfonso XIII",
        "city": "Sevilla",
        "country": "ES",
    }
    assert rows[0].ref == "41-1"


def test_a_semicolon_separated_spanish_spreadsheet_with_a_bom_maps_every_column() -> None:
    text = (
        "\ufeffCódigo;Nombre;Cadena;Categoría;Dirección;Número;C.P.;Localidad;País;"
        "Coordenadas;Teléfono;Correo electrónico;Página web;Observaciones\n"
        "41-1;Hotel Inglaterra;;4 estrellas;Plaza Nueva;7;41001;Sevilla;España;"
        "37.3886, -5.9953;954 22 49 70 / 954 22 49 71;reservas@hi.es;www.hi.es;céntrico\n"
    )
    reader = read_csv(io.StringIO(text, newline=""))
    (row,) = list(reader)
    assert row.fields == {
        "ref": "41-1",
        "name": "Hotel Inglaterra",
        "stars": "4",
        "address": "Plaza Nueva, 7",
        "postal_code": "41001",
        "city": "Sevilla",
        "country": "ES",
        "latitude": "37.3886",
        "longitude": "-5.9953",
        "phone": "954 22 49 70",
        "email": "reservas@hi.es",
        "website": "www.hi.es",
    }
    assert reader.columns["Código"] == "ref"
    assert reader.columns["Categoría"] == "stars"
    assert reader.ignored == ["Observaciones"]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Hotel Name", "name"),
        ("hotel_name", "name"),
        ("hotelName", "name"),
        ("NOMBRE", "name"),
        ("nom", "name"),
        ("nome", "name"),
        ("Hotel", "name"),
        ("name_es", "name"),
        ("city", "city"),
        ("Ciudad", "city"),
        ("localidad", "city"),
        ("Ville", "city"),
        ("cidade", "city"),
        ("Città", "city"),
        ("Stadt", "city"),
        ("town", "city"),
        ("city_name", "city"),
        ("Hotel City", "city"),
        ("country", "country"),
        ("País", "country"),
        ("country_code", "country"),
        ("countryCode", "country"),
        ("pays", "country"),
        ("address", "address"),
        ("Dirección", "address"),
        ("adresse", "address"),
        ("endereço", "address"),
        ("indirizzo", "address"),
        ("Straße", "address"),
        ("street", "address"),
        ("postal_code", "postal_code"),
        ("ZIP", "postal_code"),
        ("CP", "postal_code"),
        ("Código Postal", "postal_code"),
        ("postcode", "postal_code"),
        ("PLZ", "postal_code"),
        ("lat", "latitude"),
        ("Latitud", "latitude"),
        ("lon", "longitude"),
        ("lng", "longitude"),
        ("long", "longitude"),
        ("longitud", "longitude"),
        ("phone", "phone"),
        ("Teléfono", "phone"),
        ("tel", "phone"),
        ("telephone", "phone"),
        ("stars", "stars"),
        ("estrellas", "stars"),
        ("category", "stars"),
        ("categoria", "stars"),
        ("rating", "stars"),
        ("chain", "chain"),
        ("cadena", "chain"),
        ("brand", "chain"),
        ("group", "chain"),
        ("email", "email"),
        ("E-mail", "email"),
        ("correo", "email"),
        ("website", "website"),
        ("web", "website"),
        ("URL", "website"),
        ("ref", "ref"),
        ("id", "ref"),
        ("code", "ref"),
        ("codigo", "ref"),
        ("hotel_id", "ref"),
        ("supplier_code", "ref"),
    ],
)
def test_headers_are_recognised_in_six_languages_and_feed_spellings(
    header: str, field: str
) -> None:
    found = resolve_column(header)
    assert found is not None
    assert found[0] == field


@pytest.mark.parametrize("header", ["notes", "Fax", "Provincia", "description", "", "??"])
def test_unknown_headers_fill_no_field(header: str) -> None:
    assert resolve_column(header) is None


def test_the_better_spelling_wins_and_the_other_fills_in_where_it_is_blank() -> None:
    rows = csv_rows("name,stars,rating,country\nA,3,8.7,ES\nB,,4,ES\n")
    assert rows[0].fields["stars"] == "3"
    assert rows[1].fields["stars"] == "4"


@pytest.mark.parametrize(
    ("delimiter", "name"), [("\t", "tab"), ("|", "pipe"), (",", "comma"), (";", "semicolon")]
)
def test_the_delimiter_is_sniffed_from_the_header(delimiter: str, name: str) -> None:
    header = delimiter.join(["name", "address", "city", "country"])
    line = delimiter.join(['"Hotel Sol, Playa"', '"Calle Mar, 3"', "Málaga", "ES"])
    (row,) = csv_rows(f"{header}\n{line}\n")
    assert row.fields == {
        "name": "Hotel Sol, Playa",
        "address": "Calle Mar, 3",
        "city": "Málaga",
        "country": "ES",
    }, name


def test_excel_sep_line_and_a_title_above_the_header_are_skipped() -> None:
    rows = csv_rows("sep=;\nListado de hoteles 2024\n\nnombre;ciudad;pais\nHotel Sol;Málaga;ES\n")
    assert [(row.line, row.fields["name"]) for row in rows] == [(5, "Hotel Sol")]


def test_a_quoted_value_may_span_lines_and_the_row_keeps_its_first_line() -> None:
    rows = csv_rows('name,address,country\n"Hotel A","Calle Larios,\n 5",ES\nHotel B,,ES\n')
    assert [(row.line, row.fields["name"]) for row in rows] == [(2, "Hotel A"), (4, "Hotel B")]
    assert rows[0].fields["address"] == "Calle Larios, 5"


def test_a_row_with_more_values_than_columns_is_yielded_with_its_problem_and_reading_goes_on() -> (
    None
):
    rows = csv_rows("name;address;country\nHotel A;Calle Sol; 3;ES\nHotel B;Calle Luna 4;ES\n")
    assert rows[0].line == 2
    assert rows[0].problems == (
        (
            "row",
            "has 4 values but the header has 3 columns (a semicolon inside an unquoted value?)",
        ),
    )
    assert rows[1].problems == ()
    assert rows[1].fields["name"] == "Hotel B"


def test_a_quote_that_never_closes_is_reported_on_the_row_that_opened_it() -> None:
    lines = "".join(f"Hotel {i},ES\n" for i in range(15))
    rows = csv_rows(f'name,country\nHotel A,ES\n"Hotel B,ES\n{lines}')
    assert rows[0].problems == ()
    assert rows[1].line == 3
    assert "never closed" in rows[1].problems[0][1]


def test_blank_lines_and_blank_markers_are_skipped() -> None:
    rows = csv_rows("name,city,phone,country\n\n,,,\nHotel A,N/A,-,ES\n")
    assert [(row.line, row.fields) for row in rows] == [(4, {"name": "Hotel A", "country": "ES"})]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4 estrellas", "4"),
        ("4*", "4"),
        ("****", "4"),
        ("★★★", "3"),
        ("3 Sup", "3"),
        ("H2", "2"),
        ("5", "5"),
        ("4.5", "4.5"),
    ],
)
def test_star_ratings_as_people_write_them_become_numbers(raw: str, expected: str) -> None:
    (row,) = csv_rows(f"name,country,stars\nHotel A,ES,{raw}\n")
    assert row.fields["stars"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ES", "ES"),
        ("es", "ES"),
        ("España", "ES"),
        ("Spain", "ES"),
        ("ESP", "ES"),
        ("Portugal", "PT"),
        ("PRT", "PT"),
        ("Royaume-Uni", "GB"),
        ("UK", "GB"),
        ("Deutschland", "DE"),
        ("Atlantis", None),
        ("XX", None),
    ],
)
def test_country_names_and_alpha3_codes_are_read_as_iso_codes(
    raw: str, expected: str | None
) -> None:
    assert country_of(raw) == expected


def test_an_unknown_country_is_left_as_written_for_the_record_to_refuse() -> None:
    (row,) = csv_rows("name,country\nHotel A,Atlantis\n")
    assert row.fields["country"] == "Atlantis"


@pytest.mark.parametrize(
    ("raw", "lat", "lon"),
    [
        ("37.3886, -5.9953", "37.3886", "-5.9953"),
        ("37.3886,-5.9953", "37.3886", "-5.9953"),
        ("37,3886;-5,9953", "37,3886", "-5,9953"),
        ("37.3886 -5.9953", "37.3886", "-5.9953"),
        ("POINT(-5.9953 37.3886)", "37.3886", "-5.9953"),
    ],
)
def test_a_coordinates_column_fills_latitude_and_longitude(raw: str, lat: str, lon: str) -> None:
    (row,) = csv_rows(f'name,country,gps\nHotel A,ES,"{raw}"\n')
    assert (row.fields["latitude"], row.fields["longitude"]) == (lat, lon)


def test_a_file_without_a_column_naming_the_hotel_is_refused_showing_its_columns() -> None:
    error = file_error(lambda: csv_rows("code,town,country\n1,Sevilla,ES\n"))
    assert "a column naming the hotel" in str(error)
    assert "code, town, country" in str(error)


def test_an_empty_file_is_refused() -> None:
    file_error(lambda: csv_rows(""))


def test_a_header_alone_is_a_file_without_rows() -> None:
    assert csv_rows("name,country\n") == []


# --- JSON ---------------------------------------------------------------------------------

HOTEL = {"id": "H1", "name": "Hotel Inglaterra", "city": "Sevilla", "country": "ES"}
FIELDS = {"ref": "H1", "name": "Hotel Inglaterra", "city": "Sevilla", "country": "ES"}


@pytest.mark.parametrize(
    "document",
    [
        [HOTEL],
        {"hotels": [HOTEL]},
        {"data": [HOTEL]},
        {"items": [HOTEL]},
        {"results": [HOTEL]},
        {"data": {"hotels": [HOTEL]}},
        {"meta": {"page": 1}, "hotelList": [HOTEL]},
        HOTEL,
        [{"hotel": HOTEL}],
    ],
    ids=["array", "hotels", "data", "items", "results", "nested", "only-list", "one", "wrapped"],
)
def test_json_arrays_and_the_usual_wrappers_are_read(document: Any) -> None:
    (row,) = json_rows(document)
    assert row.line == 1
    assert row.fields == FIELDS


def test_nested_location_address_and_contact_objects_are_flattened() -> None:
    (row,) = json_rows(
        [
            {
                "hotelCode": 1021,
                "name": {"es": "Hotel Inglaterra", "en": "Inglaterra Hotel"},
                "location": {"lat": 37.3886, "lng": -5.9953},
                "address": {
                    "street": "Plaza Nueva",
                    "number": 7,
                    "city": "Sevilla",
                    "postal_code": "41001",
                    "country": {"code": "ES", "name": "Spain"},
                },
                "contact": {"phones": ["954 22 49 70", "954 22 49 71"], "email": "r@hi.es"},
                "category": {"name": "4*"},
                "amenities": {"wifi": True},
            }
        ]
    )
    assert row.fields == {
        "ref": "1021",
        "name": "Hotel Inglaterra",
        "latitude": "37.3886",
        "longitude": "-5.9953",
        "address": "Plaza Nueva, 7",
        "city": "Sevilla",
        "postal_code": "41001",
        "country": "ES",
        "phone": "954 22 49 70",
        "email": "r@hi.es",
        "stars": "4",
    }


def test_coordinates_lists_are_lat_lon_but_geojson_points_lon_lat() -> None:
    (plain,) = json_rows([{**HOTEL, "coordinates": [37.3886, -5.9953]}])
    assert (plain.fields["latitude"], plain.fields["longitude"]) == ("37.3886", "-5.9953")
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-5.9953, 37.3886]},
                "properties": HOTEL,
            }
        ],
    }
    reader = read_json(json.dumps(geojson))
    (feature,) = list(reader)
    assert feature.fields == {**FIELDS, "latitude": "37.3886", "longitude": "-5.9953"}
    assert reader.ignored == []


def test_geo_objects_fill_coordinates_and_a_top_level_field_beats_a_nested_one() -> None:
    (row,) = json_rows(
        [{**HOTEL, "geo": {"latitude": "37.39", "longitude": "-5.99"}, "address": {"city": "X"}}]
    )
    assert (row.fields["latitude"], row.fields["longitude"], row.fields["city"]) == (
        "37.39",
        "-5.99",
        "Sevilla",
    )


def test_json_rows_that_are_not_objects_are_yielded_with_their_problem() -> None:
    rows = json_rows([HOTEL, "Hotel Sol", None, {**HOTEL, "id": "H2"}])
    assert [(row.line, row.problems) for row in rows] == [
        (1, ()),
        (2, (("row", "is not an object (found a string)"),)),
        (3, (("row", "is not an object (found null)"),)),
        (4, ()),
    ]


def test_json_lines_are_read_line_by_line_and_a_broken_line_is_one_bad_row() -> None:
    text = "\n".join(
        [json.dumps(HOTEL), '{"name": "Hotel Sol", ', "", json.dumps({**HOTEL, "id": "H3"})]
    )
    rows = list(read_json(text))
    assert [row.line for row in rows] == [1, 2, 4]
    assert rows[1].problems[0][0] == "row"
    assert "not valid JSON" in rows[1].problems[0][1]
    assert rows[2].fields["ref"] == "H3"


def test_unknown_keys_are_listed_once_as_ignored() -> None:
    reader = read_json(json.dumps([{**HOTEL, "rooms": 80}, {**HOTEL, "rooms": 12, "spa": True}]))
    list(reader)
    assert reader.ignored == ["rooms", "spa"]
    assert reader.total == 2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[{"name": "A", ', "is not valid JSON"),
        ("{nope}", "is not valid JSON"),
        ('{"meta": {"page": 1}}', "holds no list of hotels"),
        ('[{"rooms": 3}, {"rooms": 4}]', "no field naming the hotel"),
    ],
)
def test_a_malformed_json_file_is_refused_naming_the_file(text: str, says: str) -> None:
    error = file_error(lambda: read_json(text))
    assert says in str(error)


# --- any file -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("hotels.csv", "name,city\n", "csv"),
        ("hotels.txt", "name;city\n", "csv"),
        ("hotels.json", "[", "json"),
        ("hotels.jsonl", '{"name": 1}\n', "json"),
        ("export", '\ufeff  [{"name": "A"}]', "json"),
        ("export.csv", '{"hotels": []}', "json"),
        ("export", "nombre;ciudad\n", "csv"),
    ],
)
def test_the_format_comes_from_the_text_or_the_name(name: str, head: str, expected: str) -> None:
    assert detect_file_format(name, head) == expected


def test_read_rows_reads_a_whole_file_as_its_format_says() -> None:
    assert [r.fields["name"] for r in read_rows("name,country\nA,ES\n", "a.csv")] == ["A"]
    assert [r.fields["name"] for r in read_rows(json.dumps([HOTEL]), "a.json")] == [
        "Hotel Inglaterra"
    ]
    with pytest.raises(InvalidInput):
        read_rows("name,country\nA,ES\n", "a.csv", file_format="json")


@pytest.mark.parametrize(
    "data",
    [
        "nombre;ciudad\nHotel Niño;Cádiz\n".encode(),
        "\ufeffnombre;ciudad\nHotel Niño;Cádiz\n".encode(),
        "nombre;ciudad\nHotel Niño;Cádiz\n".encode("cp1252"),
        "nombre;ciudad\nHotel Niño;Cádiz\n".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1252", "utf-16"],
)
def test_files_are_decoded_from_the_encodings_spreadsheets_export(data: bytes) -> None:
    assert decode_file(data) == "nombre;ciudad\nHotel Niño;Cádiz\n"
