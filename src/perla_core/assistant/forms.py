"""Gathering a record's data by conversation: a supplier request or a lead's record.

The form asks for exactly what the domain's completeness check says is missing
(:meth:`SupplierRequest.missing`, :meth:`Client.missing_for_conversion`), a few fields at a
time, validates every answer with the domain's own validators (IBAN, tax id, phone …) and
never asks for what perla already knows: a confident match among existing suppliers fills a
hotel's fields first. When nothing is missing (or the person says «guardar borrador»), the
form becomes an ordinary proposal, dry-run like any write.

Answers are read as ``campo: valor`` lines; when one field was asked, the whole message is its
value; unlabelled lines that look like an e-mail, an IBAN or a phone go to that field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from perla_core.assistant.catalogue import GatherClientRecord, GatherSupplierRequest
from perla_core.assistant.grammar import COUNTRIES, Plan, parse_request
from perla_core.assistant.model import Form, FormKind, Proposal
from perla_core.assistant.proposals import dry_run, proposal_for
from perla_core.assistant.schema import bind
from perla_core.assistant.tools import Tool, ToolBox, ToolContext
from perla_core.hotels.matching import MatchOutcome
from perla_core.hotels.services import match_hotel, prefill_fields, query_of
from perla_core.kernel.errors import InvalidInput, InvalidValue, PerlaError
from perla_core.kernel.ports import IdGenerator
from perla_core.kernel.text import fold
from perla_core.kernel.values import Phone
from perla_core.onboarding.commands import AddressInput, _address, parse_details
from perla_core.onboarding.model import BusinessType
from perla_core.suppliers.fields import INPUT_FIELDS, read_fields
from perla_core.suppliers.model import SupplierRequest
from perla_core.suppliers.values import PaymentBasis, VatRegime
from perla_core.uow import UnitOfWork, joined

ASK_AT_ONCE: Final = 3
MAX_ATTEMPTS: Final = 12

SUPPLIER_LABELS: Final[dict[str, str]] = {
    "name": "nombre del hotel",
    "chain": "cadena",
    "stars": "estrellas (1 a 5)",
    "address": "dirección",
    "city": "ciudad",
    "postal_code": "código postal",
    "country": "país (código ISO, p. ej. ES)",
    "coordinates": "coordenadas (latitud, longitud)",
    "phone": "teléfono",
    "email": "correo electrónico",
    "website": "web",
    "legal_name": "razón social",
    "tax_id": "NIF/CIF (identificador fiscal)",
    "vat_regime": "régimen de IVA (" + ", ".join(v.value for v in VatRegime) + ")",
    "iban": "IBAN",
    "bic": "BIC",
    "account_holder": "titular de la cuenta",
    "contract_type": "tipo de contrato (comisión o neto)",
    "commission_pct": "comisión (%)",
    "markup_pct": "markup (%)",
    "payment_terms": "condiciones de pago ("
    + ", ".join(v.value for v in PaymentBasis)
    + "; con días: after_invoice:30)",
    "release_days": "días de release",
    "cancellation_policy": "política de cancelación",
    "contacts.reservations": "contacto de reservas (nombre, correo o teléfono)",
    "contacts.accounting": "contacto de contabilidad (nombre, correo o teléfono)",
}
CLIENT_LABELS: Final[dict[str, str]] = {
    "legal_name": "razón social",
    "tax_id": "NIF/CIF o identificador fiscal",
    "email": "correo electrónico",
    "business_type": "tipo de negocio (" + ", ".join(b.value for b in BusinessType) + ")",
    "billing_address": "dirección de facturación (calle, código postal, ciudad, país)",
}
ALIASES: Final[dict[str, str]] = {
    "nombre": "name",
    "hotel": "name",
    "direccion": "address",
    "telefono": "phone",
    "tel": "phone",
    "correo": "email",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "web": "website",
    "cif": "tax_id",
    "nif": "tax_id",
    "cuit": "tax_id",
    "iban": "iban",
    "bic": "bic",
    "swift": "bic",
    "titular": "account_holder",
    "contrato": "contract_type",
    "comision": "commission_pct",
    "markup": "markup_pct",
    "release": "release_days",
    "cancelacion": "cancellation_policy",
    "reservas": "contacts.reservations",
    "contabilidad": "contacts.accounting",
    "iva": "vat_regime",
    "pago": "payment_terms",
    "facturacion": "billing_address",
    "negocio": "business_type",
    "coordenadas": "coordinates",
}
CHOICES: Final[dict[str, dict[str, str]]] = {
    "contract_type": {"comision": "commission", "neto": "net", "neta": "net"},
    "vat_regime": {"exento": "exempt", "regimen general": "general"},
    "business_type": {
        "agencia de viajes": "travel_agency",
        "agencia": "travel_agency",
        "turoperador": "tour_operator",
        "tour operador": "tour_operator",
        "touroperador": "tour_operator",
        "mayorista": "wholesaler",
        "receptivo": "dmc",
        "agencia online": "ota",
        "empresa": "corporate",
        "corporativo": "corporate",
        "otro": "other",
    },
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9 ]{10,40}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_CANCEL: Final = frozenset({"cancelar", "cancela", "descarta", "olvidalo", "dejalo"})
_SAVE: Final = frozenset({"guardar", "guardar borrador", "guardalo", "ya esta", "guarda borrador"})


DEFAULT_REGION: Final = "ES"
"""The country a hotel is assumed to be in when the person names none (PerlaHub's home
market); the assumption is said, shown in the proposal, and corrected with «país: XX»."""


@attrs.frozen
class FormDeps:
    uow: UnitOfWork
    context: Callable[[UnitOfWork], ToolContext]
    tools: ToolBox
    ids: IdGenerator
    region: str = DEFAULT_REGION


@attrs.frozen
class FormStep:
    """The form after a step, what to tell the person, and the proposal it became.
    ``passed`` means the message was not an answer but a new request: the form waits."""

    form: Form | None
    text: str = ""
    proposal: tuple[Tool, Proposal] | None = None
    passed: bool = False


def _plain(text: str) -> str:
    """Folded (:func:`~perla_core.kernel.text.fold`), end punctuation left out."""
    return fold(text).strip(" .!¡?¿")


# --- start ------------------------------------------------------------------------------


def start_form(tool: Tool, arguments: Mapping[str, Any], deps: FormDeps) -> FormStep:
    """Start gathering for a gather tool's call (arguments validated here)."""
    if tool.command is GatherSupplierRequest:
        query: GatherSupplierRequest = bind(GatherSupplierRequest, arguments)
        return _start_supplier(query, deps)
    record: GatherClientRecord = bind(GatherClientRecord, arguments)
    return _start_client(record, deps)


