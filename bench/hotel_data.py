"""Seeded, real-looking hotels of Spain, Portugal, Italy and France, and a labelled evaluation set.

:func:`generate` builds, from one seed:

- **a directory** of supplier rows (raw strings, as an import file has them): hotels with
  names made of plausible parts ("Hotel Alcázar del Rey", "Hostal Sevilla Centro", "NH Madrid
  Chamberí", "B&B Palazzo dei Fiori Trastevere", "Hôtel du Louvre Opéra"), in real cities with
  plausible coordinates around their centres, real-looking streets and house numbers, postal
  codes and phones in each country's national numbering, chains, stars, e-mails and websites.
  Some hotels come from two suppliers (a second row with another phone format, abbreviations,
  coordinates a few metres off, fields missing ...), and some have a near-namesake of their own
  in the same city ("Hotel Sevilla Centro" and "Hotel Sevilla Congresos");
- **labelled queries**: *positives* describe a directory hotel the way another supplier or an
  agent would (typos, missing accents, reordered words, chain prefixes added or removed, kind
  words dropped or translated, abbreviations, other phone formats, coordinates a few metres off,
  missing fields), labelled with that hotel; *negatives* describe a hotel that is not in the
  directory but is a near-namesake of one in the same city (another qualifier, another kind,
  "II", another chain, another complement), with its own address, phone and place: a confident
  match on a negative is a false positive.

Ground truth is the *hotel* (``Dataset.hotel_of`` maps each row's ref to it): a positive is
matched when the confident candidate is any row of its hotel.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs

Row = dict[str, str]

FIELDS: Final = (
    "ref",
    "source",
    "name",
    "chain",
    "address",
    "city",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "phone",
    "stars",
    "email",
    "website",
)
SOURCES: Final = ("dome", "hotelbeds", "w2m", "restel", "import")


@attrs.frozen
class City:
    name: str
    country: str
    lat: float
    lon: float
    weight: float
    postal: str  # the postal code's first digits (Portugal: the 4-digit zone)
    phones: tuple[str, ...]  # national prefixes of its landlines
    districts: tuple[str, ...] = ()
    exonym: str | None = None

    @property
    def spread_km(self) -> float:
        return 0.7 + 2.3 * math.sqrt(self.weight / 100)


def _c(
    name: str,
    country: str,
    lat: float,
    lon: float,
    weight: float,
    postal: str,
    phones: str,
    districts: str = "",
    exonym: str | None = None,
) -> City:
    return City(
        name,
        country,
        lat,
        lon,
        weight,
        postal,
        tuple(phones.split()),
        tuple(d for d in districts.split(",") if d),
        exonym,
    )


CITIES: Final = (
    # Spain: postal prefix (province), landline prefixes
    _c(
        "Madrid",
        "ES",
        40.4168,
        -3.7038,
        100,
        "28",
        "91",
        "Sol,Chamberí,Salamanca,Retiro,Chueca,Malasaña,Lavapiés,Castellana,Atocha,Barajas,"
        "Gran Vía,Prado",
    ),
    _c(
        "Barcelona",
        "ES",
        41.3874,
        2.1686,
        95,
        "08",
        "93",
        "Ramblas,Gràcia,Eixample,Born,Sants,Sagrada Familia,Barceloneta,Gòtic,Raval,Diagonal,"
        "Poblenou",
    ),
    _c(
        "Sevilla",
        "ES",
        37.3891,
        -5.9845,
        40,
        "41",
        "954 955",
        "Triana,Santa Cruz,Macarena,Nervión,Alameda,Arenal",
        "Seville",
    ),
    _c(
        "Valencia",
        "ES",
        39.4699,
        -0.3763,
        35,
        "46",
        "96",
        "Ruzafa,Ciutat Vella,Malvarrosa,Cabanyal,Turia",
    ),
    _c("Málaga", "ES", 36.7213, -4.4214, 35, "29", "952", "Soho,Malagueta,Pedregalejo,Larios"),
    _c("Granada", "ES", 37.1773, -3.5986, 25, "18", "958", "Albaicín,Realejo,Sacromonte,Alhambra"),
    _c(
        "Palma",
        "ES",
        39.5696,
        2.6502,
        40,
        "07",
        "971",
        "Portixol,Santa Catalina,Playa de Palma,Paseo Marítimo",
    ),
    _c("Benidorm", "ES", 38.5411, -0.1225, 25, "03", "96", "Levante,Poniente,Rincón de Loix"),
    _c("Alicante", "ES", 38.3452, -0.4810, 20, "03", "965", "Postiguet,San Juan,Explanada"),
    _c("Marbella", "ES", 36.5101, -4.8825, 20, "29", "952", "Puerto Banús,Milla de Oro"),
    _c("Bilbao", "ES", 43.2630, -2.9350, 15, "48", "94", "Abando,Indautxu,Casco Viejo,Deusto"),
    _c(
        "San Sebastián", "ES", 43.3183, -1.9812, 15, "20", "943", "Gros,Amara,Parte Vieja,Ondarreta"
    ),
    _c("Santiago de Compostela", "ES", 42.8782, -8.5448, 10, "15", "981", "Obradoiro,Ensanche"),
    _c("Córdoba", "ES", 37.8882, -4.7794, 12, "14", "957", "Judería,Mezquita,Tendillas"),
    _c("Salamanca", "ES", 40.9701, -5.6635, 8, "37", "923"),
    _c("Toledo", "ES", 39.8628, -4.0273, 8, "45", "925"),
    _c("Zaragoza", "ES", 41.6488, -0.8891, 10, "50", "976", "Pilar,Delicias"),
    _c("Cádiz", "ES", 36.5271, -6.2886, 8, "11", "956"),
    _c(
        "Las Palmas de Gran Canaria",
        "ES",
        28.1235,
        -15.4363,
        15,
        "35",
        "928",
        "Las Canteras,Vegueta,Triana",
    ),
    _c("Santa Cruz de Tenerife", "ES", 28.4636, -16.2518, 10, "38", "922"),
    _c("Ibiza", "ES", 38.9067, 1.4206, 12, "07", "971", "Dalt Vila,Marina,Figueretas"),
    _c("Salou", "ES", 41.0764, 1.1416, 10, "43", "977"),
    _c("Lloret de Mar", "ES", 41.6999, 2.8456, 8, "17", "972"),
    _c("Girona", "ES", 41.9794, 2.8214, 6, "17", "972"),
    _c("Valladolid", "ES", 41.6523, -4.7245, 6, "47", "983"),
    _c("Santander", "ES", 43.4623, -3.8100, 6, "39", "942", "Sardinero"),
    _c("Torremolinos", "ES", 36.6203, -4.4998, 12, "29", "952", "La Carihuela,Playamar"),
    _c("Murcia", "ES", 37.9922, -1.1307, 5, "30", "968"),
    _c("Pamplona", "ES", 42.8125, -1.6458, 5, "31", "948"),
    _c("León", "ES", 42.5987, -5.5671, 4, "24", "987"),
    _c("Segovia", "ES", 40.9429, -4.1088, 4, "40", "921"),
    _c("Ronda", "ES", 36.7423, -5.1671, 3, "29", "952"),
    _c("Mérida", "ES", 38.9161, -6.3437, 3, "06", "924"),
    _c("Jerez de la Frontera", "ES", 36.6850, -6.1261, 4, "11", "956"),
    _c("Sitges", "ES", 41.2379, 1.8059, 4, "08", "93"),
    _c("Adeje", "ES", 28.1227, -16.7260, 8, "38", "922", "Costa Adeje,Playa de Fañabé"),
    _c("Oviedo", "ES", 43.3614, -5.8494, 5, "33", "985"),
    # Portugal: 4-digit postal zone, landline prefixes
    _c(
        "Lisboa",
        "PT",
        38.7223,
        -9.1393,
        60,
        "1100",
        "21",
        "Alfama,Baixa,Chiado,Bairro Alto,Belém,Saldanha,Parque das Nações,Rossio,Graça",
        "Lisbon",
    ),
    _c(
        "Porto",
        "PT",
        41.1579,
        -8.6291,
        40,
        "4000",
        "22",
        "Ribeira,Boavista,Aliados,Foz,Bolhão",
        "Oporto",
    ),
    _c("Faro", "PT", 37.0194, -7.9304, 8, "8000", "289"),
    _c("Albufeira", "PT", 37.0885, -8.2503, 20, "8200", "289", "Oura,Galé,Olhos de Água"),
    _c("Lagos", "PT", 37.1028, -8.6730, 8, "8600", "282", "Meia Praia,Porto de Mós"),
    _c("Portimão", "PT", 37.1386, -8.5372, 8, "8500", "282", "Praia da Rocha"),
    _c("Funchal", "PT", 32.6669, -16.9241, 18, "9000", "291", "Lido,Zona Velha,Sé"),
    _c("Coimbra", "PT", 40.2033, -8.4103, 6, "3000", "239"),
    _c("Braga", "PT", 41.5454, -8.4265, 6, "4700", "253"),
    _c("Évora", "PT", 38.5714, -7.9135, 5, "7000", "266"),
    _c("Sintra", "PT", 38.8029, -9.3817, 5, "2710", "21"),
    _c("Cascais", "PT", 38.6979, -9.4215, 8, "2750", "21", "Estoril,Guincho"),
    _c("Aveiro", "PT", 40.6405, -8.6538, 4, "3800", "234"),
    _c("Ponta Delgada", "PT", 37.7412, -25.6756, 5, "9500", "296"),
    _c("Tavira", "PT", 37.1275, -7.6506, 4, "8800", "281"),
    _c("Loulé", "PT", 37.0771, -8.1175, 6, "8125", "289", "Vilamoura,Quarteira"),
    _c("Nazaré", "PT", 39.6012, -9.0700, 3, "2450", "262"),
    _c("Guimarães", "PT", 41.4425, -8.2918, 3, "4800", "253"),
    # Italy: postal prefix, landline prefixes (with their 0)
    _c(
        "Roma",
        "IT",
        41.9028,
        12.4964,
        90,
        "001",
        "06",
        "Trastevere,Monti,Termini,Prati,Navona,Pantheon,Spagna,Vaticano,Testaccio,Aventino,"
        "Colosseo",
        "Rome",
    ),
    _c(
        "Milano",
        "IT",
        45.4642,
        9.1900,
        60,
        "201",
        "02",
        "Navigli,Brera,Duomo,Centrale,Porta Romana,Isola,Fiera",
        "Milan",
    ),
    _c(
        "Venezia",
        "IT",
        45.4408,
        12.3155,
        40,
        "301",
        "041",
        "San Marco,Rialto,Cannaregio,Dorsoduro,Castello,Lido,Mestre",
        "Venice",
    ),
    _c(
        "Firenze",
        "IT",
        43.7696,
        11.2558,
        45,
        "501",
        "055",
        "Oltrarno,Santa Croce,San Lorenzo,Santo Spirito,Ponte Vecchio,Fortezza",
        "Florence",
    ),
    _c(
        "Napoli",
        "IT",
        40.8518,
        14.2681,
        25,
        "801",
        "081",
        "Chiaia,Vomero,Spaccanapoli,Mergellina",
        "Naples",
    ),
    _c(
        "Torino",
        "IT",
        45.0703,
        7.6869,
        15,
        "101",
        "011",
        "Lingotto,Porta Nuova,Vanchiglia",
        "Turin",
    ),
    _c("Bologna", "IT", 44.4949, 11.3426, 15, "401", "051", "Santo Stefano,Fiera,Maggiore"),
    _c("Verona", "IT", 45.4384, 10.9916, 12, "371", "045", "Arena,Borgo Trento"),
    _c("Genova", "IT", 44.4056, 8.9463, 10, "161", "010", "Porto Antico,Boccadasse,Brignole"),
    _c("Palermo", "IT", 38.1157, 13.3615, 12, "901", "091", "Kalsa,Mondello,Politeama"),
    _c("Catania", "IT", 37.5079, 15.0830, 8, "951", "095"),
    _c("Bari", "IT", 41.1171, 16.8719, 8, "701", "080", "Bari Vecchia,Murat"),
    _c("Pisa", "IT", 43.7228, 10.4017, 6, "561", "050"),
    _c("Siena", "IT", 43.3188, 11.3308, 6, "531", "0577"),
    _c(
        "Rimini",
        "IT",
        44.0678,
        12.5695,
        25,
        "479",
        "0541",
        "Marina Centro,Rivazzurra,Viserba,Bellariva",
    ),
    _c("Sorrento", "IT", 40.6263, 14.3757, 8, "800", "081"),
    _c("Taormina", "IT", 37.8516, 15.2853, 6, "980", "0942", "Mazzarò,Isola Bella"),
    _c("Como", "IT", 45.8081, 9.0852, 6, "221", "031"),
    _c("Lucca", "IT", 43.8429, 10.5027, 4, "551", "0583"),
    _c("Perugia", "IT", 43.1107, 12.3908, 4, "061", "075"),
    _c("Cagliari", "IT", 39.2238, 9.1217, 6, "091", "070", "Poetto,Marina"),
    _c("Trieste", "IT", 45.6495, 13.7768, 4, "341", "040"),
    _c("Padova", "IT", 45.4064, 11.8768, 5, "351", "049"),
    _c("Riccione", "IT", 43.9990, 12.6560, 12, "478", "0541"),
    _c("Amalfi", "IT", 40.6340, 14.6027, 4, "840", "089"),
    _c("Lecce", "IT", 40.3515, 18.1750, 4, "731", "0832"),
    _c("Bolzano", "IT", 46.4983, 11.3548, 4, "391", "0471"),
    # France: postal prefix, landline prefixes (without their 0)
    _c(
        "Paris",
        "FR",
        48.8566,
        2.3522,
        100,
        "750",
        "1",
        "Marais,Montmartre,Saint-Germain,Bastille,Opéra,Louvre,Montparnasse,Champs-Élysées,"
        "Quartier Latin,République,Tour Eiffel,Gare de Lyon,Batignolles",
    ),
    _c("Nice", "FR", 43.7102, 7.2620, 25, "060", "4", "Promenade,Vieux Nice,Cimiez,Port,Masséna"),
    _c(
        "Lyon",
        "FR",
        45.7640,
        4.8357,
        20,
        "6900",
        "4",
        "Bellecour,Part-Dieu,Croix-Rousse,Vieux Lyon,Confluence",
    ),
    _c(
        "Marseille",
        "FR",
        43.2965,
        5.3698,
        20,
        "130",
        "4",
        "Vieux Port,Joliette,Prado,Castellane",
        "Marseilles",
    ),
    _c("Bordeaux", "FR", 44.8378, -0.5792, 12, "330", "5", "Chartrons,Saint-Pierre,Mériadeck"),
    _c("Toulouse", "FR", 43.6047, 1.4442, 10, "310", "5", "Capitole,Saint-Cyprien,Compans"),
    _c("Strasbourg", "FR", 48.5734, 7.7521, 10, "670", "3", "Petite France,Krutenau"),
    _c("Lille", "FR", 50.6292, 3.0573, 8, "590", "3", "Vieux Lille,Euralille"),
    _c("Nantes", "FR", 47.2184, -1.5536, 7, "440", "2"),
    _c("Montpellier", "FR", 43.6108, 3.8767, 8, "340", "4", "Comédie,Antigone"),
    _c("Cannes", "FR", 43.5528, 7.0174, 12, "064", "4", "Croisette,Suquet"),
    _c("Avignon", "FR", 43.9493, 4.8055, 5, "840", "4"),
    _c("Biarritz", "FR", 43.4832, -1.5586, 5, "642", "5"),
    _c("Rennes", "FR", 48.1173, -1.6778, 5, "350", "2"),
    _c("Annecy", "FR", 45.8992, 6.1294, 5, "740", "4"),
    _c("Chamonix-Mont-Blanc", "FR", 45.9237, 6.8694, 5, "744", "4"),
    _c("Aix-en-Provence", "FR", 43.5297, 5.4474, 5, "131", "4"),
    _c("Reims", "FR", 49.2583, 4.0317, 4, "511", "3"),
    _c("La Rochelle", "FR", 46.1603, -1.1511, 4, "170", "5"),
    _c("Saint-Malo", "FR", 48.6493, -2.0257, 4, "354", "2", "Intra-Muros"),
    _c("Ajaccio", "FR", 41.9192, 8.7386, 4, "200", "4"),
    _c("Versailles", "FR", 48.8049, 2.1204, 4, "780", "1"),
    _c("Antibes", "FR", 43.5808, 7.1251, 5, "066", "4", "Juan-les-Pins"),
    _c("Lourdes", "FR", 43.0947, -0.0458, 6, "651", "5"),
)

# --- words ------------------------------------------------------------------------------------


@attrs.frozen
class Language:
    kinds: tuple[tuple[str, float], ...]  # the kind word and how often it is used
    nouns: tuple[str, ...]
    complements: tuple[str, ...]
    people: tuple[str, ...]
    qualifiers: tuple[str, ...]
    streets: tuple[str, ...]
    street_types: tuple[tuple[str, float], ...]
    abbreviations: dict[str, tuple[str, ...]]
    translations: dict[str, str]  # kind words as foreign suppliers write them
    tld: str
    mailbox: tuple[str, ...]


def _w(text: str) -> tuple[str, ...]:
    """Comma-separated words, over as many lines as it takes."""
    return tuple(" ".join(w.split()) for w in text.split(",") if w.strip())


LANGUAGES: Final = {
    "ES": Language(
        kinds=(
            ("Hotel", 55),
            ("Hostal", 10),
            ("Apartamentos", 6),
            ("Aparthotel", 3),
            ("Hotel Boutique", 4),
            ("Pensión", 3),
            ("Hostel", 3),
            ("", 10),
        ),
        nouns=_w(
            """
            Casa, Palacio, Torre, Puerta, Mirador, Jardín, Patio, Villa, Posada, Alcázar,
            Convento, Corral, Molino, Fuente, Cortijo, Balcón, Atalaya, Castillo, Claustro,
            Rincón, Casona, Hacienda, Terraza, Galería, Mansión, Estrella, Brisa, Perla, Oasis,
            Sol, Luna, Faro, Ola, Duna, Olivo, Naranjo, Azahar, Jazmín, Alameda, Arco, Cigarral,
            Bodega, Venta, Albero, Lonja, Muralla
            """
        ),
        complements=_w(
            """
            del Mar, de la Luna, del Rey, Azul, Blanca, Dorada, Real, de San Juan, de los Reyes,
            del Carmen, Imperial, Mayor, Nueva, Vieja, Antigua, del Sol, Verde, de Oro, del
            Conde, de la Reina, Andaluz, Mediterráneo, del Puerto, de las Flores, del Agua, de
            Santa Ana, de la Villa, de los Naranjos, del Valle, Marinero, Bella, Serena, del
            Parque, de la Catedral, de los Arcos, del Duque, Grande, de Levante, del Olivar, de
            la Plata, Morisca, Mudéjar
            """
        ),
        people=_w(
            """
            Doña Lola, Don Juan, Reina Victoria, Infanta Isabel, Conde Duque, Marqués de
            Zurgena, San Fernando, Santa Isabel, Doña María, Don Quijote, Carlos V, Isabel II,
            Cervantes, Goya, Velázquez, Lope de Vega, Colón, Alfonso XIII, Duque de Alba, San
            Miguel, Santa Cruz, San Pablo, Reyes Católicos, Princesa, Emperador, Almirante,
            Cardenal, Murillo, Zurbarán, Sorolla, Machado, Bécquer, Lorca, Picasso, Gaudí, Don
            Pelayo, Doña Urraca, Condesa, Virrey, Infante
            """
        ),
        qualifiers=_w(
            """
            Centro, Congresos, Aeropuerto, Estación, Playa, Puerto, Catedral, Golf, Parque,
            Museo, Palace, Business, Garden, Express, Park, Sur, Norte, Ciudad, Casco Antiguo,
            Plaza, Monumental, Feria, Universidad, Río, Marina, Avenida, Mercado, Teatro,
            Castellana, Zoco
            """
        ),
        streets=_w(
            """
            Sierpes, Mayor, Real, Alcalá, Constitución, Colón, Cervantes, Goya, Velázquez,
            Serrano, San Vicente, Reyes Católicos, Doctor Fleming, Marqués de Larios, Granada,
            Alfonso XII, San Bernardo, Princesa, Atocha, Toledo, Arenal, Preciados, Fuencarral,
            Hortaleza, San Jacinto, Betis, Tetuán, Recogidas, Gran Capitán, Trajano, Feria,
            Castelar, Jesús del Gran Poder, Menéndez Pelayo, Andalucía, Libertad, Pintor
            Sorolla, Blasco Ibáñez, Mallorca, Aragón, Pelai, Balmes, Muntaner, Rosellón, Sant
            Pau, Diputación, Europa, América, San Fernando, Santa María, San Antonio, Ramón y
            Cajal, Juan Carlos I, Virgen del Carmen, Poeta Querol, Duque de Rivas, Hernán Cortés
            """
        ),
        street_types=(("Calle", 70), ("Avenida", 15), ("Plaza", 8), ("Paseo", 5), ("Ronda", 2)),
        abbreviations={
            "Calle": ("C/", "C/.", "Cl."),
            "Avenida": ("Avda.", "Av.", "Avda"),
            "Plaza": ("Pza.", "Pl."),
            "Paseo": ("Pº", "Pso."),
            "Ronda": ("Rda.",),
        },
        translations={
            "Hotel": "Hotel",
            "Hostal": "Guest House",
            "Apartamentos": "Apartments",
            "Pensión": "Guest House",
            "Aparthotel": "Apart Hotel",
            "Hotel Boutique": "Boutique Hotel",
            "Hostel": "Hostel",
        },
        tld="es",
        mailbox=("info", "reservas", "recepcion", "booking"),
    ),
    "PT": Language(
        kinds=(
            ("Hotel", 55),
            ("Pensão", 5),
            ("Hostel", 5),
            ("Apartamentos", 5),
            ("Guest House", 5),
            ("Hotel Boutique", 3),
            ("", 12),
        ),
        nouns=_w(
            """
            Casa, Quinta, Palácio, Solar, Torre, Vila, Jardim, Miradouro, Convento, Paço,
            Moinho, Fonte, Varanda, Terraço, Chafariz, Farol, Sol, Mar, Lua, Estrela, Azulejo,
            Castelo, Cais, Alpendre, Mosteiro, Lagar, Herdade, Adega, Ninho, Rossio, Pátio,
            Arco, Sobreiro
            """
        ),
        complements=_w(
            """
            do Mar, da Baixa, Azul, Real, das Flores, do Rio, de Santa Maria, do Sol, da Lua,
            Dourado, Velho, Nova, do Conde, da Rainha, do Castelo, dos Arcos, das Janelas
            Verdes, da Sé, do Porto, Atlântico, Lusitano, Imperial, do Vale, da Serra, das
            Oliveiras, do Cabo, Branca, da Ribeira, do Infante, dos Descobrimentos
            """
        ),
        people=_w(
            """
            Dom Henrique, Dom Pedro V, Infante Santo, Rainha Santa, Camões, Pessoa, Eça de
            Queirós, São Jorge, Santa Justa, Marquês de Pombal, Vasco da Gama, Dom Dinis, São
            Bento, Santo António, Almirante, Dona Maria, Dom Afonso, Bartolomeu Dias, Cabral,
            Garrett, São Vicente, Rainha Dona Amélia
            """
        ),
        qualifiers=_w(
            """
            Centro, Aeroporto, Estação, Praia, Marina, Avenida, Garden, Parque, Park, Business,
            Palace, Cidade, Rio, Ribeira, Congressos, Expo, Mar, Golfe, Oceano, Liberdade
            """
        ),
        streets=_w(
            """
            Augusta, da Prata, do Ouro, Garrett, da Liberdade, Almirante Reis, de Santa
            Catarina, das Flores, Dom Pedro V, Cândido dos Reis, de São Bento, da Misericórdia,
            do Carmo, dos Fanqueiros, de Santa Justa, da República, Infante Dom Henrique, 25 de
            Abril, 5 de Outubro, Sá da Bandeira, Mouzinho da Silveira, de Cedofeita, do Almada,
            Fernandes Tomás, de Camões, Alexandre Herculano, Duque de Loulé, Miguel Bombarda,
            Vasco da Gama, dos Descobrimentos, da Sé, do Comércio, Dr. António José de Almeida
            """
        ),
        street_types=(("Rua", 70), ("Avenida", 15), ("Praça", 7), ("Largo", 5), ("Travessa", 3)),
        abbreviations={
            "Rua": ("R.",),
            "Avenida": ("Av.", "Avda."),
            "Praça": ("Pça.", "Pç."),
            "Largo": ("Lg.", "Lgo."),
            "Travessa": ("Tv.", "Trav."),
        },
        translations={
            "Hotel": "Hotel",
            "Pensão": "Guest House",
            "Apartamentos": "Apartments",
            "Guest House": "Pensão",
            "Hotel Boutique": "Boutique Hotel",
            "Hostel": "Hostel",
        },
        tld="pt",
        mailbox=("info", "reservas", "geral", "booking"),
    ),
    "IT": Language(
        kinds=(
            ("Hotel", 50),
            ("Albergo", 5),
            ("B&B", 12),
            ("Residenza", 4),
            ("Appartamenti", 3),
            ("Ostello", 2),
            ("Locanda", 3),
            ("", 10),
        ),
        nouns=_w(
            """
            Palazzo, Villa, Casa, Torre, Corte, Giardino, Porta, Loggia, Convento, Dimora,
            Borgo, Terrazza, Stella, Sole, Luna, Castello, Chiostro, Fontana, Ponte, Vigna,
            Cascina, Masseria, Rocca, Palazzina, Casale, Tenuta, Pergola, Belvedere, Riva,
            Cortile, Baglio, Colonna, Arco, Bottega, Altana, Campanile, Portico
            """
        ),
        complements=_w(
            """
            del Mare, dei Fiori, Reale, d'Oro, Antica, Bella, del Sole, San Marco, Santa Chiara,
            Imperiale, Royal, Bellavista, Miramare, Nuova, Vecchia, del Duca, della Luna, dei
            Pini, del Lago, degli Ulivi, delle Rose, Azzurra, Verde, del Borgo, del Conte, della
            Regina, del Porto, Serena, Dorata, dei Mercanti, del Doge, delle Grazie, dei Gelsi,
            del Cardinale
            """
        ),
        people=_w(
            """
            Santa Maria Novella, San Giorgio, Regina Margherita, Principe di Savoia, Dante,
            Michelangelo, Raffaello, Leonardo, Garibaldi, Cavour, Mazzini, Verdi, Puccini,
            Botticelli, Galileo, Colombo, Marco Polo, Vittoria, Duca d'Aosta, Conte Verde, San
            Pietro, Sant'Angelo, Medici, Borghese, Manzoni, Caravaggio, Tiziano, Petrarca,
            Boccaccio, Bernini, Canova, Goldoni, Donatello, Giotto, Vivaldi, Rossini
            """
        ),
        qualifiers=_w(
            """
            Centro, Stazione, Aeroporto, Duomo, Fiera, Congressi, Lido, Porto, Centrale, Palace,
            Garden, Park, Business, Spiaggia, Marina, Terme, Nord, Sud, Città, Mare, Golf,
            Teatro, Mercato, Università
            """
        ),
        streets=_w(
            """
            del Corso, Nazionale, Roma, Garibaldi, Cavour, Dante, Mazzini, Verdi, Vittorio
            Emanuele II, dei Mille, della Repubblica, XX Settembre, del Babuino, Condotti,
            Veneto, dei Serpenti, del Governo Vecchio, Margutta, Tornabuoni, dei Calzaiuoli,
            Montenapoleone, della Spiga, Manzoni, Toledo, Chiaia, Partenope, Indipendenza,
            Rizzoli, San Felice, Marina, Lungomare, Colombo, Matteotti, Gramsci, IV Novembre,
            Libertà, San Lorenzo, Santa Croce, del Proconsolo
            """
        ),
        street_types=(("Via", 75), ("Piazza", 10), ("Corso", 7), ("Viale", 6), ("Largo", 2)),
        abbreviations={
            "Via": ("V.",),
            "Piazza": ("P.za", "P.zza", "Pza"),
            "Corso": ("C.so",),
            "Viale": ("V.le",),
            "Largo": ("L.go",),
        },
        translations={
            "Hotel": "Hotel",
            "Albergo": "Hotel",
            "B&B": "Bed and Breakfast",
            "Residenza": "Residence",
            "Appartamenti": "Apartments",
            "Ostello": "Hostel",
            "Locanda": "Locanda",
        },
        tld="it",
        mailbox=("info", "prenotazioni", "reception", "booking"),
    ),
    "FR": Language(
        kinds=(("Hôtel", 62), ("Résidence", 5), ("Appart'hôtel", 3), ("Hostel", 3), ("", 12)),
        nouns=_w(
            """
            Maison, Villa, Château, Manoir, Relais, Clos, Jardin, Tour, Mas, Bastide, Domaine,
            Pavillon, Cour, Terrasse, Moulin, Prieuré, Couvent, Hameau, Palais, Belvédère,
            Cloître, Étoile, Soleil, Lune, Océan, Port, Chalet, Logis, Hostellerie, Pont,
            Fontaine, Verger, Tilleul, Grange, Beffroi
            """
        ),
        complements=_w(
            """
            du Lac, des Arts, de la Paix, du Louvre, Bleu, Royal, Saint-Germain, des Fleurs, du
            Port, Beau Rivage, Bellevue, de l'Opéra, des Tilleuls, du Parc, du Château, des
            Vignes, du Roy, de la Reine, Doré, des Lys, du Soleil, de Provence, des Pins, de la
            Mer, d'Angleterre, du Palais, des Cèdres, du Moulin, des Remparts, du Cloître, des
            Canuts, du Midi, des Dunes, de Bourgogne
            """
        ),
        people=_w(
            """
            Victor Hugo, Molière, Voltaire, Napoléon, Louis XIV, Jeanne d'Arc, Richelieu,
            Mistral, Lafayette, Montaigne, Rabelais, Henri IV, Sainte-Anne, Saint-Michel,
            Marceau, Balzac, Madeleine, Pasteur, Colbert, Chopin, George Sand, Cézanne, Renoir,
            Monet, Vauban, Du Guesclin, Saint-Exupéry, Duc de Saint-Simon, Mazarin,
            Marie-Antoinette, Joséphine
            """
        ),
        qualifiers=_w(
            """
            Centre, Gare, Aéroport, Opéra, Cathédrale, Vieux Port, Plage, Congrès, Palace, Parc,
            Centre Ville, Nord, Sud, Marina, Expo, Business, Garden, Théâtre, Marché,
            Université, Lac
            """
        ),
        streets=_w(
            """
            de Rivoli, Victor Hugo, de la République, Jean Jaurès, Gambetta, Saint-Honoré, des
            Carmes, Pasteur, du Général de Gaulle, Foch, de la Paix, Nationale, de la Liberté,
            Saint-Jacques, des Écoles, de Lyon, de Paris, Thiers, Carnot, Clemenceau, de la
            Gare, du Faubourg Saint-Denis, Montmartre, de Vaugirard, du Bac, Masséna, des
            Anglais, Sainte-Catherine, de la Croisette, Mirabeau, du Vieux Port, Pierre
            Brossolette, Léon Blum, Émile Zola, des Martyrs, de Turenne, Oberkampf, Lepic
            """
        ),
        street_types=(("rue", 70), ("avenue", 12), ("boulevard", 8), ("place", 6), ("quai", 4)),
        abbreviations={
            "rue": ("r.", "R."),
            "avenue": ("av.", "Av."),
            "boulevard": ("bd", "Bd", "bd."),
            "place": ("pl.", "Pl."),
            "quai": ("qu.",),
        },
        translations={
            "Hôtel": "Hotel",
            "Résidence": "Apartments",
            "Appart'hôtel": "Aparthotel",
            "Hostel": "Hostel",
        },
        tld="fr",
        mailbox=("contact", "reservation", "info", "accueil"),
    ),
}


@attrs.frozen
class Chain:
    written: str  # as it appears in hotel names
    field: str  # as suppliers fill the chain column
    countries: str


CHAINS: Final = (
    Chain("NH", "NH Hotel Group", "ES PT IT"),
    Chain("NH Collection", "NH Hotel Group", "ES IT"),
    Chain("H10", "H10 Hotels", "ES PT IT"),
    Chain("Meliá", "Meliá Hotels International", "ES PT IT FR"),
    Chain("Iberostar", "Iberostar", "ES PT"),
    Chain("Barceló", "Barceló Hotel Group", "ES PT IT"),
    Chain("Riu", "RIU Hotels", "ES PT"),
    Chain("Eurostars", "Eurostars Hotels", "ES PT IT FR"),
    Chain("AC Hotel", "AC Hotels by Marriott", "ES PT IT"),
    Chain("Catalonia", "Catalonia Hotels", "ES IT"),
    Chain("Vincci", "Vincci Hoteles", "ES PT"),
    Chain("Silken", "Silken Hoteles", "ES"),
    Chain("Room Mate", "Room Mate Hotels", "ES IT FR"),
    Chain("Hilton", "Hilton", "ES PT IT FR"),
    Chain("Marriott", "Marriott", "ES PT IT FR"),
    Chain("ibis", "ibis", "ES PT IT FR"),
    Chain("ibis Styles", "ibis", "ES PT IT FR"),
    Chain("Novotel", "Novotel", "ES PT IT FR"),
    Chain("Mercure", "Mercure", "PT IT FR"),
    Chain("B&B Hotel", "B&B Hotels", "ES IT FR"),
    Chain("Sercotel", "Sercotel Hotels", "ES"),
    Chain("Hesperia", "Hesperia", "ES"),
    Chain("Ilunion", "Ilunion Hotels", "ES"),
    Chain("Petit Palace", "Petit Palace", "ES"),
    Chain("Zenit", "Zenit Hoteles", "ES"),
    Chain("Exe", "Exe Hotels", "ES"),
    Chain("Parador de", "Paradores", "ES"),
    Chain("Pestana", "Pestana Hotel Group", "PT"),
    Chain("Vila Galé", "Vila Galé", "PT"),
    Chain("Tivoli", "Tivoli Hotels", "PT"),
    Chain("Starhotels", "Starhotels", "IT"),
    Chain("Best Western", "Best Western", "IT FR"),
    Chain("Radisson Blu", "Radisson", "PT IT FR"),
    Chain("Holiday Inn", "Holiday Inn", "PT IT FR"),
    Chain("Sheraton", "Sheraton", "IT FR"),
    Chain("Campanile", "Campanile", "FR"),
    Chain("Kyriad", "Kyriad", "FR"),
    Chain("Pullman", "Pullman", "FR"),
    Chain("Sofitel", "Sofitel", "FR"),
)
_CHAINS_IN: Final = {cc: [c for c in CHAINS if cc in c.countries.split()] for cc in LANGUAGES}

# --- hotels -----------------------------------------------------------------------------------


@attrs.frozen
class Hotel:
    """A real-world establishment (the ground truth behind one or more supplier rows)."""

    key: str
    city: City
    kind: str
    head: str  # a noun, a person, or the city's name
    tail: str  # a complement, a district, a qualifier or ""
    qualifier: str
    chain: Chain | None
    street_type: str
    street: str
    number: int
    postal: str
    lat: float
    lon: float
    phone: str  # national significant digits as dialled at home ("954227130", "0668213411")
    stars: int
    distinct: str = ""  # what tells a near-namesake from its namesake: "kind", "chain", "name"

    @property
    def core(self) -> str:
        return " ".join(p for p in (self.head, self.tail, self.qualifier) if p)

    @property
    def name(self) -> str:
        if self.chain is not None:
            return f"{self.chain.written} {self.core}"
        return f"{self.kind} {self.core}".strip()

    @property
    def country(self) -> str:
        return self.city.country

    @property
    def identity(self) -> tuple[str, str, str]:
        """What must be unique in a city (so no two unrelated hotels share a name by chance)."""
        return (
            _plain(self.core).lower(),
            self.chain.field if self.chain else "",
            _kind_group(self.kind),
        )

    @property
    def slug(self) -> str:
        return "".join(c for c in _plain(self.core).lower() if c.isalnum())[:24] or "hotel"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _kind_group(kind: str) -> str:
    plain = _plain(kind).lower()
    for group, words in (
        ("hostal", ("hostal", "pension", "pensao", "guest", "locanda")),
        ("hostel", ("hostel", "ostello")),
        ("apartments", ("apartamentos", "appartamenti", "residenza", "residence", "appart")),
        ("b&b", ("b&b",)),
    ):
        if any(w in plain for w in words):
            return group
    return "hotel"


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _national_phone(rng: random.Random, city: City) -> str:
    prefix = rng.choice(city.phones)
    if city.country == "ES":
        if rng.random() < 0.08:
            prefix = "6"  # a mobile
        elif len(prefix) == 2:  # 91 and 93 take any digit next, 94 and 96 not all
            prefix += str(rng.randint(1, 8))
        return prefix + "".join(rng.choices("0123456789", k=9 - len(prefix)))
    if city.country == "PT":
        return prefix + "".join(rng.choices("0123456789", k=9 - len(prefix)))
    if city.country == "IT":
        return (
            prefix + str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=9 - len(prefix)))
        )
    # 0262, 0269, 0590 and 0594 are overseas departments' numbers, not metropolitan France's
    return "0" + prefix + rng.choice("134578") + "".join(rng.choices("0123456789", k=7))


def _postal(rng: random.Random, city: City) -> str:
    if city.country == "PT":
        base = int(city.postal) + (rng.randrange(0, 900, 50) if city.weight > 30 else 0)
        return f"{base:04d}-{rng.randint(1, 999):03d}"
    if city.country == "FR" and city.name == "Paris":
        return f"750{rng.randint(1, 20):02d}"
    digits = city.postal + "".join(rng.choices("0123456789", k=5 - len(city.postal)))
    return digits if digits[-1] != "0" or city.country != "ES" else digits[:-1] + "1"


def _point(rng: random.Random, city: City, spread_km: float) -> tuple[float, float]:
    dy, dx = rng.gauss(0, spread_km), rng.gauss(0, spread_km)
    lat = city.lat + dy / 111.2
    lon = city.lon + dx / (111.2 * math.cos(math.radians(city.lat)))
    return round(lat, 6), round(lon, 6)


def _moved(lat: float, lon: float, metres: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = metres * math.cos(bearing) / 111_200
    dlon = metres * math.sin(bearing) / (111_200 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


class _Names:
    """Name parts for a city, with the identities already taken there."""

    def __init__(self) -> None:
        self.taken: dict[str, set[tuple[str, str, str]]] = {}

    def free(self, city: City, hotel: Hotel) -> bool:
        taken = self.taken.setdefault(f"{city.country}:{city.name}", set())
        if hotel.identity in taken:
            return False
        taken.add(hotel.identity)
        return True


def _parts(  # noqa: PLR0911 - one return per shape of name reads best
    rng: random.Random, city: City
) -> tuple[str, str, str, str, Chain | None]:
    """(kind, head, tail, qualifier, chain) of a new hotel's name in ``city``."""
    lang = LANGUAGES[city.country]
    chain = rng.choice(_CHAINS_IN[city.country]) if rng.random() < 0.16 else None
    kind = "" if chain else _weighted(rng, lang.kinds)
    district = rng.choice(city.districts) if city.districts else rng.choice(lang.qualifiers)
    shape = rng.random()
    if chain is not None:
        if shape < 0.45:
            return kind, city.name, rng.choice(lang.qualifiers + city.districts), "", chain
        if shape < 0.65:
            return kind, city.name, "", "", chain
        if shape < 0.85:
            return kind, rng.choice(lang.nouns), rng.choice(lang.complements), "", chain
        return kind, rng.choice(lang.people), "", "", chain
    if shape < 0.34:
        return kind, rng.choice(lang.nouns), rng.choice(lang.complements), "", None
    if shape < 0.46:
        return (
            kind,
            rng.choice(lang.nouns),
            rng.choice(lang.complements),
            rng.choice(lang.qualifiers),
            None,
        )
    if shape < 0.64:
        return kind, rng.choice(lang.people), "", "", None
    if shape < 0.74:
        return kind, rng.choice(lang.people), district, "", None
    if shape < 0.84:
        return kind, city.name, rng.choice(lang.qualifiers), "", None
    return kind, rng.choice(lang.nouns), district, "", None


