"""``OfflineAssistantModel``: the PerlaHub assistant without a model, by a Spanish grammar.

It implements :class:`~perla_core.language.ports.LanguageModel` deterministically and keeps
no state: every answer is computed from the request's transcript and tools.

- The **request** is the latest staff message that is not the answer to one of its own
  questions. :func:`parse_request` reads it with a table of families (verbs and nouns per
  task, see :data:`FAMILIES`) into a :class:`Plan`: the task, the client's name as written,
  and the details (environment, products, margin, dates ...). Detail phrases and the
  family's own words are masked; what is left, after prepositions and articles, is the
  client's name. Dates without a year take their next occurrence after the date of the
  system prompt's ``Hoy es YYYY-MM-DD.`` line.
- The **plan** is replayed on the tool results found in the transcript (:func:`next_action`):
  a client is searched first (``search_clients``), a credential, rule or supplier request
  is read before it is acted on, and the planned tool is called with the ids chosen. Only
  ids chosen by the plan come from tool results; nothing found in them becomes an argument
  or an instruction.
- Several matches end in a numbered question; the person's next message ("el segundo",
  "2", "el de Madrid", a longer name) is read against the same search result. A request
  missing something the grammar will not guess (the environment of a credential, the
  dates of a margin) ends in a question too; the answer is read together with the request.
- A tool the request needs but the request does not offer means the person's role does not
  allow it: the answer says so and calls nothing. A refused call is explained in Spanish (the
  kind of refusal, the steps possible from here) with the message quoted. Requests for
  everything at once ("revoca todas las credenciales"), and steps that are not taken by hand
  (the registration in Dome, withdrawing benchmark access), are answered without a call.
- Lists a write replaces (a credential's products, currencies, markets, IPs) come from the
  person's words only, in full: "añade traslados" is answered by asking for the whole list.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

import attrs

from perla_core.kernel.text import fold
from perla_core.language.ports import (
    ModelMessage,
    ModelReply,
    ModelRequest,
    TextBlock,
    ToolCall,
    ToolResultBlock,
    ToolUseBlock,
)

REASON_PREFIX: Final = "Pedido por el asistente: "
MAX_REASON: Final = 900
MAX_OPTIONS: Final = 10
TODAY_LINE: Final = re.compile(r"Hoy es (\d{4}-\d{2}-\d{2})")

# The questions this model asks start with these words: an answer to one of them continues
# the request before it instead of starting a new one.
ASK_CLIENT: Final = "¿Cuál de estos clientes?"
ASK_CREDENTIAL: Final = "¿Cuál de estas credenciales?"
ASK_RULE: Final = "¿Cuál de estas reglas?"
ASK_REQUEST: Final = "¿Cuál de estas solicitudes?"
ASK_DETAIL: Final = "Me falta un dato:"
QUESTIONS: Final = {
    ASK_CLIENT: "client",
    ASK_CREDENTIAL: "credential",
    ASK_RULE: "rule",
    ASK_REQUEST: "request",
    ASK_DETAIL: "detail",
}

HELP: Final = (
    "No he entendido la petición. Puedo buscar y mostrar clientes, registrar y avanzar leads, "
    "convertirlos en clientes, gestionar credenciales y márgenes, localizar hoteles, preparar "
    "solicitudes de proveedor y resumir la actividad. Por ejemplo:\n"
    "- «¿Cómo va Viajes Sol?»\n"
    "- «Registra un lead: Viajes Sol, España, correo ventas@viajessol.es»\n"
    "- «Crear credencial para Viajes Sol en live con hoteles en EUR y USD»\n"
    "- «Margen 12% para canal B2C en hoteles de Barcelona del 1/6 al 30/9 para Viajes Sol»\n"
    "- «Prepara una solicitud de proveedor para el Hotel Mar Azul en Sevilla»\n"
    "- «Resumen de los últimos 30 días»"
)

# --- Spanish words for perla's values ---------------------------------------------------

STATUS_ES: Final = {
    "new": "nuevo",
    "contacted": "contactado",
    "meeting_held": "reunión hecha",
    "benchmark_access": "con acceso de prueba",
    "won": "ganado",
    "lost": "perdido",
    "pending_registration": "pendiente de alta",
    "registered_in_dome": "dado de alta en Dome",
    "registered": "dado de alta",
    "validated": "ficha validada",
    "onboarding": "en onboarding",
    "live": "en producción",
    "dormant": "inactivo",
    "churned": "de baja",
    "active": "activa",
    "suspended": "suspendida",
    "revoked": "revocada",
    "draft": "borrador",
    "ready": "lista para enviar",
    "sending": "enviándose",
    "sent": "enviada",
    "acknowledged": "recibida por Proveedores",
    "rejected": "rechazada",
    "cancelled": "cancelada",
}
ACTION_ES: Final = {
    "mark_contacted": "marcar como contactado",
    "record_meeting": "registrar una reunión",
    "grant_benchmark_access": "dar acceso de prueba",
    "mark_lost": "marcar como perdido",
    "reopen": "reabrir",
    "convert": "convertir en cliente",
    "register_in_dome": "dar de alta en Dome",
    "register_in_perlahub": "dar de alta en PerlaHub",
    "validate_record": "validar la ficha",
    "start_onboarding": "empezar el onboarding",
    "go_live": "pasar a producción",
    "mark_dormant": "marcar como inactivo",
    "reactivate": "reactivar",
    "churn": "dar de baja",
}
FIELD_ES: Final = {
    "legal_name": "razón social",
    "tax_id": "NIF/CIF",
    "email": "correo",
    "phone": "teléfono",
    "business_type": "tipo de negocio",
    "billing_address": "dirección de facturación",
    "address": "dirección",
    "city": "ciudad",
    "postal_code": "código postal",
    "country": "país",
    "iban": "IBAN",
    "bic": "BIC",
    "account_holder": "titular de la cuenta",
    "contract_type": "tipo de contrato",
    "payment_terms": "condiciones de pago",
    "contacts": "contactos",
    "website": "web",
    "stars": "estrellas",
    "vat_regime": "régimen de IVA",
    "cancellation_policy": "política de cancelación",
}
TOOL_ES: Final = {
    "search_clients": "buscar clientes",
    "show_client": "ver la ficha del cliente",
    "show_policy": "ver la política comercial",
    "match_hotel": "buscar hoteles",
    "activity_summary": "ver el resumen de actividad",
    "show_supplier_request": "ver la solicitud de proveedor",
    "list_supplier_requests": "ver las solicitudes de proveedor",
    "gather_supplier_request": "preparar una solicitud de proveedor",
    "gather_client_record": "completar la ficha del cliente",
    "register_lead": "registrar un lead",
    "update_client_details": "actualizar los datos del cliente",
    "advance_lead": "avanzar el lead",
    "grant_benchmark_access": "dar acceso de prueba",
    "convert_lead": "convertir el lead en cliente",
    "advance_client": "cambiar el estado del cliente",
    "record_technical_validation": "registrar una validación técnica",
    "go_live": "pasar el cliente a producción",
    "issue_credential": "crear una credencial",
    "suspend_credential": "suspender una credencial",
    "reactivate_credential": "reactivar una credencial",
    "revoke_credential": "revocar una credencial",
    "rotate_credential_secret": "rotar el secreto de una credencial",
    "edit_credential": "editar una credencial",
    "test_connection": "probar la conexión",
    "add_margin_rule": "añadir una regla de margen",
    "set_priced_scope": "cambiar lo que tarifica la política",
    "enable_margin_rule": "activar una regla de margen",
    "disable_margin_rule": "desactivar una regla de margen",
    "remove_margin_rule": "eliminar una regla de margen",
    "send_supplier_request": "enviar la solicitud de proveedor",
    "cancel_supplier_request": "cancelar la solicitud de proveedor",
}

COUNTRIES: Final = {
    "espana": "ES",
    "portugal": "PT",
    "francia": "FR",
    "italia": "IT",
    "alemania": "DE",
    "reino unido": "GB",
    "inglaterra": "GB",
    "irlanda": "IE",
    "paises bajos": "NL",
    "holanda": "NL",
    "belgica": "BE",
    "suiza": "CH",
    "austria": "AT",
    "andorra": "AD",
    "marruecos": "MA",
    "mexico": "MX",
    "argentina": "AR",
    "colombia": "CO",
    "chile": "CL",
    "peru": "PE",
    "brasil": "BR",
    "uruguay": "UY",
    "estados unidos": "US",
    "eeuu": "US",
    "canada": "CA",
    "grecia": "GR",
    "suecia": "SE",
    "noruega": "NO",
    "dinamarca": "DK",
    "polonia": "PL",
}
CURRENCY_WORDS: Final = {
    "euros": "EUR",
    "euro": "EUR",
    "eur": "EUR",
    "€": "EUR",
    "dolares": "USD",
    "dolar": "USD",
    "usd": "USD",
    "$": "USD",
    "libras": "GBP",
    "gbp": "GBP",
    "£": "GBP",
    "chf": "CHF",
    "mxn": "MXN",
    "ars": "ARS",
    "brl": "BRL",
    "cop": "COP",
    "clp": "CLP",
    "jpy": "JPY",
    "cad": "CAD",
    "aud": "AUD",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "pln": "PLN",
    "mad": "MAD",
    "aed": "AED",
}
PRODUCT_WORDS: Final = {
    "hoteles": "hotels",
    "hotel": "hotels",
    "alojamiento": "hotels",
    "alojamientos": "hotels",
    "traslados": "transfers",
    "traslado": "transfers",
    "transfers": "transfers",
    "actividades": "activities",
    "actividad": "activities",
    "excursiones": "activities",
    "paquetes": "packages",
    "paquete": "packages",
    "coches": "car_rental",
    "alquiler de coches": "car_rental",
    "rent a car": "car_rental",
}
MONTHS: Final = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}
ORDINALS: Final = {
    "primero": 1,
    "primera": 1,
    "segundo": 2,
    "segunda": 2,
    "tercero": 3,
    "tercera": 3,
    "cuarto": 4,
    "cuarta": 4,
    "quinto": 5,
    "quinta": 5,
    "sexto": 6,
    "sexta": 6,
    "septimo": 7,
    "septima": 7,
    "octavo": 8,
    "octava": 8,
    "noveno": 9,
    "novena": 9,
    "decimo": 10,
    "decima": 10,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
}


def _noise(*patterns: str) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _alternation(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


CITIES: Final = (
    "madrid",
    "barcelona",
    "sevilla",
    "valencia",
    "malaga",
    "palma",
    "ibiza",
    "granada",
    "cadiz",
    "bilbao",
    "benidorm",
    "marbella",
    "tenerife",
    "lanzarote",
    "fuerteventura",
    "menorca",
    "cordoba",
    "toledo",
    "salamanca",
    "zaragoza",
    "alicante",
    "murcia",
    "santander",
    "oviedo",
    "gijon",
    "vigo",
    "coruna",
    "girona",
    "tarragona",
    "sitges",
    "torremolinos",
    "lisboa",
    "oporto",
    "faro",
    "paris",
    "roma",
    "londres",
    "berlin",
    "amsterdam",
    "san sebastian",
    "las palmas",
    "santiago de compostela",
    "gran canaria",
)
_COUNTRY: Final = _alternation(list(COUNTRIES))
_CITY: Final = _alternation(CITIES)
_CURRENCY: Final = _alternation([w for w in CURRENCY_WORDS if w.isalpha()])
_PRODUCT: Final = _alternation(list(PRODUCT_WORDS))
_MONTH: Final = _alternation(list(MONTHS))
_DATE: Final = (
    rf"\d{{1,2}}[/-]\d{{1,2}}(?:[/-]\d{{2,4}})?"
    rf"|\d{{1,2}}\s+de\s+(?:{_MONTH})(?:\s+(?:de\s+)?\d{{4}})?"
)
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE: Final = r"\+?\d[\d\s().-]{6,}\d"


# --- text with a mask ---------------------------------------------------------------------


def _fold_char(c: str) -> str:
    if c in "¿¡":
        return " "
    decomposed = unicodedata.normalize("NFKD", c)
    folded = "".join(x for x in decomposed if not unicodedata.combining(x)).casefold()
    return " " if c.isspace() else folded


@attrs.define
class Text:
    """A request folded for matching (lower case, no accents), each folded character mapped
    to the original, and a mask: phrases already read are masked so later patterns and the
    client's name never see them."""

    original: str
    work: str
    index: list[int]

    @classmethod
    def of(cls, text: str) -> Text:
        chars: list[str] = []
        index: list[int] = []
        for i, c in enumerate(text):
            for f in _fold_char(c):
                chars.append(f)
                index.append(i)
        return cls(text, "".join(chars), index)

    @property
    def folded(self) -> str:
        return self.work

    def source(self, start: int, end: int) -> str:
        """The original text of the folded span ``start:end``."""
        if start >= end:
            return ""
        return self.original[self.index[start] : self.index[end - 1] + 1]

    def mask(self, start: int, end: int) -> None:
        self.work = self.work[:start] + "|" * (end - start) + self.work[end:]

    def search(self, pattern: str | re.Pattern[str]) -> re.Match[str] | None:
        return re.search(pattern, self.work)

    def take(self, pattern: str | re.Pattern[str]) -> re.Match[str] | None:
        """The first match of ``pattern``, masked."""
        found = re.search(pattern, self.work)
        if found is not None:
            self.mask(found.start(), found.end())
        return found

    def take_all(self, pattern: str | re.Pattern[str]) -> list[re.Match[str]]:
        found = list(re.finditer(pattern, self.work))
        for m in found:
            self.mask(m.start(), m.end())
        return found

    def group(self, match: re.Match[str], name: str | int = 0) -> str:
        if match.group(name) is None:
            return ""
        return self.source(match.start(name), match.end(name)).strip()

    def chunks(self) -> list[tuple[int, int]]:
        """The unmasked spans, in order."""
        return [(m.start(), m.end()) for m in re.finditer(r"[^|]+", self.work)]