def _start_supplier(query: GatherSupplierRequest, deps: FormDeps) -> FormStep:
    given = {k: v for k, v in attrs.asdict(query).items() if v not in (None, "")}
    if "country" in given:
        given["country"] = country_of(str(given["country"]))
    notes: list[str] = []
    known: dict[str, Any] = {}
    hotel_ref = None
    with deps.uow as uow:
        ctx = deps.context(joined(uow))
        result = _match(given, deps.region, ctx) if ctx.directory is not None else None
        uow.rollback()
    if result is not None and result.outcome is MatchOutcome.CONFIDENT and result.best:
        hotel_ref = result.best.ref
        known = {
            f: v
            for f, v in prefill_fields(result.best.record).items()
            if f in INPUT_FIELDS and f not in given and v not in (None, "")
        }
    elif result is not None and result.best is not None:
        notes.append(
            f"El hotel se parece a «{result.best.record.name}» ({result.best.ref}), pero no "
            "con seguridad: no he copiado sus datos."
        )
    if "country" not in given and "country" in known:
        given["country"] = known.pop("country")
    assumed = "country" not in given
    if assumed:
        given["country"] = deps.region
    values, problems = _valid_supplier(given, {})
    prefilled: list[str] = []
    groups = [[f] for f in known if f not in {"latitude", "longitude"}]
    if "latitude" in known and "longitude" in known:
        groups.append(["latitude", "longitude"])
    for group in groups:
        check, bad = _valid_supplier({f: known[f] for f in group}, values)
        if not bad:
            values.update(check)
            prefilled += ["coordinates"] if "latitude" in group else group
    if hotel_ref is not None and result is not None and result.best is not None:
        notes.append(
            f"He encontrado «{result.best.record.name}» entre los proveedores existentes "
            f"({hotel_ref}) y he rellenado lo que ya sabemos: "
            + (", ".join(SUPPLIER_LABELS.get(f, f) for f in prefilled) or "nada nuevo")
            + "."
        )
    if assumed:
        notes.append(
            f"Supongo que el hotel está en {deps.region}; si no, dime «país: XX» (código ISO)."
        )
    notes += [f"No he podido usar {SUPPLIER_LABELS.get(f, f)}: {why}" for f, why in problems]
    form = Form(FormKind.SUPPLIER_REQUEST, values, tuple(prefilled), (), None, hotel_ref, 0)
    return _next_supplier(form, deps, "\n".join(notes))