def _stars(rng: random.Random, kind: str, chain: Chain | None) -> int:
    group = _kind_group(kind)
    if group in ("hostal", "hostel", "b&b"):
        return rng.choice((1, 1, 2, 2, 3))
    if chain is not None:
        return rng.choice((3, 4, 4, 4, 5))
    return rng.choice((2, 3, 3, 4, 4, 5))


def _new_hotel(rng: random.Random, key: str, city: City) -> Hotel:
    lang = LANGUAGES[city.country]
    kind, head, tail, qualifier, chain = _parts(rng, city)
    lat, lon = _point(rng, city, city.spread_km)
    return Hotel(
        key=key,
        city=city,
        kind=kind,
        head=head,
        tail=tail,
        qualifier=qualifier,
        chain=chain,
        street_type=_weighted(rng, lang.street_types),
        street=rng.choice(lang.streets),
        number=rng.randint(1, 160),
        postal=_postal(rng, city),
        lat=lat,
        lon=lon,
        phone=_national_phone(rng, city),
        stars=_stars(rng, kind, chain),
    )


_NUMERALS: Final = ("II", "2", "III")


def near_namesake(rng: random.Random, hotel: Hotel, key: str) -> Hotel:
    """Another hotel in the same city whose name is nearly the same: another qualifier or
    complement, a qualifier added, another kind, a numeral, another chain; its own address,
    phone and place (sometimes on the same street, a few doors away)."""
    lang = LANGUAGES[hotel.country]
    city = hotel.city
    strategy = rng.random()
    changes: dict[str, Any] = {}
    if strategy < 0.35 and hotel.tail:
        pool = [
            q for q in lang.qualifiers + city.districts if q not in (hotel.tail, hotel.qualifier)
        ]
        if hotel.qualifier:
            changes["qualifier"] = rng.choice(pool)
        elif hotel.tail in lang.complements:
            changes["tail"] = rng.choice([c for c in lang.complements if c != hotel.tail])
        else:
            changes["tail"] = rng.choice(pool)
    elif strategy < 0.55 and not hotel.qualifier:
        pool = [q for q in lang.qualifiers + city.districts if q not in (hotel.head, hotel.tail)]
        changes["qualifier"] = rng.choice(pool)
    elif strategy < 0.72 and hotel.chain is None:
        group = _kind_group(hotel.kind)
        others = [k for k, _ in lang.kinds if k and _kind_group(k) != group]
        changes["kind"] = rng.choice(others)
    elif strategy < 0.85 and hotel.chain is not None:
        changes["chain"] = rng.choice(
            [c for c in _CHAINS_IN[hotel.country] if c.field != hotel.chain.field]
        )
    elif strategy < 0.93:
        changes["qualifier"] = rng.choice(_NUMERALS)
    else:
        changes["head"] = rng.choice([n for n in lang.nouns if n != hotel.head])
    changes["distinct"] = "kind" if "kind" in changes else "chain" if "chain" in changes else "name"
    nearby = rng.random() < 0.3
    if nearby:
        lat, lon = _moved(hotel.lat, hotel.lon, rng.uniform(40, 300), rng)
        street_type, street = hotel.street_type, hotel.street
        number = hotel.number + rng.choice((-1, 1)) * rng.randint(2, 24)
        number = number if number > 0 else hotel.number + rng.randint(2, 24)
        postal = hotel.postal
    else:
        lat, lon = _moved(hotel.lat, hotel.lon, rng.uniform(300, 3500), rng)
        street_type, street = _weighted(rng, lang.street_types), rng.choice(lang.streets)
        number = rng.randint(1, 160)
        postal = _postal(rng, city)
    return attrs.evolve(
        hotel,
        key=key,
        lat=round(lat, 6),
        lon=round(lon, 6),
        street_type=street_type,
        street=street,
        number=number,
        postal=postal,
        phone=_national_phone(rng, city),
        **changes,
    )