_LEADING: Final = re.compile(
    r"^(?:[\s,.;:!?\"'«»“”()\[\]-]|(?:(?:la|una|esa|esta)\s+(?:agencia|empresa)"
    r"(?:\s+de\s+viajes)?|a|al|de|del|para|con|el|la|los|las|lo|un|una|le|les|"
    r"cliente|clienta|lead|que|y|e|en|sobre|su|sus|mi|ya)\b)+"
)
_TRAILING: Final = re.compile(
    r"(?:[\s,.;:!?\"'«»“”()\[\]-]|\b(?:a|al|de|del|para|con|el|la|en|y|e|que|ya|ahora)\b)+$"
)
_CLIENT_PREPOSITION: Final = re.compile(r"^\s*(?:a|al|de|del|para|con|cliente|lead)\b")
_FILLER: Final = (
    r"\b(?:por favor|porfa|porfavor|puedes|podrias|quiero que|quiero|necesito|me gustaria|"
    r"hazme el favor de|oye|hola|buenas|buenos dias|gracias|ahora mismo|cuanto antes|de nuevo|"
    r"otra vez)\b"
)


_TAIL: Final = (
    r"(?:\b(?:porque|ya\s+que|debido\s+a|puesto\s+que|durante|para\s+que|pues\s+ya)\b"
    r"|,\s*(?:ya|que|pues|es\s+que|no|o)\b|\bo\s+(?:hay|tengo|tenemos|habria)\s+que\b)[^|]*"
)


def _clean_span(text: Text, start: int, end: int) -> tuple[int, int]:
    segment = text.work[start:end]
    lead = _LEADING.match(segment)
    if lead is not None:
        start += lead.end()
        segment = text.work[start:end]
    trail = _TRAILING.search(segment)
    if trail is not None:
        end = start + trail.start()
    return start, max(start, end)


def _remaining_name(text: Text) -> str | None:
    """What is left of the request once everything read is masked: the name it is about.

    The last piece introduced by a preposition ("a X", "de X", "para X") wins; else the
    first piece with letters."""
    text.take_all(_FILLER)
    text.take_all(_TAIL)
    pieces: list[tuple[bool, str]] = []
    for start, end in text.chunks():
        introduced = _CLIENT_PREPOSITION.match(text.work[start:end]) is not None
        s, e = _clean_span(text, start, end)
        name = text.source(s, e).strip(" ,.;:!?\"'«»“”()")
        if re.search(r"[^\W\d_]", name):
            pieces.append((introduced, name))
    if not pieces:
        return None
    chosen = [name for flag, name in pieces if flag]
    return chosen[-1] if chosen else pieces[0][1]


def _quoted(text: Text) -> str | None:
    found = text.take(r"[«\"“']([^«»\"“”']{1,100})[»\"”']")
    return text.group(found, 1) if found else None


# --- the plan -------------------------------------------------------------------------------


@attrs.frozen
class Plan:
    """What the request asks: ``intent`` names the tool that ends it; ``client`` is the name
    to search for (None when the task is not about a client); ``args`` the tool's arguments
    read from the text; ``target`` names the credential environment, rule or supplier request
    to act on; ``phase`` narrows the client search (lead or client)."""

    intent: str
    text: str
    client: str | None = None
    args: Mapping[str, Any] = attrs.field(factory=dict)
    target: str | None = None
    phase: str | None = None


@attrs.frozen
class Missing:
    """A request the grammar understood but will not guess part of: ``question`` asks it.
    With ``follow_up`` the answer is read together with the request; without it the person
    is told how to ask again, and the next message is a new request."""

    question: str
    follow_up: bool = True


CREDENTIAL_TOOLS: Final = {
    "edit_credential": ("active",),
    "suspend_credential": ("active",),
    "reactivate_credential": ("suspended",),
    "revoke_credential": ("active", "suspended"),
    "rotate_credential_secret": ("active",),
    "test_connection": ("active",),
}
RULE_TOOLS: Final = frozenset({"disable_margin_rule", "enable_margin_rule", "remove_margin_rule"})
REQUEST_TOOLS: Final = frozenset(
    {"send_supplier_request", "cancel_supplier_request", "show_supplier_request"}
)
GATHER_TOOLS: Final = frozenset({"gather_supplier_request", "gather_client_record"})


def tools_needed(plan: Plan) -> tuple[str, ...]:
    """Every tool the plan may call, the one that ends it last."""
    before: tuple[str, ...] = ()
    if plan.client is not None:
        before = ("search_clients",)
    if plan.intent in CREDENTIAL_TOOLS:
        before = (*before, "show_client")
    elif plan.intent in RULE_TOOLS:
        before = (*before, "show_policy")
    elif plan.intent in REQUEST_TOOLS:
        before = ("list_supplier_requests",)
    return (*before, plan.intent)


def _reason(request: str) -> str:
    text = " ".join(request.split())
    return REASON_PREFIX + (text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…")


# --- families ----------------------------------------------------------------------------


Parser = Callable[[Text, str, date | None], Plan | Missing | None]


@attrs.frozen
class Family:
    """One kind of request: ``detect`` (all must match the folded text, none of ``unless``)
    and ``parse``, which reads the details and the name."""

    name: str
    detect: tuple[str, ...]
    parse: Parser
    unless: tuple[str, ...] = ()

    def matches(self, folded: str) -> bool:
        return all(re.search(p, folded) for p in self.detect) and not any(
            re.search(p, folded) for p in self.unless
        )


def _client_plan(
    intent: str,
    noise: str,
    *,
    phase: str | None = None,
    args: Mapping[str, Any] | None = None,
    target: str | None = None,
) -> Parser:
    def parse(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
        text.take_all(noise)
        client = _remaining_name(text)
        if client is None:
            return None if intent == "show_client" else Missing("¿De qué cliente? Dime su nombre.")
        return Plan(intent, request, client, dict(args or {}), target, phase)

    return parse


# Credentials ---------------------------------------------------------------------------

_ENV: Final = (
    r"\b(?:(?:en|de|para|del)\s+(?:el\s+)?(?:entorno\s+(?:de\s+)?)?)?"
    r"(?P<env>live|produccion|real|test|pruebas|sandbox)\b"
)
_ENV_VALUES: Final = {
    "live": "live",
    "produccion": "live",
    "real": "live",
    "test": "test",
    "pruebas": "test",
    "sandbox": "test",
}
_CREDENTIAL_NOISE: Final = (
    r"\b(?:las?|una|nuevas?|sus?)?\s*(?:credencial(?:es)?|secreto|clave|contrasena|password|"
    r"api key|conexion|acceso)\b"
)


def _environment(text: Text) -> str | None:
    found = text.take(_ENV)
    return _ENV_VALUES[found.group("env")] if found else None


_PRODUCT_LIST: Final = (
    rf"(?P<list>(?:{_PRODUCT})(?:(?:\s*[,+]\s*|\s+(?:y|e|mas)\s+)(?:{_PRODUCT}))*)\b"
)
_CURRENCY_LIST: Final = rf"(?P<list>(?:{_CURRENCY})(?:(?:\s*,\s*|\s+(?:y|e)\s+)(?:{_CURRENCY}))*)\b"
_MARKET_LIST: Final = (
    rf"(?P<list>(?:{_COUNTRY}|[a-z]{{2}})(?:(?:\s*,\s*|\s+(?:y|e)\s+)(?:{_COUNTRY}|[a-z]{{2}}))*)\b"
)


def _products(text: Text) -> list[str]:
    """Products listed after "con", "para", "de", "a" or a colon ("con hoteles y traslados");
    a capitalised word starts a name ("para Hoteles Sur"), not a list."""
    intro = rf"(?:\b(?:con|para|de|a|por|productos?)\s+(?:los\s+productos\s+)?|:\s*){_PRODUCT_LIST}"
    for found in re.finditer(intro, text.work):
        if text.group(found, "list")[:1].islower():
            text.mask(found.start(), found.end())
            codes = [PRODUCT_WORDS[w] for w in re.findall(_PRODUCT, found.group("list"))]
            return list(dict.fromkeys(codes))
    return []


def _currencies(text: Text) -> list[str]:
    money = text.take(rf"\b(?:en|con|a|monedas?|divisas?)\s*:?\s+{_CURRENCY_LIST}")
    if money is None:
        return []
    return list(dict.fromkeys(CURRENCY_WORDS[w] for w in re.findall(_CURRENCY, money["list"])))


def _markets(text: Text) -> list[str]:
    market = text.take(
        rf"\b(?:para\s+)?(?:el\s+|los\s+)?mercados?\s*:?\s+(?:a\s+)?(?:de\s+)?{_MARKET_LIST}"
    )
    if market is None:
        return []
    words = re.split(r"\s*(?:,|\by\b|\be\b)\s*", market.group("list"))
    return list(dict.fromkeys(COUNTRIES.get(w.strip(), w.strip().upper()) for w in words if w))


_NETWORK: Final = r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})(?:/\d{1,3})?"


def _networks(text: Text) -> list[str]:
    """IP addresses or networks after "IP", "IPs", "red" or "redes" ("IP 203.0.113.10")."""
    found = text.take(
        r"\b(?:desde\s+)?(?:la\s+|las\s+)?(?:ips?|red(?:es)?)\s*(?:permitidas?|autorizadas?)?"
        rf"\s*(?:a|:)?\s*(?P<list>{_NETWORK}(?:(?:\s*,\s*|\s+y\s+){_NETWORK})*)"
    )
    if found is None:
        return []
    return [n for n in re.split(r"\s*,\s*|\s+y\s+", found["list"]) if n]