def _match(given: Mapping[str, Any], region: str, ctx: ToolContext) -> Any:
    """The directory's answer for the description (a phone read in ``region`` when the
    description names no country), or None when it cannot be asked."""
    assert ctx.directory is not None
    fields = {
        k: v
        for k, v in given.items()
        if k in {"name", "city", "country", "address", "phone", "chain"} and v
    }
    if "phone" in fields:
        try:
            fields["phone"] = Phone.parse(
                fields["phone"], default_region=fields.get("country") or region
            ).e164
        except InvalidValue:
            fields.pop("phone")
    try:
        return match_hotel(query_of(None, fields, ctx.directory), ctx.directory, ctx.actor)
    except PerlaError:
        return None


def _start_client(record: GatherClientRecord, deps: FormDeps) -> FormStep:
    with deps.uow as uow:
        ctx = deps.context(joined(uow))
        from perla_core.onboarding.services import get_client  # noqa: PLC0415

        client = get_client(record.client_id, ctx.uow, ctx.actor)
        missing = client.missing_for_conversion() if client.is_lead else []
        uow.rollback()
    if not missing:
        return FormStep(None, f"La ficha de «{client.trade_name}» ya tiene todo lo necesario.")
    form = Form(FormKind.CLIENT_RECORD, {}, (), (), client.id, None, 0)
    note = f"Para completar la ficha de «{client.trade_name}»:"
    return _ask(form, missing, CLIENT_LABELS, note)


# --- answers ----------------------------------------------------------------------------


def answer_form(form: Form, text: str, deps: FormDeps) -> FormStep:
    """Read the person's answer to the fields the form asked for."""
    plain = _plain(text)
    if plain in _CANCEL:
        return FormStep(None, "He descartado los datos recogidos; no he guardado nada.")
    if form.attempts >= MAX_ATTEMPTS:
        return FormStep(None, "Lo dejo aquí: demasiados intentos. No he guardado nada.")
    save = plain in _SAVE
    answers = {} if save else _answers(text, form.asking)
    if not save and _is_request(text, answers):
        return FormStep(form, passed=True)
    form = attrs.evolve(form, attempts=form.attempts + 1)
    if form.kind is FormKind.SUPPLIER_REQUEST:
        values, problems = _valid_supplier(answers, form.values)
        merged, dropped = _consistent({**form.values, **values})
        form = attrs.evolve(form, values=merged)
        notes = [f"{SUPPLIER_LABELS.get(f, f)}: {why}" for f, why in [*problems, *dropped]]
        if save:
            return _propose_supplier(form, deps, "Guardo la solicitud como borrador.")
        return _next_supplier(form, deps, _problems_text(notes, answers))
    values, problems = _valid_client(answers, _client_country(form, deps))
    form = attrs.evolve(form, values={**form.values, **values})
    notes = [f"{CLIENT_LABELS.get(f, f)}: {why}" for f, why in problems]
    return _next_client(form, deps, _problems_text(notes, answers), save=save)