# --- describing a hotel as a supplier would ----------------------------------------------------

_CC: Final = {"ES": "34", "PT": "351", "IT": "39", "FR": "33"}


def e164(hotel: Hotel) -> str:
    digits = hotel.phone[1:] if hotel.country == "FR" else hotel.phone
    return f"+{_CC[hotel.country]}{digits}"


def _grouped(digits: str, sizes: Sequence[int]) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i : i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return " ".join(p for p in out if p)


def phone_formats(hotel: Hotel) -> list[str]:
    """The ways suppliers write this hotel's phone: national grouped or not, +cc, 00cc ..."""
    national = hotel.phone
    cc = _CC[hotel.country]
    international = national[1:] if hotel.country == "FR" else national
    if hotel.country == "ES":
        grouped = (
            _grouped(national, (3, 2, 2, 2))
            if national[1] != "1"
            else _grouped(national, (2, 3, 2, 2))
        )
    elif hotel.country == "PT":
        grouped = _grouped(national, (3, 3, 3))
    elif hotel.country == "IT":
        area = (
            2 if national[1] in "26" else (3 if len(national) == 10 and national[3] != "0" else 4)
        )
        grouped = f"{national[:area]} {_grouped(national[area:], (3, 4))}"
    else:
        grouped = _grouped(national, (2, 2, 2, 2, 2))
    spaced = {
        "FR": _grouped(international, (1, 2, 2, 2, 2)),
        "IT": grouped,
    }.get(hotel.country, _grouped(international, (3, 3, 3)))
    formats = [
        grouped,
        national,
        f"+{cc} {spaced}",
        f"+{cc}{international}",
        f"00{cc}{international}",
        f"(+{cc}) {international}",
    ]
    if hotel.country == "FR":
        formats.append(grouped.replace(" ", "."))
    return formats