def _issue_credential(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    environment = _environment(text)
    networks = _networks(text)
    products = _products(text)
    currencies = _currencies(text)
    markets = _markets(text)
    text.take_all(
        r"\b(?:crea|crear|creale|creame|genera|generar|generale|emite|emitir|dale|dar|da|haz|"
        r"hazle|abre|abrir|prepara|preparar|alta de|alta)\b"
    )
    text.take_all(_CREDENTIAL_NOISE)
    client = _remaining_name(text)
    missing = []
    if client is None:
        missing.append("el cliente")
    if environment is None:
        missing.append("el entorno (test o live)")
    if not products:
        missing.append("los productos (hoteles, traslados, actividades…)")
    if missing:
        return Missing(
            f"{ASK_DETAIL} dime {' y '.join(missing)} de la credencial, por ejemplo «en live "
            "con hoteles»."
        )
    args: dict[str, Any] = {
        "environment": environment,
        "products": products,
        "currencies": currencies or ["EUR"],
    }
    if markets:
        args["markets"] = markets
    if networks:
        args["ip_allowlist"] = networks
    return Plan("issue_credential", request, client, args, phase="client")


_SCOPE: Final = (
    r"\b(?:tarifa|tarifar|tarifica|tarificar|tarifique|cotiza|cotizar|alcance\s+tarifado|"
    r"precios?\s+(?:para|de|en))\b"
)


def _priced_scope(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    """What the client's policy prices: "tarifica hoteles y traslados en EUR para Viajes Sol"."""
    found = text.take_all(rf"\b{_PRODUCT}\b")
    products = list(dict.fromkeys(PRODUCT_WORDS[m.group(0)] for m in found))
    currencies = _currencies(text)
    text.take_all(_SCOPE)
    text.take_all(r"\b(?:la\s+)?politica(?:\s+comercial)?\b|\bsolo\b|\bsus\b|\bcubra\b")
    client = _remaining_name(text)
    if client is None:
        return Missing(f"{ASK_DETAIL} dime de qué cliente es la política.")
    if not products and not currencies:
        return Missing(
            f"{ASK_DETAIL} dime qué productos o monedas tarifica, por ejemplo «tarifica hoteles "
            "en EUR para Viajes Sol»."
        )
    args: dict[str, Any] = {"reason": _reason(request)}
    if products:
        args["products"] = products
    if currencies:
        args["currencies"] = currencies
    return Plan("set_priced_scope", request, client, args, phase="client")


_EDIT: Final = (
    r"\b(?:edita|editar|modifica|modificar|cambia|cambiar|cambiale|actualiza|actualizar|pon|"
    r"ponle|deja|dejale|configura|configurar|limita|limitar|restringe|restringir)\b"
)
_SETTING: Final = r"\b(?:productos?|monedas?|divisas?|mercados?|ips?|limite|peticiones|llamadas)\b"


def _edit_credential(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    """New products, currencies, markets, IP allowlist or rate limit: each list as said, in
    full (the person's words only: nothing is read back from the credential)."""
    if text.search(r"\b(?:anade|anadir|agrega|agregar|quita|quitar|elimina|eliminar)\b"):
        return Missing(
            "Para cambiar los productos, monedas o mercados de una credencial dime la lista "
            "completa, por ejemplo «cambia los productos de la credencial live de Viajes Sol a "
            "hoteles y traslados».",
            follow_up=False,
        )
    environment = _environment(text)
    args: dict[str, Any] = {}
    rate = text.take(
        r"\b(?:limite\s+(?:de\s+)?)?(?P<n>\d{1,7})\s*(?:peticiones|llamadas|consultas|"
        r"req(?:uests)?)\s*(?:por|/|al|cada)\s*(?:minuto|min)\b"
    )
    if rate is not None:
        args["rate_limit_per_minute"] = int(rate["n"])
    networks = _networks(text)
    if networks:
        args["ip_allowlist"] = networks
    for key, read in (("products", _products), ("currencies", _currencies), ("markets", _markets)):
        values = read(text)
        if values:
            args[key] = values
    if not args:
        return Missing(
            f"{ASK_DETAIL} ¿qué cambio en la credencial? Productos, monedas, mercados, IPs "
            "permitidas o límite de peticiones por minuto."
        )
    text.take_all(_EDIT)
    text.take_all(_SETTING)
    text.take_all(r"\b(?:los|las|el|la|sus?|de\s+la)\b")
    text.take_all(_CREDENTIAL_NOISE)
    client = _remaining_name(text)
    if client is None:
        return Missing(f"{ASK_DETAIL} ¿de qué cliente es la credencial?")
    return Plan("edit_credential", request, client, args, environment, "client")


def _credential_action(intent: str, verbs: str) -> Parser:
    def parse(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
        environment = _environment(text)
        text.take_all(verbs)
        text.take_all(_CREDENTIAL_NOISE)
        text.take_all(r"\b(?:de|del)\s+(?:la\s+)?(?:api|perlahub)\b")
        client = _remaining_name(text)
        if client is None:
            return Missing(f"{ASK_DETAIL} ¿de qué cliente es la credencial?")
        args: dict[str, Any] = {}
        if intent in {"suspend_credential", "revoke_credential"}:
            args["reason"] = _reason(request)
        return Plan(intent, request, client, args, environment, "client")

    return parse


# Margin rules --------------------------------------------------------------------------


def _day(raw: str, not_before: date | None) -> date | None:
    numeric = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?", raw.strip())
    if numeric:
        day, month, year = int(numeric[1]), int(numeric[2]), numeric[3]
    else:
        words = re.fullmatch(rf"(\d{{1,2}})\s+de\s+({_MONTH})(?:\s+(?:de\s+)?(\d{{4}}))?", raw)
        if not words:
            return None
        day, month, year = int(words[1]), MONTHS[words[2]], words[3]
    try:
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
        if not_before is None:
            return None
        found = date(not_before.year, month, day)
        return found if found >= not_before else date(not_before.year + 1, month, day)
    except ValueError:
        return None


_PERIOD: Final = re.compile(
    rf"(?:\b(?:para|con|en|de)\s+)?(?:(?:las?|los)\s+)?"
    rf"(?:(?P<label>reservas?|reservad[oa]s?|bookings?|estancias?|estancia|alojamientos?|"
    rf"noches|viajes?|salidas?|entradas?)\s+(?:[a-z]+\s+){{0,2}}?)?"
    rf"(?:del?|desde(?:\s+el)?|entre(?:\s+el)?)\s+(?P<a>{_DATE})\s+"
    rf"(?:al?|hasta(?:\s+el)?|y(?:\s+el)?)\s+(?P<b>{_DATE})\b"
)
_BOOKING_LABELS: Final = ("reserv", "booking")


def _margin_rule(  # noqa: PLR0911, PLR0912, PLR0915 - one step per detail of a rule
    text: Text, request: str, today: date | None
) -> Plan | Missing | None:
    name = None
    named = text.take(
        r"\b(?:llamad[ao]|con\s+(?:el\s+)?nombre|nombre)\s+[«\"“']?(?P<name>[^«»\"“”',;]{1,100}?)[»\"”']?(?=\s*(?:[,;]|$))"
    )
    name = text.group(named, "name") if named is not None else _quoted(text)
    value_match = text.take(
        r"(?:\b(?:del?|un|una)\s+)?(?P<value>-?\d+(?:[.,]\d+)?)\s*(?P<unit>%|por\s*ciento\b)"
    )
    kind, currency = "percent", None
    if value_match is None:
        value_match = text.take(
            rf"(?:\b(?:del?|un|una|fijo\s+de)\s+)?(?P<value>\d+(?:[.,]\d+)?)\s*(?P<unit>€|\$|£|\b(?:{_CURRENCY})\b)"
        )
        if value_match is None:
            return Missing(
                f"{ASK_DETAIL} ¿qué margen? Dímelo en porcentaje («12%») o como importe fijo "
                "con su moneda («15 EUR»)."
            )
        kind, currency = "fixed", CURRENCY_WORDS[value_match.group("unit")]
    value = value_match.group("value").replace(",", ".")
    channels: list[str] = []
    channel = text.take(
        r"(?:\b(?:para|en|por)\s+)?(?:el\s+|los\s+)?\bcanal(?:es)?\s+(?P<list>[\w-]+(?:(?:\s*,\s*|\s+(?:y|e)\s+)(?!(?:en|para|de|del|hoteles?|con|a|reservas?|estancias?|prioridad|desde|entre)\b)[\w-]+)*)"
    )
    if channel is not None:
        for code in re.split(r"\s*(?:,|\by\b|\be\b)\s*", text.group(channel, "list")):
            if code and code.upper() not in channels:
                channels.append(code.upper())
    else:
        for code in text.take_all(r"\b(?:b2b|b2c|b2b2c)\b"):
            if code.group(0).upper() not in channels:
                channels.append(code.group(0).upper())
    hotels: list[str] = []
    hotel = text.take(
        r"(?:\b(?:en|para|a)\s+)?(?:los\s+|el\s+|todos\s+los\s+)?\bhotel(?:es)?\s+(?:de|en|del)\s+"
        r"(?P<list>[^\W\d_][\w-]*(?:\s+(?!(?:para|con|del?|desde|entre|a|al|en|y|e|reservas?|estancias?|prioridad)\b)[^\W\d_][\w-]*)?(?:(?:\s*,\s*|\s+(?:y|e)\s+)[^\W\d_][\w-]*(?:\s+(?!(?:para|con|del?|desde|entre|a|al|en|y|e|reservas?|estancias?|prioridad)\b)[^\W\d_][\w-]*)?)*?)"
        r"(?=\s*(?:$|[,;.|]|\b(?:del?|desde|entre|para|con|a|al|en|reservas?|estancias?|prioridad)\b))"
    )
    if hotel is not None:
        for city in re.split(r"\s*(?:,|\by\b|\be\b)\s*", text.group(hotel, "list")):
            if city and city not in hotels:
                hotels.append(city)
    priority = text.take(r"\bprioridad\s+(?:de\s+)?(?P<p>\d{1,4})\b")
    booking: tuple[date, date] | None = None
    stay: tuple[date, date] | None = None
    for period in text.take_all(_PERIOD):
        start = _day(period.group("a"), today)
        end = _day(period.group("b"), start)
        if start is None or end is None:
            if today is None:
                return Missing(f"{ASK_DETAIL} escribe las fechas con el año (1/6/2027).")
            return Missing(f"{ASK_DETAIL} no entiendo las fechas «{text.group(period)}».")
        label = period.group("label") or ""
        if label.startswith(_BOOKING_LABELS) or (not label and stay is not None):
            booking = (start, end)
        else:
            stay = (start, end)
    if booking is None and stay is None:
        return Missing(
            f"{ASK_DETAIL} ¿para qué fechas? Por ejemplo «estancias del 1/6 al 30/9» o "
            "«reservas del 1/3 al 31/5»."
        )
    if booking is None:
        assert stay is not None
        if today is None:
            return Missing(f"{ASK_DETAIL} ¿desde qué día se aplica a las reservas?")
        booking = (min(today, stay[1]), stay[1])
    text.take_all(
        r"\b(?:anade|anadir|agrega|agregar|pon|poner|ponle|aplica|aplicar|aplicale|crea|crear|"
        r"mete|meter|configura|configurar|sube|subir|establece|nueva|nuevo|un|una)\b"
    )
    text.take_all(r"\b(?:reglas?|margen(?:es)?|markup|de margen|comercial|fij[oa]|porcentual)\b")
    client = _remaining_name(text)
    if client is None:
        return Missing(f"{ASK_DETAIL} ¿para qué cliente es la regla de margen?")
    unit = "%" if kind == "percent" else f" {currency}"
    parts = [f"Margen {value}{unit}", *channels, *hotels]
    period_end = (stay or booking)[1]
    default = " ".join(parts) + f" hasta {period_end.isoformat()}"
    args: dict[str, Any] = {
        "name": (name or default)[:100],
        "kind": kind,
        "value": value,
        "booking_from": booking[0].isoformat(),
        "booking_to": booking[1].isoformat(),
        "reason": _reason(request),
    }
    if currency is not None:
        args["currency"] = currency
    if stay is not None:
        args["stay_from"], args["stay_to"] = stay[0].isoformat(), stay[1].isoformat()
    if channels:
        args["channels"] = channels
    if hotels:
        args["hotels"] = hotels
    if priority is not None:
        args["priority"] = int(priority.group("p"))
    return Plan("add_margin_rule", request, client, args)


def _split_named(text: Text) -> tuple[str | None, str | None]:
    """What is left of "<thing> de <client>" (a rule, a technical validation): the thing's
    name and the client's. Said in two pieces ("de reservas … para Hoteles Sur", "de Mundo
    Azul … reservas"), the last piece introduced by a preposition is the client."""
    text.take_all(_FILLER)
    text.take_all(_TAIL)
    pieces: list[tuple[bool, int, int]] = []
    for start, end in text.chunks():
        introduced = _CLIENT_PREPOSITION.match(text.work[start:end]) is not None
        s, e = _clean_span(text, start, end)
        if re.search(r"[^\W\d_]", text.work[s:e]):
            pieces.append((introduced, s, e))
    if not pieces:
        return None, None

    def source(s: int, e: int) -> str | None:
        return text.source(s, e).strip(" ,.;:\"'«»?") or None

    if len(pieces) > 1:
        at = max((i for i, p in enumerate(pieces) if p[0]), default=0)
        other = pieces[1] if at == 0 else pieces[0]
        return source(other[1], other[2]), source(pieces[at][1], pieces[at][2])
    _, start, end = pieces[0]
    inner = list(
        re.finditer(r"\s(?:de|del|para|a|al)\s+(?:(?:el\s+)?cliente\s+)?", text.work[start:end])
    )
    if not inner:
        return None, source(start, end)
    cut = inner[-1]
    return source(start, start + cut.start()), source(start + cut.end(), end)


def _rule_action(intent: str, verbs: str) -> Parser:
    def parse(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
        rule = _quoted(text)
        text.take_all(verbs)
        text.take_all(r"\b(?:la|las|una)?\s*reglas?(?:\s+de\s+margen)?\b")
        if rule is None:
            rule, client = _split_named(text)
        else:
            client = _remaining_name(text)
        if client is None:
            return Missing(f"{ASK_DETAIL} ¿de qué cliente es la regla?")
        return Plan(intent, request, client, {"reason": _reason(request)}, rule)

    return parse


# Onboarding ----------------------------------------------------------------------------


def _registration(_text: Text, _request: str, _today: date | None) -> Plan | Missing | None:
    """The registration in Dome and PerlaHub is not a step taken by hand."""
    return Missing(
        "El alta en Dome y en PerlaHub no se hace a mano: se lanza sola al convertir el lead en "
        "cliente. Si falló, verás el motivo en la ficha («¿cómo va <cliente>?») y se puede "
        "reintentar desde la ficha del cliente.",
        follow_up=False,
    )


_BENCHMARK_NOISE: Final = _noise(
    r"\b(?:dale|dame|dar|da|darle|concede|conceder|concedele|abre|abrir|activa|activar|"
    r"habilita|pon|ponle)\b",
    r"\b(?:el\s+|un\s+)?acceso\s+(?:de\s+)?(?:prueba|benchmark|test|demo|comparacion)\b",
    r"\bbenchmark\b",
)


def _benchmark(text: Text, request: str, today: date | None) -> Plan | Missing | None:
    """Benchmark access, for "N días" ("semanas") when said, else the use case's default."""
    args: dict[str, Any] = {}
    span = text.take(r"\b(?:durante|por|para|de)\s+(?P<n>\d{1,3})\s+(?P<u>dias|semanas)\b")
    if span is not None:
        if today is None:
            return Missing(f"{ASK_DETAIL} ¿hasta qué día (con el año) dura el acceso de prueba?")
        days = int(span.group("n")) * (7 if span.group("u") == "semanas" else 1)
        args["until"] = f"{(today + timedelta(days=days)).isoformat()}T23:59:59+00:00"
    return _client_plan("grant_benchmark_access", _BENCHMARK_NOISE, phase="lead", args=args)(
        text, request, today
    )


def _technical_validation(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    outcome = text.take(
        r"\b(?:como\s+|(?:ha|han)\s+(?:salido\s+|ido\s+|resultado\s+)?|esta\s+|que\s+)?(?P<o>no\s+superad[ao]|no\s+pasad[ao]|"
        r"no\s+ha\s+pasado|superad[ao]|pasad[ao]|aprobad[ao]|correct[ao]|ok|bien|fallid[ao]|"
        r"fallad[ao]|suspendid[ao]|ko|mal|incorrect[ao]|falla|falla?do|ha fallado)\b"
    )
    name = _quoted(text)
    text.take_all(
        r"\b(?:marca|marcar|registra|registrar|apunta|apuntar|anota|anotar|pon|poner|dar|da)\b"
    )
    text.take_all(r"\b(?:la|el)?\s*(?:validacion|prueba|test)\s+tecnic[ao]\b(?:\s+de\s+)?")
    if name is None:
        name, client = _split_named(text)
    else:
        client = _remaining_name(text)
    if client is None:
        return Missing(f"{ASK_DETAIL} ¿de qué cliente es la validación técnica?")
    if not name:
        return Missing(f"{ASK_DETAIL} ¿qué validación técnica? Dime su nombre (p. ej. «reservas»).")
    if outcome is None:
        return Missing(f"{ASK_DETAIL} ¿la validación técnica «{name}» se ha superado o ha fallado?")
    word = outcome.group("o")
    passed = not (
        word.startswith(("no", "fall", "suspend", "ko", "mal", "incorrect", "ha fall"))
        or word == "falla"
    )
    return Plan(
        "record_technical_validation",
        request,
        client,
        {"name": name, "passed": passed},
        phase="client",
    )


def _register_lead(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    args: dict[str, Any] = {}
    email = text.take(rf"(?:\b(?:correo|email|e-mail|mail|e mail)\s*:?\s*)?(?P<v>{_EMAIL.pattern})")
    if email is not None:
        args["email"] = text.group(email, "v")
    phone = text.take(rf"(?:\b(?:telefono|tel|tlf|movil|tfno)\.?\s*:?\s*)(?P<v>{_PHONE})")
    if phone is None:
        phone = text.take(r"(?P<v>\+\d[\d\s().-]{6,}\d)")
    if phone is not None:
        args["phone"] = text.group(phone, "v")
    tax = text.take(r"\b(?:cif|nif|vat|nif/cif|tax id)\s*:?\s*(?P<v>[a-z0-9-]{5,20})\b")
    if tax is not None:
        args["tax_id"] = text.group(tax, "v").upper()
    web = text.take(r"\b(?:web|pagina web|sitio web)?\s*:?\s*(?P<v>(?:https?://|www\.)\S+)")
    if web is not None:
        args["website"] = text.group(web, "v")
    country = text.take(rf"(?:\b(?:de|en|pais:?)\s+)?\b(?P<c>{_COUNTRY})\b")
    if country is not None:
        args["country"] = COUNTRIES[country.group("c")]
    kinds = {
        r"agencia de viajes": "travel_agency",
        r"(?:tour ?operador|turoperador|touroperador)": "tour_operator",
        r"dmc": "dmc",
        r"ota": "ota",
        r"mayorista": "wholesaler",
        r"(?:empresa|corporativo|corporate)": "corporate",
    }
    for pattern, kind in kinds.items():
        if text.take(rf"\b(?:es\s+(?:una?\s+)?|tipo\s*:?\s*)?{pattern}\b") is not None:
            args["business_type"] = kind
            break
    text.take_all(
        r"\b(?:registra|registrar|registrame|crea|crear|da de alta|dar de alta|alta|anade|anadir|"
        r"apunta|apuntar|mete|meter|nuevo|nueva|un|una|el)\b"
    )
    text.take_all(r"\b(?:leads?|potencial(?:es)?|cliente potencial|prospecto)\b(?:\s*:)?")
    text.take_all(r"\b(?:llamad[oa]|se llama|con nombre|nombre)\b")
    name = _remaining_name(text)
    if name is None:
        return Missing(f"{ASK_DETAIL} ¿cómo se llama el lead?")
    if "country" not in args:
        return Missing(f"{ASK_DETAIL} ¿de qué país es {name}? (p. ej. «España»)")
    return Plan("register_lead", request, None, {"trade_name": name, **args})


DETAIL_FIELDS: Final = {
    "correo electronico": "email",
    "correo": "email",
    "email": "email",
    "e-mail": "email",
    "telefono": "phone",
    "pagina web": "website",
    "web": "website",
    "nif": "tax_id",
    "cif": "tax_id",
    "razon social": "legal_name",
    "nombre comercial": "trade_name",
}
_DETAIL_FIELD: Final = _alternation(list(DETAIL_FIELDS))


def _update_details(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    """ "cambia el correo de <client> a <value>" (or "…: <value>"): one field, its new value
    as written."""
    found = text.search(
        rf"\b(?P<field>{_DETAIL_FIELD})\s+(?:de|del)\s+(?:(?:la\s+)?(?:cliente|lead|agencia)\s+)?"
        r"(?P<client>.+?)\s*(?:\s(?:a|por|al)\s|:)\s*(?P<value>\S.*?)\s*!?$"
    )
    if found is None:
        return Missing(
            "Para cambiar un dato dímelo así: «cambia el correo de Viajes Sol a "
            "ventas@viajessol.es».",
            follow_up=False,
        )
    field = DETAIL_FIELDS[found["field"]]
    value = text.group(found, "value")
    if field == "tax_id":
        value = value.replace(" ", "").upper()
    return Plan("update_client_details", request, text.group(found, "client"), {field: value})


# Hotels and supplier requests ----------------------------------------------------------

_HOTEL_WORD: Final = (
    r"\b(?:hotel|hostal|apartahotel|aparthotel|resort|parador|hostel|posada|albergue)\b"
)


def _hotel_fields(text: Text) -> dict[str, str]:
    fields: dict[str, str] = {}
    email = text.take(rf"(?:\b(?:correo|email|e-mail|mail)\s*:?\s*)?(?P<v>{_EMAIL.pattern})")
    if email is not None:
        fields["email"] = text.group(email, "v")
    phone = text.take(rf"(?:\b(?:telefono|tel|tlf|tfno|movil)\.?\s*:?\s*)(?P<v>{_PHONE})")
    if phone is None:
        phone = text.take(r"(?P<v>\+\d[\d\s().-]{6,}\d)")
    if phone is not None:
        fields["phone"] = text.group(phone, "v")
    address = text.take(
        r"\b(?:direccion|en la calle|calle|c/|avenida|avda\.?|plaza)\s*:?\s*"
        r"(?P<v>[^,;|]+?)(?=\s*(?:[,;|]|$))"
    )
    if address is not None:
        fields["address"] = text.group(address, 0).split(":", 1)[-1].strip()
        if text.group(address, 0).casefold().startswith(("direccion", "dirección")):
            fields["address"] = text.group(address, "v")
    chain = text.take(
        r"\b(?:de\s+la\s+)?cadena\s+(?P<v>[^,;|]+?)(?=\s*(?:[,;|]|$|\ben\b|\bcon\b|\btelefono\b))"
    )
    if chain is not None:
        fields["chain"] = text.group(chain, "v")
    country = text.take(rf"(?:[,(]\s*|\b(?:en|de)\s+)(?P<c>{_COUNTRY})\b\)?")
    if country is not None:
        fields["country"] = COUNTRIES[country.group("c")]
    text.take_all(_TAIL)
    within = text.take(r"\(\s*(?P<v>[^\W\d_][^()|]*?)\s*\)")
    if within is not None:
        fields["city"] = text.group(within, "v")
    text.take_all(
        r"\b(?:en\s+(?:nuestro|el)\s+directorio|entre\s+(?:los|nuestros)\s+proveedores|"
        r"como\s+proveedor(?:es)?|de\s+proveedor(?:es)?|proveedor(?:es)?|en\s+el\s+sistema|"
        r"en\s+perla|dado\s+de\s+alta|dada\s+de\s+alta)\b"
    )
    city = text.take(
        r"\ben\s+(?P<v>[^\W\d_][^,;|?]*?)"
        r"(?=\s*(?:[,;|?.]|$|\b(?:con|y|o|telefono|tel|correo)\b))"
    )
    if "city" in fields:
        pass
    elif city is not None and not re.match(_HOTEL_WORD, city.group("v")):
        fields["city"] = text.group(city, "v")
    else:
        known = text.take(rf"(?:,\s*|\b(?:de|en)\s+)(?P<v>{_CITY})\b(?=\s*(?:[,;|?.]|$))")
        if known is not None:
            fields["city"] = text.group(known, "v")
    return fields


def _hotel_name(text: Text) -> str | None:
    hotel = text.search(rf"{_HOTEL_WORD}[^,;|?()]*")
    if hotel is not None:
        start, end = hotel.start(), hotel.end()
        trail = _TRAILING.search(text.work[start:end])
        text.mask(start, end)
        if trail is not None:
            end = start + trail.start()
        return text.source(start, end).strip(" .") or None
    return _remaining_name(text)


def _match_hotel(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    text.take_all(
        r"\b(?:tenemos|teneis|tienen|existe|esta|estan|hay|conocemos|busca|buscar|buscame|"
        r"encuentra|encuentrame|localiza|localizar|figura|aparece|trabajamos\s+con|sabes\s+si|"
        r"mira\s+si|comprueba\s+si)\b"
    )
    fields = _hotel_fields(text)
    name = _hotel_name(text)
    if name is None:
        return Missing(f"{ASK_DETAIL} ¿qué hotel busco? Dime su nombre y su ciudad.")
    if "city" not in fields and "phone" not in fields:
        return Missing(f"{ASK_DETAIL} ¿en qué ciudad está {name}? (o su teléfono)")
    return Plan("match_hotel", request, None, {"name": name, **fields})


def _gather_supplier(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    text.take_all(
        r"\b(?:prepara|preparar|preparame|crea|crear|abre|abrir|inicia|iniciar|empieza|haz|hazme|"
        r"nueva|una|da\s+de\s+alta|dar\s+de\s+alta|alta\s+de|alta|quiero\s+dar\s+de\s+alta)\b"
    )
    text.take_all(r"\b(?:la\s+)?solicitud(?:\s+de\s+alta)?(?:\s+de)?\b")
    fields = _hotel_fields(text)
    name = _hotel_name(text)
    if name is None:
        return Missing(f"{ASK_DETAIL} ¿para qué hotel es la solicitud? Dime su nombre.")
    return Plan("gather_supplier_request", request, None, {"name": name, **fields})


def _request_action(intent: str, verbs: str) -> Parser:
    def parse(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
        text.take_all(verbs)
        text.take_all(
            r"\b(?:la\s+)?solicitud(?:\s+de\s+(?:alta\s+de\s+)?proveedor(?:es)?)?\b|"
            r"\b(?:al\s+equipo\s+de\s+|a\s+)proveedores\b"
        )
        text.take_all(r"\b(?:que\s+le\s+falta|que\s+falta|el\s+estado|estado|como\s+va)\b")
        text.take_all(_TAIL)
        name = _hotel_name(text)
        args: dict[str, Any] = {}
        if intent == "cancel_supplier_request":
            args["reason"] = _reason(request)
        return Plan(intent, request, None, args, name)

    return parse


def _list_requests(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    statuses = {
        r"borrador(?:es)?": "draft",
        r"listas?|preparadas?": "ready",
        r"enviadas?": "sent",
        r"recibidas?|confirmadas?": "acknowledged",
        r"rechazadas?": "rejected",
        r"canceladas?": "cancelled",
    }
    args: dict[str, Any] = {}
    for pattern, status in statuses.items():
        if text.search(rf"\b(?:{pattern})\b"):
            args["status"] = status
            break
    return Plan("list_supplier_requests", request, None, args)


def _activity(text: Text, request: str, _today: date | None) -> Plan | Missing | None:
    folded = text.folded
    days = 7
    number = re.search(r"\b(\d{1,3})\s+(dias|semanas|meses)\b", folded)
    if number:
        unit = {"dias": 1, "semanas": 7, "meses": 30}[number[2]]
        days = int(number[1]) * unit
    elif re.search(r"\b(?:hoy|ultimas?\s+24\s+horas)\b", folded):
        days = 1
    elif re.search(r"\bayer\b", folded):
        days = 2
    elif re.search(r"\b(?:trimestre)\b", folded):
        days = 90
    elif re.search(r"\b(?:mes|quincena)\b", folded):
        days = 15 if "quincena" in folded else 30
    return Plan("activity_summary", request, None, {"days": max(1, min(days, 90))})


# The table: first family that matches wins, so the narrower ones come first ----------------

_SOLICITUD = r"\bsolicitud(?:es)?\b"
_CREDENTIAL = r"\b(?:credencial(?:es)?|secreto|clave|contrasena|password|api key)\b"
_RULE = r"\breglas?\b"
_ACCESS = rf"{_CREDENTIAL}|\bacceso\b(?!\s+(?:de\s+)?(?:prueba|benchmark|demo))"

_SUSPEND = (
    r"\b(?:suspende|suspender|suspendele|bloquea|bloquear|pausa|pausar|congela|congelar|"
    r"desactiva|desactivar)\b"
)
_REACTIVATE = (
    r"\b(?:reactiva|reactivar|desbloquea|desbloquear|reanuda|reanudar|activa|activar|"
    r"rehabilita|vuelve\s+a\s+activar)\b"
)
_REVOKE = (
    r"\b(?:revoca|revocar|revocale|elimina|eliminar|borra|borrar|anula|anular|quita|quitar|"
    r"da\s+de\s+baja|dar\s+de\s+baja|cancela|cancelar)\b"
)
_ROTATE = (
    r"\b(?:rota|rotar|rotale|regenera|regenerar|renueva|renovar|cambia|cambiar|cambiale|nuevo)\b"
)
_TEST = (
    r"\b(?:prueba|probar|pruebame|comprueba|comprobar|testea|testear|test|verifica|verificar|"
    r"lanza|haz)\b"
)
_ISSUE = (
    r"\b(?:crea|crear|creale|creame|genera|generar|generale|emite|emitir|dale|dar|da|haz|hazle|"
    r"abre|abrir|prepara|preparar|alta|nueva|nuevas)\b"
)
_DISABLE = r"\b(?:desactiva|desactivar|apaga|apagar|pausa|pausar|suspende|suspender|deshabilita)\b"
_ENABLE = r"\b(?:activa|activar|reactiva|reactivar|enciende|encender|habilita|habilitar)\b"
_REMOVE = r"\b(?:elimina|eliminar|borra|borrar|quita|quitar|suprime|suprimir)\b"
_SEND = r"\b(?:envia|enviar|enviala|envie|manda|mandar|mandala|remite|remitir)\b"
_CANCEL = r"\b(?:cancela|cancelar|cancelala|anula|anular|retira|retirar|descarta|descartar)\b"
_SHOW_REQUEST = (
    r"\b(?:que\s+le\s+falta|que\s+falta|estado|como\s+va|muestra|muestrame|ver|ensename|"
    r"detalle|abre)\b"
)
_GO_LIVE_VERBS = (
    r"\b(?:pasa|pasar|pasalo|pasala|pon|poner|ponlo|ponla|sube|subir|lleva|llevar|activa|"
    r"arranca|lanza|saca|sacar|salir|sale)\b"
)


FAMILIES: Final[tuple[Family, ...]] = (
    Family(
        "set_priced_scope",
        (_SCOPE,),
        _priced_scope,
        unless=(r"\bmargen\b|\bregla", _CREDENTIAL),
    ),
    Family(
        "send_supplier_request",
        (_SOLICITUD, _SEND),
        _request_action("send_supplier_request", _SEND),
    ),
    Family(
        "cancel_supplier_request",
        (_SOLICITUD, _CANCEL),
        _request_action("cancel_supplier_request", _CANCEL),
    ),
    Family(
        "list_supplier_requests",
        (r"\bsolicitudes\b",),
        _list_requests,
        unless=(r"\b(?:prepara|crea|abre|inicia|nueva)\b",),
    ),
    Family(
        "show_supplier_request",
        (_SOLICITUD, _SHOW_REQUEST),
        _request_action(
            "show_supplier_request",
            r"\b(?:muestra|muestrame|ver|ensename|detalle|abre|dime)\b",
        ),
    ),
    Family(
        "gather_supplier_request",
        (
            r"\bsolicitud\b|\balta\b|\b(?:prepara|preparar|registra|registrar|crea|crear|anade|"
            r"anadir|incorpora|incorporar|nuevo)\b.*\bproveedor",
        ),
        _gather_supplier,
        unless=(
            r"\blead\b|\bdome\b|\bperlahub\b",
            r"^(?!.*(?:proveedor|hotel|hostal|resort)).*$",
            r"\besta\s+dad[oa]\s+de\s+alta\b|\bexiste\b|\btenemos\b|\bconocemos\b",
        ),
    ),
    Family(
        "activity_summary",
        (
            r"\bresumen\b|\bque\s+ha\s+pasado\b|\bactividad\b|\bnovedades\b|"
            r"\bque\s+hay\s+de\s+nuevo\b|"
            r"\b(?:como\s+(?:ha\s+ido|va)|que\s+tal)\s+(?:la|esta|el|este)\s+(?:semana|mes)\b",
        ),
        _activity,
    ),
    Family(
        "match_hotel",
        (
            _HOTEL_WORD,
            r"\b(?:tenemos|teneis|tienen|existe|esta|estan|hay|conocemos|busca|buscar|buscame|"
            r"encuentra|encuentrame|localiza|localizar|figura|aparece|trabajamos|sabes|mira|"
            r"comprueba)\b",
        ),
        _match_hotel,
        unless=(_CREDENTIAL, r"\bmargen\b|\d\s*%"),
    ),
    Family(
        "match_hotel",
        (
            r"\b(?:tenemos|existe|conocemos|trabajamos\s+con|esta\s+dad[oa]\s+de\s+alta)\b",
            r"\b(?:como|entre\s+los|de\s+nuestros|en\s+el\s+directorio\s+de)\s+proveedor(?:es)?\b"
            r"|\ben\s+(?:el|nuestro)\s+directorio\b",
        ),
        _match_hotel,
        unless=(_CREDENTIAL, r"\bmargen\b|\d\s*%", r"\bcliente\b|\blead\b"),
    ),
    Family(
        "test_connection",
        (r"\bconexion\b|\bconectividad\b", _TEST),
        _credential_action("test_connection", _noise(_TEST, r"\bla\s+prueba\s+de\b")),
    ),
    Family("edit_credential", (_EDIT, _CREDENTIAL, _SETTING), _edit_credential),
    Family(
        "edit_credential",
        (
            _CREDENTIAL,
            rf"\b(?:anade|anadir|agrega|agregar|quita|quitar|elimina|eliminar)\s+(?:el\s+|la\s+|"
            rf"los\s+|las\s+)?(?:productos?\s+|monedas?\s+|mercados?\s+)?(?:{_PRODUCT}|"
            rf"{_CURRENCY}|{_COUNTRY})\b",
        ),
        _edit_credential,
    ),
    Family(
        "rotate_credential_secret",
        (_ROTATE, r"\b(?:secreto|clave|contrasena|password|credencial(?:es)?)\b"),
        _credential_action("rotate_credential_secret", _ROTATE),
        unless=(r"\bcrea|\bgenera", _SETTING),
    ),
    Family(
        "revoke_credential",
        (_REVOKE, _ACCESS),
        _credential_action("revoke_credential", _REVOKE),
    ),
    Family(
        "suspend_credential",
        (_SUSPEND, r"\b(?:credencial(?:es)?|acceso)\b"),
        _credential_action("suspend_credential", _SUSPEND),
        unless=(_RULE,),
    ),
    Family(
        "reactivate_credential",
        (_REACTIVATE, _ACCESS),
        _credential_action("reactivate_credential", _REACTIVATE),
    ),
    Family(
        "show_client:credentials",
        (
            _CREDENTIAL,
            r"\b(?:estado|como\s+esta|como\s+estan|como\s+va|ver|muestra|muestrame|ensename|"
            r"cual|cuales|que|lista|listame|dime|tiene|tienen|hay)\b",
        ),
        _client_plan(
            "show_client",
            _noise(
                r"\b(?:estado|como\s+esta|como\s+estan|como\s+va|ver|muestra|muestrame|ensename|"
                r"cual|cuales|que|lista|listame|dime|tiene|tienen|hay|es|son)\b",
                _CREDENTIAL_NOISE,
            ),
        ),
        unless=(_ISSUE,),
    ),
    Family("issue_credential", (_ISSUE, _CREDENTIAL), _issue_credential),
    Family("issue_credential", (r"\bcredencial(?:es)?\b",), _issue_credential),
    Family(
        "benchmark_removal",
        (
            r"\b(?:quita|quitale|quitar|retira|retirale|retirar|revoca|revocale|elimina|cancela|"
            r"corta|cortale|cierra|cierrale|no\s+le\s+des)\b",
            r"\bacceso\s+(?:de\s+)?(?:prueba|benchmark|test|demo|comparacion)\b|\bbenchmark\b",
        ),
        lambda _text, _request, _today: Missing(
            "El acceso de prueba no se retira desde el asistente: caduca solo en la fecha "
            "fijada al darlo. Puedes ver hasta cuándo dura en la ficha del lead.",
            follow_up=False,
        ),
    ),
    Family(
        "grant_benchmark_access",
        (r"\bacceso\s+(?:de\s+)?(?:prueba|benchmark|test|demo|comparacion)\b|\bbenchmark\b",),
        _benchmark,
    ),
    Family(
        "disable_margin_rule",
        (_DISABLE, _RULE),
        _rule_action("disable_margin_rule", _DISABLE),
    ),
    Family("remove_margin_rule", (_REMOVE, _RULE), _rule_action("remove_margin_rule", _REMOVE)),
    Family("enable_margin_rule", (_ENABLE, _RULE), _rule_action("enable_margin_rule", _ENABLE)),
    Family(
        "add_margin_rule",
        (
            r"\b(?:margen(?:es)?|markup|regla)\b",
            rf"\d\s*(?:%|por\s*ciento\b|€|\$|£|(?:{_CURRENCY})\b)",
        ),
        _margin_rule,
    ),
    Family(
        "show_policy",
        (r"\b(?:politica|reglas|margen(?:es)?|condiciones\s+comerciales|markup)\b",),
        _client_plan(
            "show_policy",
            _noise(
                r"\b(?:muestra|muestrame|ensename|ver|dime|cual|cuales|que|tiene|tienen|"
                r"hay|lista|listame|consulta)\b",
                r"\b(?:la\s+)?politica(?:\s+comercial)?\b",
                r"\b(?:las\s+|los\s+)?(?:reglas|margen(?:es)?|markup)(?:\s+de\s+margen)?\b",
                r"\b(?:las\s+)?condiciones\s+comerciales\b",
            ),
        ),
    ),
    Family(
        "update_client_details",
        (
            r"\b(?:cambia|cambiar|cambiale|actualiza|actualizar|corrige|corregir|modifica|"
            r"modificar|pon|ponle)\b",
            rf"\b(?:{_DETAIL_FIELD})\s+(?:de|del)\b",
        ),
        _update_details,
        unless=(_CREDENTIAL, r"\bsolicitud\b|\bhotel\b"),
    ),
    Family(
        "record_technical_validation",
        (r"\b(?:validacion|prueba|test)\s+tecnic[ao]\b",),
        _technical_validation,
    ),
    Family(
        "registration",
        (r"\bdome\b|\bperlahub\b", r"\b(?:alta|registra|registrar|registrado|dado|registro)\b"),
        _registration,
    ),
    Family(
        "go_live",
        (r"\bgo[\s-]?live\b|\b(?:a|en)\s+(?:produccion|live|real)\b|\bpuesta\s+en\s+produccion\b",),
        _client_plan(
            "go_live",
            _noise(
                _GO_LIVE_VERBS,
                r"\bgo[\s-]?live\b",
                r"\b(?:a|en)\s+(?:produccion|live|real)\b",
                r"\b(?:la\s+)?puesta\s+en\s+produccion\b",
                r"\b(?:haz|hacer|hazle)\b",
            ),
            phase="client",
        ),
    ),
    Family(
        "advance_client:validate_record",
        (r"\bvalid[ao]|\bvalidar|\bvalidale|\bvalidacion\b", r"\bficha|\bregistro\b|\bdatos\b"),
        _client_plan(
            "advance_client",
            _noise(
                r"\b(?:valida|validar|validale|validada|validado|validacion|marca|marcar|como|da|"
                r"dar|por|pon|ponle)\b",
                r"\b(?:la\s+)?(?:ficha|registro|datos)\b",
            ),
            phase="client",
            args={"action": "validate_record"},
        ),
    ),
    Family(
        "advance_client:start_onboarding",
        (r"\bonboarding\b|\bpuesta\s+en\s+marcha\b",),
        _client_plan(
            "advance_client",
            _noise(
                r"\b(?:empieza|empezar|empezad|inicia|iniciar|arranca|arrancar|comienza|comenzar|"
                r"abre|abrir|lanza|lanzar|pon\s+en\s+marcha|pasa|pasar|mete|meter|en)\b",
                r"\b(?:el\s+)?onboarding\b|\b(?:la\s+)?puesta\s+en\s+marcha\b",
            ),
            phase="client",
            args={"action": "start_onboarding"},
        ),
    ),
    Family(
        "convert_lead",
        (
            r"\bconv(?:ie|e)rt|\b(?:pasa|pasar|pasalo|pasala|haz|hazlo|hazla|hacer)\b.*\b(?:a|en)\s+cliente\b"
            r"|\bha\s+firmado\b|\bya\s+es\s+cliente\b|\bconversion\b"
            r"|\bquiere\s+(?:trabajar\s+con\s+nosotros|ser\s+cliente)\b",
        ),
        _client_plan(
            "convert_lead",
            _noise(
                r"\b(?:convierte|convertir|conviertelo|conviertela|conviertas|convertirlo|"
                r"convertirla|conversion|pasa|pasar|pasalo|pasala|haz|hazlo|hazla|hacer|ha\s+firmado|"
                r"ya\s+es)\b",
                r"\b(?:a|en)\s+(?:un\s+)?cliente\b(?:\s+definitivo)?",
                r"\b(?:del\s+)?lead\b",
                r"\bquiere\s+(?:trabajar\s+con\s+nosotros|ser\s+cliente)\b",
            ),
            phase="lead",
        ),
    ),
    Family(
        "advance_lead:record_meeting",
        (r"\breunion(?:es)?\b|\breunido\b|\breunimos\b|\bvisita(?:do)?\b",),
        _client_plan(
            "advance_lead",
            _noise(
                r"\b(?:registra|registrar|apunta|apuntar|anota|anotar|marca|marcar|hemos|he|ya|"
                r"tenido|tuvimos|tuve|hecho|hicimos|celebrado|mantenido|nos|hemos\s+reunido|"
                r"reunido|reunimos|visitado|visita|como|hecha|celebrada|realizada)\b",
                r"\b(?:una\s+|la\s+)?reunion(?:es)?\b",
            ),
            phase="lead",
            args={"action": "record_meeting"},
        ),
    ),
    Family(
        "advance_lead:mark_contacted",
        (
            r"\bcontactad[oa]s?\b|\bhe\s+contactado\b|\bhemos\s+contactado\b|\bhe\s+llamado\b|"
            r"\bhemos\s+llamado\b|\bprimer\s+contacto\b|\bhemos\s+hablado\b|\bhe\s+hablado\b",
        ),
        _client_plan(
            "advance_lead",
            _noise(
                r"\b(?:marca|marcar|marcalo|marcala|pon|ponlo|ponla|como|ya|esta|he|hemos|"
                r"contactado|contactada|contactados|llamado|hablado|hecho|el|primer|contacto|"
                r"registra|registrar|apunta)\b",
            ),
            phase="lead",
            args={"action": "mark_contacted"},
        ),
    ),
    Family(
        "advance_lead:mark_lost",
        (r"\bperdid[oa]\b|\bdescartad[oa]\b|\bno\s+(?:le\s+)?interesa\b|\bse\s+ha\s+caido\b",),
        _client_plan(
            "advance_lead",
            _noise(
                r"\b(?:marca|marcar|marcalo|marcala|pon|ponlo|como|ya|esta|perdido|perdida|"
                r"descartado|descartada|no|le|interesa|se|ha|caido|da|dar|por)\b",
            ),
            phase="lead",
            args={"action": "mark_lost"},
        ),
    ),
    Family(
        "advance_lead:reopen",
        (r"\breabre\b|\breabrir\b|\brecupera\b|\brecuperar\b",),
        _client_plan(
            "advance_lead",
            _noise(r"\b(?:reabre|reabrir|recupera|recuperar|el|lead)\b"),
            phase="lead",
            args={"action": "reopen"},
        ),
    ),
    Family(
        "advance_client:mark_dormant",
        (r"\b(?:dormid[oa]|inactiv[oa]|durmiente)\b",),
        _client_plan(
            "advance_client",
            _noise(
                r"\b(?:marca|marcar|pon|ponlo|como|esta|dormido|dormida|inactivo|inactiva|durmiente)\b"
            ),
            phase="client",
            args={"action": "mark_dormant"},
        ),
    ),
    Family(
        "advance_client:churn",
        (r"\b(?:da|dar|dale)\s+de\s+baja\b|\bchurn\b|\bse\s+ha\s+ido\b|\bha\s+abandonado\b",),
        _client_plan(
            "advance_client",
            _noise(r"\b(?:da|dar|dale|de|baja|churn|se|ha|ido|abandonado|al|marca|como)\b"),
            phase="client",
            args={"action": "churn"},
        ),
    ),
    Family(
        "advance_client:reactivate",
        (r"\breactiva|\breactivar\b|\bvuelve\s+a\s+estar\s+activ",),
        _client_plan(
            "advance_client",
            _noise(
                r"\b(?:reactiva|reactivar|reactivalo|reactivala|vuelve|a|estar|activo|activa)\b"
            ),
            phase="client",
            args={"action": "reactivate"},
        ),
    ),
    Family(
        "gather_client_record",
        (
            r"\b(?:completa|completar|completame|rellena|rellenar|termina|terminar|recoge|recoger|"
            r"pide|pedir)\b",
            r"\b(?:ficha|datos|registro|falta|faltan)\b",
        ),
        _client_plan(
            "gather_client_record",
            _noise(
                r"\b(?:completa|completar|completame|rellena|rellenar|termina|terminar|recoge|"
                r"recoger|pide|pedir|los|lo|que|falta|faltan)\b",
                r"\b(?:la\s+)?(?:ficha|datos|registro)\b",
            ),
            phase="lead",
        ),
    ),
    Family(
        "register_lead",
        (
            r"\blead\b|\bcliente\s+potencial\b|\bprospecto\b",
            r"\b(?:registra|registrar|registrame|nuevo|nueva|crea|crear|alta|anade|anadir|apunta|"
            r"apuntar|mete|meter)\b",
        ),
        _register_lead,
    ),
    Family(
        "show_client",
        (
            r"\b(?:busca|buscar|buscame|encuentra|encuentrame|ficha|muestra|muestrame|ensename|ver|"
            r"como\s+va|como\s+esta|como\s+lleva|como\s+van|que\s+tal|estado|situacion|info|"
            r"informacion|datos|dime|consulta|abre|que\s+sabemos|hablame|cuentame|ensenas|"
            r"muestras|me\s+dices)\b"
            r"|\b(?:tenemos|existe|hay)\b.*\b(?:cliente|lead|agencia)\b",
        ),
        _client_plan(
            "show_client",
            _noise(
                r"\b(?:busca|buscar|buscame|encuentra|encuentrame|muestra|muestrame|ensename|ver|"
                r"como\s+va|como\s+esta|como\s+lleva|como\s+van|que\s+tal|dime|consulta|abre|"
                r"me|que|tal|va|con|esta|sabemos|hablame|cuentame|tenemos|existe|hay|algun|"
                r"ensenas|ensena|muestras|dices|puedes\s+decir|"
                r"alguna|llamad[oa]|que\s+se\s+llame)\b",
                r"\b(?:la\s+)?(?:ficha|estado|situacion|info|informacion|datos)\b",
            ),
        ),
    ),
)


BULK: Final = r"\btod[oa]s\s+(?:l[oa]s|sus)\b|\bcada\s+(?:cliente|credencial|regla)\b"
BULK_READS: Final = frozenset(
    {"activity_summary", "list_supplier_requests", "show_client", "show_policy", "match_hotel"}
)


def parse_request(text: str, today: date | None) -> Plan | Missing | None:
    """The request read by the grammar: a plan, a question for what it lacks, or None."""
    probe = Text.of(text)
    if not re.search(r"[^\W\d_]", probe.folded):
        return None
    for family in FAMILIES:
        if family.matches(probe.folded):
            if family.name not in BULK_READS and re.search(BULK, probe.folded):
                return Missing(
                    "Solo actúo sobre un cliente, una credencial o una regla cada vez, y cada "
                    "cambio lo confirmas tú. Dime sobre cuál.",
                    follow_up=False,
                )
            return family.parse(Text.of(text), text, today)
    return None


# --- the transcript ---------------------------------------------------------------------


@attrs.frozen
class Step:
    """A tool call of the episode and its result (``data`` decoded JSON, or ``error``)."""

    name: str
    input: Mapping[str, Any]
    data: Any = None
    error: str | None = None


@attrs.frozen
class Episode:
    """The request being served: its text, the answers to this model's questions by kind,
    and the tool calls made for it so far."""

    request: str
    choices: Mapping[str, str]
    steps: tuple[Step, ...]


_NOTE: Final = re.compile(r"^\((?:perla|conversation)\b[^()]*\)$")


def _texts(message: ModelMessage) -> list[str]:
    """The message's own text blocks, without the engine's notes ("(perla: proposal
    applied)", "(conversation continues)")."""
    if isinstance(message.content, str):
        texts = [message.content]
    else:
        texts = [b.text for b in message.content if isinstance(b, TextBlock)]
    return [t for t in texts if t.strip() and not _NOTE.match(t.strip())]


def user_text(message: ModelMessage) -> str:
    """What the person wrote in a user message ("" for tool results and notes only)."""
    return "\n".join(_texts(message)).strip() if message.role == "user" else ""


def _question_kind(message: ModelMessage) -> str | None:
    if message.role != "assistant":
        return None
    texts = _texts(message)
    if not texts:
        return None
    last = texts[-1]
    return next((kind for marker, kind in QUESTIONS.items() if last.startswith(marker)), None)


def episode_of(messages: Sequence[ModelMessage]) -> Episode | None:
    """The request the transcript is serving and what happened for it since."""
    users = [i for i, m in enumerate(messages) if user_text(m)]
    if not users:
        return None
    position = users[-1]
    choices: dict[str, str] = {}
    details: list[str] = []
    while True:
        reply = user_text(messages[position])
        asked = _question_kind(messages[position - 1]) if position > 0 else None
        earlier = [i for i in users if i < position - 1]
        if asked is None or not earlier or _is_new_request(reply, asked):
            break
        if asked == "detail":
            details.insert(0, reply)
        else:
            choices.setdefault(asked, reply)
        position = earlier[-1]
    request = " ".join([user_text(messages[position]), *details])
    return Episode(request, choices, _steps(messages[position + 1 :]))


def _is_new_request(reply: str, asked: str) -> bool:
    if _bare(reply).removesuffix(" gracias") in _CANCELLATIONS:
        return True  # the question is dropped
    if asked == "detail":
        return isinstance(parse_request(reply, None), Plan)
    parsed = parse_request(reply, None)
    return isinstance(parsed, Plan) or (isinstance(parsed, Missing) and len(reply.split()) > 4)


def _steps(messages: Sequence[ModelMessage]) -> tuple[Step, ...]:
    calls: dict[str, ToolUseBlock] = {}
    steps: list[Step] = []
    for message in messages:
        if isinstance(message.content, str):
            continue
        for block in message.content:
            if isinstance(block, ToolUseBlock):
                calls[block.id] = block
            elif isinstance(block, ToolResultBlock) and block.tool_use_id in calls:
                call = calls[block.tool_use_id]
                if block.is_error:
                    steps.append(Step(call.name, call.input, error=_error_text(block.content)))
                else:
                    steps.append(Step(call.name, call.input, data=_decode(block.content)))
    return tuple(steps)


def _decode(content: str) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content


def _error_text(content: str) -> str:
    data = _decode(content)
    if isinstance(data, Mapping):
        for key in ("detail", "message", "error", "title"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return content.strip() or "error sin detalle"


def today_of(system: str) -> date | None:
    """The date of the system prompt's ``Hoy es YYYY-MM-DD.`` line, if any."""
    found = TODAY_LINE.search(system)
    if found is None:
        return None
    try:
        return date.fromisoformat(found[1])
    except ValueError:
        return None


# --- choosing among options -------------------------------------------------------------

_CHOICE_STOP: Final = frozenset(
    {
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "es",
        "ese",
        "esa",
        "este",
        "esta",
        "uno",
        "una",
        "cliente",
        "credencial",
        "regla",
        "solicitud",
        "numero",
        "n",
        "opcion",
        "me",
        "refiero",
        "a",
        "al",
        "por",
        "favor",
        "en",
        "con",
        "quiero",
        "decir",
        "digo",
    }
)


def choose(reply: str, options: Sequence[str], names: Sequence[str] = ()) -> int | None:
    """The option a reply picks (0-based): a number or ordinal ("el segundo", "2"), "el
    último", the exact name, or words found in one option only ("el de Madrid")."""
    folded = fold(reply)
    words = re.findall(r"[\w@.-]+", folded)
    numbers = [int(w) for w in words if w.isdigit()]
    if len(numbers) == 1 and 1 <= numbers[0] <= len(options) and len(words) <= 4:
        return numbers[0] - 1
    if words and len(words) <= 4:
        if any(w in {"ultimo", "ultima"} for w in words):
            return len(options) - 1
        ordinals = [ORDINALS[w] for w in words if w in ORDINALS]
        meaningful = [w for w in words if w not in _CHOICE_STOP and w not in ORDINALS]
        if len(ordinals) == 1 and not meaningful and ordinals[0] <= len(options):
            return ordinals[0] - 1
    wanted = folded.strip(" .!?¿¡\"'«»")
    exact = [i for i, name in enumerate(names) if fold(name) == wanted]
    if len(exact) == 1:
        return exact[0]
    meaningful = [w for w in words if w not in _CHOICE_STOP]
    if not meaningful:
        return None
    hits = [
        i
        for i, option in enumerate(options)
        if all(re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", fold(option)) for w in meaningful)
    ]
    return hits[0] if len(hits) == 1 else None


# --- what to do next --------------------------------------------------------------------


@attrs.frozen
class Call:
    name: str
    input: Mapping[str, Any]


@attrs.frozen
class Say:
    text: str


Action = Call | Say


def next_action(plan: Plan, episode: Episode, offered: frozenset[str]) -> Action:  # noqa: PLR0911, PLR0912 - one branch per stage of a plan
    """The plan replayed on the episode's tool results: the next call, or the answer."""
    refused = [t for t in tools_needed(plan) if t not in offered]
    if refused:
        return Say(
            f"Tu rol no te permite {TOOL_ES.get(refused[-1], refused[-1])} desde el asistente. "
            "Pídeselo a alguien del equipo con permisos para hacerlo."
        )
    steps = {s.name: s for s in episode.steps}
    last = episode.steps[-1] if episode.steps else None
    if last is not None and last.error is not None:
        return Say(_explain_error(last))
    if plan.intent in steps:
        return Say(_finish(steps[plan.intent]))
    args: dict[str, Any] = dict(plan.args)
    if plan.client is not None:
        search = steps.get("search_clients")
        if search is None:
            query: dict[str, Any] = {"text": plan.client}
            if plan.phase is not None:
                query["phase"] = plan.phase
            return Call("search_clients", query)
        shorter = _shorter_name(search)
        if shorter is not None:
            return Call("search_clients", {**search.input, "text": shorter})
        picked = _pick_client(plan, search, episode.choices.get("client"))
        if isinstance(picked, Say):
            return picked
        client_id = str(picked["client_id"])
        if plan.intent in CREDENTIAL_TOOLS:
            shown = steps.get("show_client")
            if shown is None:
                return Call("show_client", {"client_id": client_id})
            credential = _pick_credential(plan, picked, shown, episode.choices.get("credential"))
            if isinstance(credential, Say):
                return credential
            return Call(plan.intent, {"credential_id": credential, **args})
        if plan.intent in RULE_TOOLS:
            policy = steps.get("show_policy")
            if policy is None:
                return Call("show_policy", {"client_id": client_id})
            rule = _pick_rule(plan, picked, policy, episode.choices.get("rule"))
            if isinstance(rule, Say):
                return rule
            return Call(plan.intent, {"client_id": client_id, "rule_id": rule, **args})
        return Call(plan.intent, {"client_id": client_id, **args})
    if plan.intent in REQUEST_TOOLS:
        listed = steps.get("list_supplier_requests")
        if listed is None:
            return Call("list_supplier_requests", {})
        request_id = _pick_request(plan, listed, episode.choices.get("request"))
        if isinstance(request_id, Say):
            return request_id
        return Call(plan.intent, {"request_id": request_id, **args})
    return Call(plan.intent, args)


MIN_NAME_WORDS: Final = 2


def _shorter_name(search: Step) -> str | None:
    """After a search that found nobody, the name searched without its last word (words left
    over from the request, "Ñandú Viajes hoy" → "Ñandú Viajes"), while two words remain; the
    person is then told what was searched last when that finds nobody either."""
    if search.error is not None or _cards(search.data, "clients"):
        return None
    words = str(search.input.get("text", "")).split()
    if len(words) <= MIN_NAME_WORDS:
        return None
    return " ".join(words[:-1]).rstrip(" ,.;:")


def _cards(data: Any, key: str) -> list[Mapping[str, Any]]:
    items = data.get(key) if isinstance(data, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _status(card: Mapping[str, Any]) -> str:
    phase = "lead" if card.get("phase") == "lead" else "cliente"
    status = str(card.get("status") or "")
    return f"{phase}, {STATUS_ES.get(status, status)}" if status else phase


def _client_line(card: Mapping[str, Any]) -> str:
    parts = [str(card.get("trade_name") or "(sin nombre)")]
    if card.get("legal_name"):
        parts.append(str(card["legal_name"]))
    parts.append(str(card.get("tax_id") or "sin NIF"))
    parts.append(_status(card))
    return " · ".join(parts)


def _pick_client(plan: Plan, search: Step, choice: str | None) -> Mapping[str, Any] | Say:
    clients = _cards(search.data, "clients")
    who = "ningún lead" if plan.phase == "lead" else "ningún cliente"
    if plan.phase is None:
        who = "ningún cliente ni lead"
    if not clients:
        searched = str(search.input.get("text") or plan.client)
        return Say(f"No encuentro {who} que coincida con «{searched}».")
    if len(clients) == 1:
        return clients[0]
    names = [str(c.get("trade_name") or "") for c in clients]
    wanted = fold(plan.client or "")
    exact = [c for c, n in zip(clients, names, strict=True) if fold(n) == wanted]
    if len(exact) == 1:
        return exact[0]
    options = [
        " ".join(
            [
                _client_line(c),
                str(c.get("email") or ""),
                str(c.get("country") or ""),
                str(c.get("status") or ""),
            ]
        )
        for c in clients
    ]
    if choice is not None:
        index = choose(choice, options, names)
        if index is not None:
            return clients[index]
    shown = clients[:MAX_OPTIONS]
    lines = [f"{i}. {_client_line(c)}" for i, c in enumerate(shown, start=1)]
    more = ""
    total = search.data.get("total") if isinstance(search.data, Mapping) else None
    if isinstance(total, int) and total > len(shown):
        more = f"\n(Hay {total} en total; si no está en la lista, dime el nombre completo.)"
    again = f"No sé a cuál te refieres con «{choice}».\n" if choice is not None else ""
    return Say(
        f"{ASK_CLIENT} Hay {len(clients)} que coinciden con «{plan.client}»:\n"
        + "\n".join(lines)
        + more
        + f"\n{again}Responde con el número (por ejemplo «el 2») o con el nombre."
    )


def _pick_credential(
    plan: Plan, client: Mapping[str, Any], shown: Step, choice: str | None
) -> str | Say:
    statuses = CREDENTIAL_TOOLS[plan.intent]
    credentials = [
        c
        for c in _cards(shown.data, "credentials")
        if c.get("status") in statuses
        and (plan.target is None or c.get("environment") == plan.target)
    ]
    name = client.get("trade_name") or plan.client
    if not credentials:
        state = " o ".join(STATUS_ES[s] for s in statuses)
        where = f" en {plan.target}" if plan.target else ""
        return Say(f"{name} no tiene ninguna credencial {state}{where}.")
    if len(credentials) == 1:
        return str(credentials[0]["credential_id"])

    def line(c: Mapping[str, Any]) -> str:
        status = str(c.get("status") or "")
        state = STATUS_ES.get(status, status)
        return f"{c.get('environment')} · usuario {c.get('username')} · {state}"

    options = [line(c) for c in credentials]
    if choice is not None:
        words = " ".join(_ENV_VALUES.get(w, w) for w in fold(choice).split())
        index = choose(words, options, [str(c.get("username") or "") for c in credentials])
        if index is not None:
            return str(credentials[index]["credential_id"])
    lines = [f"{i}. {o}" for i, o in enumerate(options[:MAX_OPTIONS], start=1)]
    return Say(
        f"{ASK_CREDENTIAL} {name} tiene {len(credentials)}:\n"
        + "\n".join(lines)
        + "\nResponde con el número o el entorno (test o live)."
    )


def _rule_line(rule: Mapping[str, Any]) -> str:
    value = rule.get("value")
    margin = f"{value}%" if rule.get("kind") == "percent" else f"{value} {rule.get('currency')}"
    parts = [f"{rule.get('name')}: {margin}"]
    for key, label in (
        ("channels", "canales"),
        ("hotels", "hoteles"),
        ("suppliers", "proveedores"),
    ):
        codes = rule.get(key)
        if isinstance(codes, list) and codes:
            parts.append(f"{label} {', '.join(str(c) for c in codes)}")
    booking = rule.get("booking_period")
    if isinstance(booking, Mapping):
        parts.append(f"reservas del {booking.get('start')} al {booking.get('end')}")
    stay = rule.get("stay_period")
    if isinstance(stay, Mapping):
        parts.append(f"estancias del {stay.get('start')} al {stay.get('end')}")
    if rule.get("priority"):
        parts.append(f"prioridad {rule.get('priority')}")
    parts.append("activa" if rule.get("active", True) else "desactivada")
    return " · ".join(parts)


def _pick_rule(
    plan: Plan, client: Mapping[str, Any], policy: Step, choice: str | None
) -> str | Say:
    rules = _cards(policy.data, "rules")
    if plan.intent == "disable_margin_rule":
        rules = [r for r in rules if r.get("active", True)]
    elif plan.intent == "enable_margin_rule":
        rules = [r for r in rules if not r.get("active", True)]
    name = client.get("trade_name") or plan.client
    if plan.target is not None:
        wanted = fold(plan.target)
        exact = [r for r in rules if fold(str(r.get("name") or "")) == wanted]
        partial = [r for r in rules if wanted in fold(str(r.get("name") or ""))]
        found = exact or partial
        if len(found) == 1:
            return str(found[0]["id"])
        if not found:
            return Say(f"{name} no tiene ninguna regla que se llame «{plan.target}».")
        rules = found
    if not rules:
        return Say(f"{name} no tiene ninguna regla a la que se pueda aplicar eso.")
    if len(rules) == 1 and plan.target is None:
        return str(rules[0]["id"])
    options = [_rule_line(r) for r in rules]
    if choice is not None:
        index = choose(choice, options, [str(r.get("name") or "") for r in rules])
        if index is not None:
            return str(rules[index]["id"])
    lines = [f"{i}. {o}" for i, o in enumerate(options[:MAX_OPTIONS], start=1)]
    return Say(
        f"{ASK_RULE} {name} tiene {len(rules)} que encajan:\n"
        + "\n".join(lines)
        + "\nResponde con el número o el nombre de la regla."
    )


def _pick_request(plan: Plan, listed: Step, choice: str | None) -> str | Say:
    requests = _cards(listed.data, "requests")
    if plan.intent == "send_supplier_request":
        requests = [r for r in requests if r.get("status") in {"draft", "ready"}]
    elif plan.intent == "cancel_supplier_request":
        requests = [
            r for r in requests if r.get("status") not in {"cancelled", "acknowledged", "rejected"}
        ]
    if plan.target is not None:
        wanted = fold(plan.target)
        found = [r for r in requests if fold(str(r.get("name") or "")) == wanted] or [
            r
            for r in requests
            if wanted in fold(str(r.get("name") or "")) or fold(str(r.get("name") or "")) in wanted
        ]
        if not found:
            return Say(f"No encuentro ninguna solicitud de proveedor abierta para «{plan.target}».")
        requests = found
    if not requests:
        return Say("No hay ninguna solicitud de proveedor a la que se pueda aplicar eso.")
    if len(requests) == 1:
        return str(requests[0]["request_id"])

    def line(r: Mapping[str, Any]) -> str:
        status = str(r.get("status") or "")
        return (
            f"{r.get('name')} ({r.get('city') or 'sin ciudad'}) · {STATUS_ES.get(status, status)}"
        )

    options = [line(r) for r in requests]
    if choice is not None:
        index = choose(choice, options, [str(r.get("name") or "") for r in requests])
        if index is not None:
            return str(requests[index]["request_id"])
    lines = [f"{i}. {o}" for i, o in enumerate(options[:MAX_OPTIONS], start=1)]
    return Say(
        f"{ASK_REQUEST} Hay {len(requests)}:\n"
        + "\n".join(lines)
        + "\nResponde con el número o el nombre del hotel."
    )


# --- rendering ------------------------------------------------------------------------------


ERROR_ES: Final = (
    (
        "policy_conflict",
        "la regla choca con otra regla activa de la misma prioridad; dale otra prioridad, "
        "acota hoteles, canales o fechas, o desactiva una de las dos",
    ),
    ("illegal_transition", "ese paso no se puede dar en el estado en que está"),
    ("precondition_failed", "todavía falta algo antes de poder hacerlo"),
    ("go_live_refused", "todavía no cumple la checklist de go-live"),
    ("invalid input", "hay datos que no son válidos"),
    ("invalid_value", "hay un dato que no es válido"),
    ("not_found", "no lo encuentro"),
    ("stale", "los datos han cambiado mientras tanto; vuelve a pedírmelo"),
    ("refused: your role", "tu rol no lo permite"),
    ("forbidden", "tu rol no lo permite"),
)


def _explain_error(step: Step) -> str:
    """The refusal in Spanish: what kind of refusal it is, the steps possible from here when
    the message lists them, and the message itself quoted."""
    action = TOOL_ES.get(step.name, step.name)
    message = step.error or ""
    folded = message.casefold()
    kind = next((text for code, text in ERROR_ES if folded.startswith(code)), None)
    lines = [f"No he podido {action}: {kind}." if kind else f"No he podido {action}."]
    allowed = re.search(r"allowed from here: ([a-z_, ]+)", message)
    if allowed:
        steps = [a.strip() for a in allowed[1].split(",") if a.strip()]
        lines.append("Desde aquí se puede: " + ", ".join(ACTION_ES.get(a, a) for a in steps) + ".")
    if "ip_allowlist" in message:
        lines.append(
            "Una credencial live necesita al menos una IP o red permitida: repite la petición "
            "con ella, por ejemplo «… desde la IP 81.45.12.10»."
        )
    lines.append(f"Detalle: «{message}»")
    return "\n".join(lines)


def _finish(step: Step) -> str:
    renderers: dict[str, Callable[[Any], str]] = {
        "show_client": render_client,
        "show_policy": render_policy,
        "match_hotel": render_hotels,
        "activity_summary": render_activity,
        "show_supplier_request": render_supplier_request,
        "list_supplier_requests": render_supplier_requests,
    }
    render = renderers.get(step.name)
    if render is not None:
        return render(step.data)
    if step.name in GATHER_TOOLS:
        return "Vamos a completar los datos: te iré preguntando lo que falta."
    return (
        f"He preparado el cambio ({TOOL_ES.get(step.name, step.name)}). Revísalo y confírmalo "
        "con «sí», o escribe «cancelar»."
    )


def render_client(data: Any) -> str:
    """A lead's or client's card: status, what it can do next, credentials and go-live."""
    if not isinstance(data, Mapping):
        return "No he recibido la ficha del cliente."
    lines = [f"{data.get('trade_name')} — {_status(data)}"]
    facts = [
        ("Razón social", data.get("legal_name")),
        ("NIF", data.get("tax_id")),
        ("País", data.get("country")),
        ("Correo", data.get("email")),
        ("Acceso de prueba hasta", data.get("benchmark_access_until")),
    ]
    lines += [f"{label}: {value}" for label, value in facts if value]
    actions = data.get("allowed_actions")
    if isinstance(actions, list) and actions:
        lines.append(
            "Siguientes pasos posibles: "
            + ", ".join(ACTION_ES.get(str(a), str(a)) for a in actions)
        )
    missing = data.get("missing_for_conversion")
    if isinstance(missing, list) and missing:
        lines.append(
            "Le falta para convertirse en cliente: "
            + ", ".join(FIELD_ES.get(str(m), str(m)) for m in missing)
        )
    validations = data.get("technical_validations")
    if isinstance(validations, Mapping) and validations:
        lines.append(
            "Validaciones técnicas: "
            + ", ".join(f"{k} {'✔' if v else '✘'}" for k, v in sorted(validations.items()))
        )
    credentials = _cards(data, "credentials")
    if credentials:
        lines.append("Credenciales:")
        for c in credentials:
            status = str(c.get("status") or "")
            lines.append(
                f"  - {c.get('environment')} · {c.get('username')} · "
                f"{STATUS_ES.get(status, status)}"
            )
    golive = data.get("golive")
    if isinstance(golive, Mapping):
        ready = "lista" if golive.get("ready") else "pendiente"
        lines.append(f"Checklist de go-live ({ready}):")
        for item in _cards(golive, "items"):
            mark = "✔" if item.get("passed") else "✘"
            detail = f" — {item.get('detail')}" if item.get("detail") else ""
            lines.append(f"  {mark} {item.get('label')}{detail}")
    return "\n".join(lines)


def render_policy(data: Any) -> str:
    """A commercial policy: every rule with its margin, filters, periods and state."""
    rules = _cards(data, "rules")
    if not rules:
        return "Este cliente todavía no tiene reglas de margen."
    lines = [f"Política comercial ({len(rules)} reglas):"]
    lines += [f"- {_rule_line(r)}" for r in rules]
    return "\n".join(lines)


OUTCOME_ES: Final = {
    "confident": "Sí, lo tenemos: coincidencia segura.",
    "needs_review": "Hay candidatos parecidos; revisa si alguno es el hotel:",
    "new_hotel": "No lo encuentro entre los proveedores existentes; parece un hotel nuevo.",
}


def render_hotels(data: Any) -> str:
    """A hotel match: the outcome and each candidate with its score."""
    if not isinstance(data, Mapping):
        return "No he recibido el resultado de la búsqueda de hoteles."
    outcome = str(data.get("outcome") or "")
    lines = [OUTCOME_ES.get(outcome, outcome)]
    for c in _cards(data, "candidates")[:5]:
        place = ", ".join(str(x) for x in (c.get("city"), c.get("country")) if x)
        lines.append(
            f"- {c.get('name')} ({place}) · puntuación {c.get('score')} · ref. {c.get('hotel_ref')}"
        )
    return "\n".join(lines)


def _money(total: Any) -> str:
    if isinstance(total, Mapping):
        return f"{total.get('amount')} {total.get('currency')}"
    return str(total)


def render_activity(data: Any) -> str:
    """The activity summary: key figures, the pipeline and the latest events."""
    if not isinstance(data, Mapping):
        return "No he recibido el resumen de actividad."
    figures = data.get("figures") if isinstance(data.get("figures"), Mapping) else {}
    assert isinstance(figures, Mapping)
    lines = ["Resumen de actividad:"]
    labels = (
        ("leads", "Leads abiertos"),
        ("live_clients", "Clientes en producción"),
        ("open_inquiries", "Consultas abiertas"),
        ("orders_month", "Pedidos del mes"),
        ("messages_in", "Mensajes recibidos"),
        ("messages_out", "Mensajes enviados"),
        ("handoffs", "Derivaciones a una persona"),
    )
    lines += [f"- {label}: {figures[key]}" for key, label in labels if key in figures]
    revenue = figures.get("revenue_month")
    if isinstance(revenue, list) and revenue:
        totals = ", ".join(_money(r.get("total")) for r in revenue if isinstance(r, Mapping))
        lines.append(f"- Facturación del mes: {totals}")
    pipeline = _cards(data, "pipeline")
    if pipeline:
        counts = ", ".join(
            f"{STATUS_ES.get(str(p.get('status')), p.get('status'))} {p.get('count')}"
            for p in pipeline
        )
        lines.append(f"- Embudo: {counts}")
    recent = _cards(data, "recent")
    if recent:
        lines.append("Últimos movimientos:")
        lines += [f"  · {r.get('text') or r.get('topic')}" for r in recent[:5]]
    return "\n".join(lines)


def render_supplier_request(data: Any) -> str:
    """A supplier request: its hotel, state, what it lacks and the observations."""
    if not isinstance(data, Mapping):
        return "No he recibido la solicitud."
    request = data.get("request") if isinstance(data.get("request"), Mapping) else {}
    assert isinstance(request, Mapping)
    status = str(request.get("status") or "")
    lines = [
        f"Solicitud de {request.get('name')} ({request.get('city') or 'sin ciudad'}): "
        f"{STATUS_ES.get(status, status)}"
    ]
    missing = data.get("missing")
    if isinstance(missing, list) and missing:
        lines.append("Falta: " + ", ".join(FIELD_ES.get(str(m), str(m)) for m in missing))
    else:
        lines.append("Está completa.")
    observations = data.get("observations")
    if isinstance(observations, list) and observations:
        lines.append("Observaciones: " + "; ".join(str(o) for o in observations))
    return "\n".join(lines)


def render_supplier_requests(data: Any) -> str:
    requests = _cards(data, "requests")
    if not requests:
        return "No hay solicitudes de proveedor."
    lines = [f"Solicitudes de proveedor ({len(requests)}):"]
    for r in requests:
        status = str(r.get("status") or "")
        missing = r.get("missing")
        lacks = f" · falta {len(missing)} dato(s)" if isinstance(missing, list) and missing else ""
        lines.append(
            f"- {r.get('name')} ({r.get('city') or 'sin ciudad'}) · "
            f"{STATUS_ES.get(status, status)}{lacks}"
        )
    return "\n".join(lines)


# --- the model ------------------------------------------------------------------------------


@attrs.frozen
class OfflineAssistantModel:
    """The assistant's :class:`~perla_core.language.ports.LanguageModel` without a model.

    ``complete`` is pure: the same request always gives the same reply, and it never raises
    for what the person wrote (an unreadable request gets the help text).
    """

    def complete(self, request: ModelRequest) -> ModelReply:
        episode = episode_of(request.messages)
        if episode is None:
            return _say(HELP)
        today = today_of(request.system)
        parsed = parse_request(episode.request, today)
        if parsed is None:
            return _say(_small_talk(episode.request) or HELP)
        if isinstance(parsed, Missing):
            text = parsed.question
            if parsed.follow_up and not text.startswith(ASK_DETAIL):
                text = f"{ASK_DETAIL} {text}"
            return _say(text)
        offered = frozenset(t.name for t in request.tools)
        action = next_action(parsed, episode, offered)
        if isinstance(action, Say):
            return _say(action.text)
        number = 1 + sum(
            1
            for m in request.messages
            if not isinstance(m.content, str)
            for b in m.content
            if isinstance(b, ToolUseBlock)
        )
        call = ToolCall(f"toolu_offline_{number:03d}", action.name, dict(action.input))
        return ModelReply(text="", tool_calls=(call,), stop_reason="tool_use")


_CONFIRMATIONS: Final = frozenset(
    {"si", "vale", "ok", "confirmar", "confirmo", "confirma", "de acuerdo", "adelante", "hecho"}
)
_CANCELLATIONS: Final = frozenset(
    {"no", "cancelar", "cancela", "cancelalo", "anular", "anula", "dejalo", "ninguno", "ninguna"}
)


def _bare(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", fold(text)).split()
    return " ".join(
        w for w in words if w not in {"por", "favor", "lo", "la", "el", "pues", "mejor"}
    )


def _small_talk(text: str) -> str | None:
    """A bare confirmation with nothing pending, thanks or a greeting."""
    said = _bare(text)
    if said.removesuffix(" gracias") in _CANCELLATIONS:
        return "De acuerdo, no hago nada. ¿Qué necesitas?"
    if said.removesuffix(" gracias") in _CONFIRMATIONS:
        return "No hay ningún cambio pendiente de confirmar. ¿Qué necesitas?"
    if said in {"gracias", "muchas gracias", "mil gracias", "genial gracias", "perfecto gracias"}:
        return "De nada. ¿Algo más?"
    if said in {"hola", "buenas", "buenos dias", "buenas tardes", "hola buenas"}:
        return "Hola. " + HELP.split(". ", 1)[1]
    return None


def _say(text: str) -> ModelReply:
    return ModelReply(text=text, stop_reason="end_turn")


__all__ = [
    "ASK_CLIENT",
    "ASK_CREDENTIAL",
    "ASK_DETAIL",
    "ASK_REQUEST",
    "ASK_RULE",
    "HELP",
    "REASON_PREFIX",
    "Episode",
    "Missing",
    "OfflineAssistantModel",
    "Plan",
    "choose",
    "episode_of",
    "next_action",
    "parse_request",
    "render_activity",
    "render_client",
    "render_hotels",
    "render_policy",
    "render_supplier_request",
    "today_of",
]