def _is_request(text: str, answers: Mapping[str, Any]) -> bool:
    """A message with no ``campo: valor`` line that reads as a staff request ("resumen de
    actividad", "busca el cliente …") is not an answer."""
    labelled = any(_field_of(line.partition(":")[0]) for line in text.splitlines() if ":" in line)
    if labelled:
        return False
    return isinstance(parse_request(text, None), Plan) or not answers


def _problems_text(notes: list[str], answers: Mapping[str, Any]) -> str:
    if notes:
        return "Hay datos que no son válidos:\n" + "\n".join(f"  • {n}" for n in notes)
    if not answers:
        return "No he reconocido ningún dato en tu respuesta."
    return ""


def _answers(text: str, asking: tuple[str, ...]) -> dict[str, str]:
    lines = [p.strip() for p in re.split(r"[\n;]+", text) if p.strip()]
    found: dict[str, str] = {}
    loose: list[str] = []
    for line in lines:
        label, sep, value = line.partition(":")
        field = _field_of(label) if sep else None
        if field is not None and value.strip():
            found[field] = value.strip()
        else:
            loose.append(line)
    if len(asking) == 1 and loose and not found:
        return {asking[0]: text.strip()}
    pending = [f for f in asking if f not in found]
    for line in loose:
        guess = _shape(line, pending)
        if guess is not None:
            found[guess] = line
            pending.remove(guess)
    return found


def _field_of(label: str) -> str | None:
    key = _plain(label)
    if key in ALIASES:
        return ALIASES[key]
    for labels in (SUPPLIER_LABELS, CLIENT_LABELS):
        for field, text in labels.items():
            if key in {field, _plain(text.split(" (")[0])}:
                return field
    for alias, field in ALIASES.items():
        if key.startswith(alias) or alias in key.split():
            return field
    return None


def _shape(line: str, pending: list[str]) -> str | None:
    """The asked field an unlabelled line obviously is (an e-mail, an IBAN, a phone)."""
    compact = line.replace(" ", "")
    for field, pattern in (("email", _EMAIL), ("iban", _IBAN), ("phone", _PHONE)):
        if field in pending and pattern.match(compact if field != "phone" else line):
            return field
    return None


# --- supplier requests ------------------------------------------------------------------


def _supplier_input(field: str, value: Any) -> dict[str, Any]:  # noqa: PLR0911 - one per kind
    """A form field and the person's value as the command's input fields."""
    if field.startswith("contacts."):
        return {"contacts": [_contact(field.split(".", 1)[1], str(value))]}
    if field == "coordinates" and isinstance(value, str):
        lat, _, lon = value.partition(",")
        return {"latitude": lat.strip(), "longitude": lon.strip()}
    if field in CHOICES and isinstance(value, str):
        return {field: CHOICES[field].get(_plain(value), _plain(value))}
    if field == "country" and isinstance(value, str):
        return {field: country_of(value)}
    if field == "payment_terms" and isinstance(value, str):
        return {field: _payment_terms(value)}
    if field in {"commission_pct", "markup_pct"} and isinstance(value, str):
        return {field: value.replace("%", "").replace(",", ".").strip()}
    return {field: value}


PAYMENT_WORDS: Final = (
    ("prepago", "prepayment"),
    ("anticipad", "prepayment"),
    ("factura", "after_invoice"),
    ("salida", "after_check_out"),
    ("check", "after_check_out"),
    ("mensual", "monthly"),
)