def _address(rng: random.Random, hotel: Hotel, abbreviate: bool, style: int) -> str:
    lang = LANGUAGES[hotel.country]
    street_type = hotel.street_type
    if abbreviate and street_type in lang.abbreviations:
        street_type = rng.choice(lang.abbreviations[street_type])
    number = str(hotel.number)
    if hotel.country == "FR":
        base = (
            f"{number} {street_type} {hotel.street}"
            if style != 2
            else f"{number}, {street_type} {hotel.street}"
        )
    elif style == 1:
        base = f"{street_type} {hotel.street} {number}"
    elif style == 2 and hotel.country == "ES":
        base = f"{street_type} {hotel.street}, nº {number}"
    elif style == 3:
        base = f"{hotel.street}, {number}"  # the street type left out
    else:
        base = f"{street_type} {hotel.street}, {number}"
    if style == 4:
        base = f"{base}, {hotel.postal} {hotel.city.name}"
    return base


def _website(hotel: Hotel, rng: random.Random) -> str:
    tld = rng.choice((LANGUAGES[hotel.country].tld, "com"))
    return rng.choice(("https://www.{}.{}", "www.{}.{}", "http://{}.{}")).format(hotel.slug, tld)


def row_of(rng: random.Random, hotel: Hotel, ref: str, source: str) -> Row:
    """The hotel as a supplier lists it: complete, in a tidy format of its own."""
    lang = LANGUAGES[hotel.country]
    return {
        "ref": ref,
        "source": source,
        "name": hotel.name,
        "chain": hotel.chain.field if hotel.chain and rng.random() < 0.75 else "",
        "address": _address(
            rng, hotel, abbreviate=rng.random() < 0.2, style=rng.choice((0, 0, 0, 1))
        ),
        "city": hotel.city.name,
        "postal_code": hotel.postal if rng.random() < 0.92 else "",
        "country": hotel.country,
        "latitude": f"{hotel.lat:.6f}",
        "longitude": f"{hotel.lon:.6f}",
        "phone": rng.choice(phone_formats(hotel)[:4]),
        "stars": str(hotel.stars),
        "email": f"{rng.choice(lang.mailbox)}@{hotel.slug}.{lang.tld}",
        "website": _website(hotel, rng),
    }


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1) if rng.random() < 0.8 else rng.randrange(len(word))
    op = rng.random()
    letters = "aeioulnrstcdmp"
    if op < 0.3:
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if op < 0.55:
        return word[:i] + word[i + 1 :]
    if op < 0.8:
        return word[:i] + rng.choice(letters) + word[i:]
    j = min(i + 1, len(word) - 1)
    return word[:i] + word[j] + word[i] + word[j + 1 :] if j > i else word