def _payment_terms(text: str) -> dict[str, Any]:
    """``after_invoice:30``, ``prepayment``, or Spanish: «30 días tras factura», «prepago»."""
    plain = _plain(text)
    basis, _, days = plain.partition(":")
    if basis.strip() not in {b.value for b in PaymentBasis}:
        basis = next((code for word, code in PAYMENT_WORDS if word in plain), basis.strip())
        found = re.search(r"\d+", plain)
        days = found.group(0) if found else "0"
    return {"basis": basis.strip(), "days": days.strip() or "0"}


def country_of(text: str) -> str:
    """A country as the person writes it («España», «es», «ES») as its ISO code when known."""
    return COUNTRIES.get(
        _plain(text), text.strip().upper() if len(text.strip()) == 2 else text.strip()
    )


def _contact(role: str, text: str) -> dict[str, Any]:
    parts = [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
    contact: dict[str, Any] = {"role": role, "name": parts[0] if parts else text}
    for part in parts[1:]:
        if "@" in part:
            contact["email"] = part
        else:
            contact["phone"] = part
    return contact


def _valid_supplier(
    answers: Mapping[str, Any], known: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The answers that pass the suppliers' validators (as input values), and the others."""
    good: dict[str, Any] = {}
    bad: list[tuple[str, str]] = []
    country = answers.get("country") or known.get("country")
    pairs: dict[str, Any] = dict(answers)
    if "latitude" in pairs and "longitude" in pairs:
        pairs["coordinates"] = f"{pairs.pop('latitude')}, {pairs.pop('longitude')}"
    for field, value in pairs.items():
        raw = _supplier_input(field, value)
        if "contacts" in raw:
            raw = {
                "contacts": [
                    *known.get("contacts", ()),
                    *good.get("contacts", ()),
                    *raw["contacts"],
                ]
            }
        _, errors = read_fields(raw, country=str(country) if country else None)
        if errors:
            bad.append((field, "; ".join(_why(e) for e in errors)))
        else:
            good.update(raw)
    return good, bad


def _consistent(values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The values without those an answer made invalid (a phone or a tax id read in another
    country once the country changes), and why each was dropped."""
    _, errors = read_fields(values, country=values.get("country"))
    dropped: list[tuple[str, str]] = []
    for error in errors:
        field = re.split(r"[.\[]", error.field or "")[0]
        if field in values and field not in {"name", "country"}:
            values = {k: v for k, v in values.items() if k != field}
            dropped.append((field, f"{_why(error)} (vuelve a dármelo)"))
    return values, dropped


def _missing_supplier(form: Form, deps: FormDeps) -> list[str]:
    values = dict(form.values)
    details, errors = read_fields(values, country=values.get("country"))
    if errors:
        return [e.field or "name" for e in errors]
    details.pop("name", None)
    request = SupplierRequest.create(
        request_id=deps.ids.new_id(),
        name=str(values.get("name", "")),
        now=_epoch(),
        actor="assistant",
        **details,
    )
    return [f for fields in request.missing().values() for f in fields]


def _epoch() -> Any:
    from datetime import UTC, datetime  # noqa: PLC0415

    return datetime(2000, 1, 1, tzinfo=UTC)


def _next_supplier(form: Form, deps: FormDeps, note: str) -> FormStep:
    missing = _missing_supplier(form, deps)
    if not missing:
        return _propose_supplier(form, deps, (note + "\n" if note else "") + "Ya está todo.")
    return _ask(form, missing, SUPPLIER_LABELS, note or "Para la solicitud de proveedor:")


def _propose_supplier(form: Form, deps: FormDeps, note: str) -> FormStep:
    arguments = dict(form.values)
    if form.hotel_ref:
        arguments["matched_hotel_ref"] = form.hotel_ref
    return _propose(form, deps, "create_supplier_request", arguments, note)


# --- client records ---------------------------------------------------------------------


def _address_input(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 4:
        raise InvalidValue(
            "escribe calle, código postal, ciudad y país separados por comas",
            field="billing_address",
        )
    line, postal, city, country = ", ".join(parts[:-3]), parts[-3], parts[-2], parts[-1]
    country = country_of(country)
    return {
        "label": "billing",
        "line1": line,
        "postal_code": postal,
        "city": city,
        "country": country,
        "default_billing": True,
    }


def _client_country(form: Form, deps: FormDeps) -> str | None:
    if form.target_id is None:
        return None
    with deps.uow as uow:
        country = uow.clients.get(form.target_id).country
        uow.rollback()
    return country


def _valid_client(
    answers: Mapping[str, Any], country: str | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    good: dict[str, Any] = {}
    bad: list[tuple[str, str]] = []
    for field, value in answers.items():
        try:
            if field == "billing_address":
                address = _address_input(str(value))
                _address(bind(AddressInput, address))
                good["billing_address"] = address
            elif field in CLIENT_LABELS:
                raw = str(value).strip()
                if field == "business_type":
                    plain = _plain(raw)
                    raw = CHOICES["business_type"].get(plain, plain.replace(" ", "_"))
                parse_details({field: raw}, country_hint=country)
                good[field] = raw
        except InvalidInput as many:
            bad.append((field, "; ".join(_why(e) for e in many.errors)))
        except InvalidValue as error:
            bad.append((field, _why(error)))
    return good, bad


def _why(error: InvalidValue) -> str:
    """The error's message without its ``field: `` prefix (the label says which field)."""
    text = str(error)
    return text.split(": ", 1)[1] if error.field and text.startswith(f"{error.field}: ") else text


def _next_client(form: Form, deps: FormDeps, note: str, *, save: bool) -> FormStep:
    assert form.target_id is not None
    with deps.uow as uow:
        client = uow.clients.get(form.target_id)
        missing = [
            f
            for f in (client.missing_for_conversion() if client.is_lead else [])
            if f not in form.values
        ]
        uow.rollback()
    if missing and not save:
        return _ask(form, missing, CLIENT_LABELS, note or "Para completar la ficha:")
    arguments: dict[str, Any] = {"client_id": str(form.target_id)}
    for field, value in form.values.items():
        if field == "billing_address":
            others = [
                {
                    "label": a.label,
                    "line1": a.line1,
                    "line2": a.line2,
                    "postal_code": a.postal_code,
                    "city": a.city,
                    "country": a.country,
                    "region": a.region,
                    "default_billing": False,
                    "default_shipping": a.default_shipping,
                }
                for a in client.addresses
            ]
            arguments["addresses"] = [*others, value]
        else:
            arguments[field] = value
    return _propose(form, deps, "update_client_details", arguments, note)


# --- shared -----------------------------------------------------------------------------


def _ask(form: Form, missing: list[str], labels: Mapping[str, str], note: str) -> FormStep:
    asking = tuple(missing[:ASK_AT_ONCE])
    lines = [note]
    lines.append(
        f"Me falta{'n' if len(missing) != 1 else ''} {len(missing)} "
        f"dato{'s' if len(missing) != 1 else ''}. Dime, por favor:"
    )
    lines += [f"  • {labels.get(f, f)}" for f in asking]
    lines.append("Responde «campo: valor», una línea por dato (o «guardar borrador» / «cancelar»).")
    return FormStep(attrs.evolve(form, asking=asking), "\n".join(x for x in lines if x))


def _propose(
    form: Form, deps: FormDeps, tool_name: str, arguments: dict[str, Any], note: str
) -> FormStep:
    tool = deps.tools.get(tool_name)
    assert tool is not None, tool_name
    ctx = deps.context(deps.uow)
    try:
        run = dry_run(tool, arguments, deps.uow, ctx)
    except PerlaError as error:
        return FormStep(form, f"{note}\nNo puedo preparar el cambio: {error}")
    if run.error is not None:
        return FormStep(form, f"{note}\nNo puedo preparar el cambio: {run.error}")
    proposal = proposal_for(tool, arguments, run, ctx, deps.ids.new_id())
    return FormStep(None, note, (tool, proposal))


__all__ = ["FormDeps", "FormStep", "answer_form", "start_form"]