def _misspelt(rng: random.Random, text: str, protect: str = "") -> str:
    words = text.split()
    protected = set(protect.split())
    options = [i for i, w in enumerate(words) if len(w) >= 5 and w not in protected]
    options = options or [i for i, w in enumerate(words) if len(w) >= 4 and w not in protected]
    if not options:
        return text
    i = rng.choice(options)
    words[i] = _typo(rng, words[i])
    return " ".join(words)


def _named(rng: random.Random, hotel: Hotel, changes: list[str], keep: str = "") -> str:
    """The hotel's name as another supplier writes it, and what was changed (appended to
    ``changes``); ``keep`` ("kind", "chain") is never dropped."""
    lang = LANGUAGES[hotel.country]
    core_words = hotel.core.split()
    core = hotel.core
    if len(core_words) >= 2 and rng.random() < 0.18:
        cut = rng.randrange(1, len(core_words))
        core = " ".join(core_words[cut:] + core_words[:cut])
        changes.append("reordered words")
    kind = hotel.kind
    chain = hotel.chain.written if hotel.chain else ""
    order = "prefix"
    r = rng.random()
    if hotel.chain is not None:
        if r < 0.3 and keep != "chain":
            chain = ""
            kind = rng.choice(("Hotel", "")) if hotel.country != "FR" else rng.choice(("Hôtel", ""))
            changes.append("chain prefix removed")
        elif r < 0.4:
            kind = "Hotel"
            changes.append("kind word added")
    elif r < 0.15 and kind and keep != "kind":
        kind = ""
        changes.append("kind word dropped")
    elif r < 0.3 and kind:
        kind = lang.translations.get(kind, kind)
        order = "suffix"
        changes.append("kind word translated, after the name")
    name = " ".join(
        p for p in ((chain, kind, core) if order == "prefix" else (chain, core, kind)) if p
    )
    if rng.random() < 0.3:
        name = _misspelt(rng, name, protect=f"{chain} {kind}")
        changes.append("typo in the name")
    if rng.random() < 0.3:
        name = _plain(name)
        changes.append("no accents")
    if rng.random() < 0.12:
        name = name.upper()
        changes.append("upper case")
    elif rng.random() < 0.08:
        name = name.lower()
        changes.append("lower case")
    if rng.random() < 0.08:
        name = name.replace(" ", " - ", 1) if " " in name else name
        changes.append("punctuation")
    return name


@attrs.frozen
class Drops:
    """How often a description leaves a field out."""

    address: float
    phone: float
    coordinates: float
    postal_code: float
    chain: float
    city: float


QUERY_DROPS: Final = Drops(
    address=0.3, phone=0.35, coordinates=0.4, postal_code=0.5, chain=0.5, city=0.05
)
ROW_DROPS: Final = Drops(
    address=0.05, phone=0.1, coordinates=0.08, postal_code=0.1, chain=0.25, city=0.0
)


def describe(  # noqa: PLR0912 - one branch per variation, in the order they apply
    rng: random.Random,
    hotel: Hotel,
    drops: Drops,
    *,
    keep_one_locator: bool = False,
    keep_distinct: bool = False,
) -> tuple[Row, list[str]]:
    """The hotel as another supplier or an agent describes it: variants of its name, address,
    phone and coordinates, and fields left out; returns the fields and what was varied.

    A negative (a near-namesake not in the directory) keeps what tells it from its namesake
    (``keep_distinct``: its kind word, its chain) and at least one of its address, phone and
    coordinates (``keep_one_locator``): without them the description would be of its namesake,
    and calling a match on it wrong would be a wrong label."""
    changes: list[str] = []
    name = _named(rng, hotel, changes, keep=hotel.distinct if keep_distinct else "")
    abbreviate = rng.random() < 0.4
    style = rng.choice((0, 0, 1, 2, 3, 4))
    address = _address(rng, hotel, abbreviate, style)
    address_changes = ["abbreviated address"] if abbreviate else []
    if style == 4:
        address_changes.append("postal code and city in the address")
    if rng.random() < 0.12:
        address = _misspelt(rng, address, protect=str(hotel.number))
        address_changes.append("typo in the address")
    if rng.random() < 0.3:
        address = _plain(address)
    phone = rng.choice(phone_formats(hotel))
    lat, lon = hotel.lat, hotel.lon
    moved = rng.uniform(2, 45) if rng.random() < 0.85 else 0.0
    lat, lon = _moved(lat, lon, moved, rng)
    decimals = rng.choice((4, 5, 6))
    city = hotel.city.name
    if hotel.city.exonym and rng.random() < 0.2:
        city = hotel.city.exonym
        changes.append("city in English")
    elif rng.random() < 0.25:
        city = _plain(city)
    fields: Row = {
        "name": name,
        "address": address,
        "city": city,
        "postal_code": hotel.postal,
        "country": hotel.country,
        "latitude": f"{lat:.{decimals}f}",
        "longitude": f"{lon:.{decimals}f}",
        "phone": phone,
        "chain": hotel.chain.field if hotel.chain else "",
    }
    dropped = []
    for field, p in (
        ("address", drops.address),
        ("phone", drops.phone),
        ("coordinates", drops.coordinates),
        ("postal_code", drops.postal_code),
        ("chain", drops.chain),
    ):
        if rng.random() < p:
            dropped.append(field)
    if keep_one_locator and {"address", "phone", "coordinates"} <= set(dropped):
        dropped.remove(rng.choice(("address", "phone", "coordinates")))
    if "coordinates" not in dropped and rng.random() < drops.city:
        dropped.append("city")
    for field in dropped:
        if field == "coordinates":
            fields["latitude"] = fields["longitude"] = ""
        else:
            fields[field] = ""
    if "address" not in dropped:
        changes.extend(address_changes)
    if "phone" not in dropped:
        changes.append(f"phone as {phone!r}")
    if "coordinates" not in dropped and moved:
        changes.append(f"coordinates {moved:.0f} m off")
    if dropped:
        changes.append("missing " + ", ".join(dropped))
    return fields, changes


# --- the dataset ---------------------------------------------------------------------------------


@attrs.frozen
class LabelledQuery:
    """A query's raw fields, the hotel it describes (``None``: a hotel not in the directory)
    and what was varied."""

    fields: Row
    expected: str | None
    variations: tuple[str, ...]

    @property
    def positive(self) -> bool:
        return self.expected is not None


@attrs.frozen
class Dataset:
    rows: list[Row]
    hotel_of: dict[str, str]  # ref -> hotel key
    queries: list[LabelledQuery]
    hotels: int
    near_namesakes: int
    duplicated: int


def _city_picker(rng: random.Random) -> Callable[[], City]:
    weights = [c.weight for c in CITIES]

    def pick() -> City:
        return rng.choices(CITIES, weights)[0]

    return pick


def generate(  # noqa: PLR0915 - the directory, then the queries, in one readable pass
    seed: int,
    size: int = 200_000,
    positives: int = 1_200,
    negatives: int = 600,
    *,
    duplicate_rate: float = 0.08,
    namesake_rate: float = 0.05,
) -> Dataset:
    """A directory of ``size`` supplier rows and ``positives + negatives`` labelled queries."""
    rng = random.Random(seed)
    pick = _city_picker(rng)
    names = _Names()
    rows: list[Row] = []
    hotel_of: dict[str, str] = {}
    hotels: list[Hotel] = []
    with_namesake: list[Hotel] = []
    duplicated = 0
    serial = 0

    def add(hotel: Hotel) -> None:
        nonlocal serial, duplicated
        hotels.append(hotel)
        sources = rng.sample(SOURCES, 2)
        serial += 1
        ref = f"{sources[0]}:{serial:07d}"
        rows.append(row_of(rng, hotel, ref, sources[0]))
        hotel_of[ref] = hotel.key
        if rng.random() < duplicate_rate and len(rows) < size:
            fields, _ = describe(rng, hotel, ROW_DROPS)
            serial += 1
            ref = f"{sources[1]}:{serial:07d}"
            rows.append(
                {
                    **row_of(rng, hotel, ref, sources[1]),
                    **{k: v for k, v in fields.items() if k != "city" or v},
                }
            )
            hotel_of[ref] = hotel.key
            duplicated += 1

    while len(rows) < size:
        hotel = _new_hotel(rng, f"H{len(hotels):07d}", pick())
        if not names.free(hotel.city, hotel):
            continue
        add(hotel)
        if rng.random() < namesake_rate and len(rows) < size:
            for _ in range(5):
                sibling = near_namesake(rng, hotel, f"H{len(hotels):07d}")
                if names.free(sibling.city, sibling):
                    add(sibling)
                    with_namesake.extend((hotel, sibling))
                    break
    del rows[size:]
    in_directory = set(hotel_of.values())
    hotels = [h for h in hotels if h.key in in_directory]
    with_namesake = [h for h in with_namesake if h.key in in_directory]

    queries: list[LabelledQuery] = []
    hard = rng.sample(with_namesake, min(len(with_namesake), positives // 4))
    plain = rng.sample(hotels, positives - len(hard))
    hard_keys = {h.key for h in hard}
    for hotel in hard + plain:
        fields, changes = describe(rng, hotel, QUERY_DROPS)
        extra = ("has a near-namesake in the directory",) if hotel.key in hard_keys else ()
        variations = (*changes, *extra)
        queries.append(LabelledQuery(fields, hotel.key, variations))
    made = 0
    while made < negatives:
        hotel = rng.choice(hotels)
        sibling = near_namesake(rng, hotel, f"N{made:07d}")
        if not names.free(sibling.city, sibling):
            continue
        fields, changes = describe(
            rng, sibling, QUERY_DROPS, keep_one_locator=True, keep_distinct=True
        )
        queries.append(LabelledQuery(fields, None, (f"near-namesake of {hotel.name!r}", *changes)))
        made += 1
    rng.shuffle(queries)
    return Dataset(
        rows=rows,
        hotel_of=hotel_of,
        queries=queries,
        hotels=len(hotels),
        near_namesakes=len(with_namesake) // 2,
        duplicated=duplicated,
    )
