"""The tools the PerlaHub assistant offers: seed 000's tasks over perla's own use cases.

Every write tool is an existing use case with its existing command class (the schema comes
from the class, :mod:`perla_core.assistant.schema`); a new use case becomes a tool with one
:class:`~perla_core.assistant.tools.Tool` entry here. Read tools take small query classes
defined below. Nothing here checks permissions itself: the use cases do, with the person as
the actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

import attrs

from perla_core.access.model import Permission
from perla_core.assistant.schema import first_paragraph
from perla_core.assistant.tools import Tool, ToolBox, ToolContext, ToolKind, ToolOutput, to_json
from perla_core.credentials import commands as credential_commands
from perla_core.credentials import services as credentials
from perla_core.credentials.commands import RecordConnectionTest
from perla_core.dashboard.services import activity_summary
from perla_core.hotels.services import match_hotel, query_of
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.pagination import PageRequest
from perla_core.onboarding import commands as onboarding_commands
from perla_core.onboarding import services as onboarding
from perla_core.onboarding.model import Phase
from perla_core.onboarding.ports import ClientQuery
from perla_core.policies import commands as policy_commands
from perla_core.policies import services as policies
from perla_core.suppliers import commands as supplier_commands
from perla_core.suppliers import services as suppliers
from perla_core.suppliers.ports import SupplierRequestQuery

SEARCH_LIMIT = 10


# --- read queries -----------------------------------------------------------------------


@attrs.frozen
class SearchClients:
    """Find leads and clients by name, tax id or e-mail (accents ignored); ``phase`` is lead
    or client."""

    text: str
    phase: str | None = None


@attrs.frozen
class ClientRef:
    """One lead or client, by the id a search returned."""

    client_id: UUID


@attrs.frozen
class MatchHotel:
    """Find a hotel among existing suppliers (the hotel directory) from a partial
    description: at least a name and a city, or a phone, or coordinates."""

    name: str | None = None
    city: str | None = None
    country: str | None = None
    address: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    chain: str | None = None


@attrs.frozen
class ActivitySummary:
    """The activity summary ("Resumen de actividad") over the last ``days`` days."""

    days: int = 7


@attrs.frozen
class SupplierRequestRef:
    """One supplier request, by id."""

    request_id: UUID


@attrs.frozen
class ListSupplierRequests:
    """Supplier requests, newest first; ``status`` is draft, ready, sending, sent,
    acknowledged, rejected or cancelled."""

    status: str | None = None


@attrs.frozen
class GatherSupplierRequest:
    """Start gathering a hotel's supplier data by conversation from a partial description;
    a confident match among existing suppliers fills what it knows."""

    name: str
    city: str | None = None
    country: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    chain: str | None = None


@attrs.frozen
class GatherClientRecord:
    """Ask the person, by conversation, for what a lead's record still lacks before it can
    be converted (legal name, tax id, addresses, contacts ...)."""

    client_id: UUID


# --- what reads give the model -----------------------------------------------------------


def client_card(client: Any) -> dict[str, Any]:
    return {
        "client_id": str(client.id),
        "trade_name": client.trade_name,
        "legal_name": client.legal_name,
        "tax_id": str(client.tax_id) if client.tax_id else None,
        "country": client.country,
        "phase": client.phase.value,
        "status": client.status,
        "email": str(client.email) if client.email else None,
        "version": client.version,
    }


def _search_clients(query: SearchClients, ctx: ToolContext) -> ToolOutput:
    phase = None
    if query.phase:
        try:
            phase = Phase(query.phase)
        except ValueError:
            raise InvalidValue("phase must be lead or client", field="phase") from None
    found = onboarding.list_clients(
        ClientQuery(phase=phase, text=query.text.strip(), page=PageRequest(limit=SEARCH_LIMIT)),
        ctx.uow,
        ctx.actor,
    )
    return ToolOutput({"total": found.total, "clients": [client_card(c) for c in found.items]})


def _show_client(ref: ClientRef, ctx: ToolContext) -> ToolOutput:
    client = onboarding.get_client(ref.client_id, ctx.uow, ctx.actor)
    data = client_card(client) | {
        "allowed_actions": client.allowed_actions(),
        "missing_for_conversion": client.missing_for_conversion() if client.is_lead else [],
        "dome_customer_code": client.dome_customer_code,
        "perlahub_agency_id": client.perlahub_agency_id,
        "benchmark_access_until": to_json(client.benchmark_access_until),
        "technical_validations": dict(client.technical_validations),
        "credentials": [
            _credential_card(c) for c in credentials.list_credentials(client.id, ctx.uow, ctx.actor)
        ],
    }
    if not client.is_lead:
        checklist = onboarding.golive_checklist(
            client.id, ctx.uow, ctx.clock, ctx.actor, max_test_age=ctx.max_test_age
        )
        data["golive"] = {
            "ready": checklist.ready,
            "items": [
                {"key": i.key, "label": i.label, "passed": i.passed, "detail": i.detail}
                for i in checklist.items
            ],
        }
    return ToolOutput(data)


def _credential_card(credential: Any) -> dict[str, Any]:
    data = to_json(credential)
    return {
        "credential_id": str(credential.id),
        "environment": data.get("environment"),
        "username": credential.username,
        "status": data.get("status"),
        "settings": data.get("settings"),
        "version": credential.version,
    }


def _show_policy(ref: ClientRef, ctx: ToolContext) -> ToolOutput:
    policy = ctx.uow.policies.get_for_client(ref.client_id)
    if policy is None:
        onboarding.get_client(ref.client_id, ctx.uow, ctx.actor)  # NotFound for a wrong id
        return ToolOutput({"client_id": str(ref.client_id), "rules": [], "version": 0})
    return ToolOutput(to_json(policies.get_policy(ref.client_id, ctx.uow, ctx.actor)))


def _match_hotel(query: MatchHotel, ctx: ToolContext) -> ToolOutput:
    if ctx.directory is None:
        raise InvalidValue("no hotel directory is configured", field="name")
    fields = {k: v for k, v in attrs.asdict(query).items() if v not in (None, "")}
    result = match_hotel(query_of(None, fields, ctx.directory), ctx.directory, ctx.actor)
    return ToolOutput(
        {
            "outcome": result.outcome.value,
            "explanation": result.explanation,
            "candidates": [
                {
                    "hotel_ref": c.ref,
                    "score": round(c.score, 1),
                    "name": c.record.name,
                    "city": c.record.city,
                    "country": c.record.country,
                    "address": c.record.address,
                    "reasons": list(c.reasons),
                }
                for c in result.candidates
            ],
        }
    )


def _activity(query: ActivitySummary, ctx: ToolContext) -> ToolOutput:
    if not 1 <= query.days <= 90:
        raise InvalidValue("days must be between 1 and 90", field="days")
    summary = activity_summary(cast("Any", ctx.uow), ctx.clock, ctx.actor, days=query.days)
    data = to_json(summary)
    data.pop("days", None)  # the per-day series: too long for a chat
    return ToolOutput(data)


def _show_supplier_request(ref: SupplierRequestRef, ctx: ToolContext) -> ToolOutput:
    request = suppliers.get_supplier_request(ref.request_id, ctx.uow, ctx.actor)
    completeness = request.completeness()
    return ToolOutput(
        {
            "request": to_json(request),
            "version": request.version,
            "missing": [f for fields in completeness.missing.values() for f in fields],
            "observations": [o.message for o in completeness.observations],
        }
    )


def _list_supplier_requests(query: ListSupplierRequests, ctx: ToolContext) -> ToolOutput:
    from perla_core.suppliers.model import SupplierRequestStatus  # noqa: PLC0415

    status = None
    if query.status:
        try:
            status = SupplierRequestStatus(query.status)
        except ValueError:
            allowed = ", ".join(s.value for s in SupplierRequestStatus)
            raise InvalidValue(f"status must be one of {allowed}", field="status") from None
    page = suppliers.list_supplier_requests(
        SupplierRequestQuery(status=status, page=PageRequest(limit=SEARCH_LIMIT)),
        ctx.uow,
        ctx.actor,
    )
    return ToolOutput(
        {
            "total": page.total,
            "requests": [
                {
                    "request_id": str(r.id),
                    "name": r.name,
                    "city": r.city,
                    "status": r.status.value,
                    "missing": list(r.completeness().missing_fields),
                }
                for r in page.items
            ],
        }
    )


def _gather(query: Any, _ctx: ToolContext) -> ToolOutput:
    """Gather tools are run by the engine's form; this only echoes the input."""
    return ToolOutput(to_json(query))


# --- writes ---------------------------------------------------------------------------


def _version(value: int) -> ToolOutput:
    return ToolOutput({"version": value})


def _client(command: Any, ctx: ToolContext) -> object:
    return ctx.uow.clients.get(command.client_id)


def _credential(command: Any, ctx: ToolContext) -> object:
    return ctx.uow.credentials.get(command.credential_id)


def _policy(command: Any, ctx: ToolContext) -> object | None:
    return ctx.uow.policies.get_for_client(command.client_id)


def _supplier_request(command: Any, ctx: ToolContext) -> object:
    return ctx.uow.supplier_requests.get(command.request_id)


def _created_client(output: ToolOutput, ctx: ToolContext) -> object:
    return ctx.uow.clients.get(UUID(output.data["client_id"]))


def _created_credential(output: ToolOutput, ctx: ToolContext) -> object:
    return ctx.uow.credentials.get(UUID(output.data["credential_id"]))


def _created_request(output: ToolOutput, ctx: ToolContext) -> object:
    return ctx.uow.supplier_requests.get(UUID(output.data["request_id"]))


def _issued(issued: Any) -> ToolOutput:
    return ToolOutput(
        {
            "credential_id": str(issued.credential_id),
            "username": issued.username,
            "version": issued.version,
            "secret": "(se muestra una sola vez a la persona; nunca se guarda)",
        },
        once=f"Usuario: {issued.username} · Secreto (cópialo ahora, no se volverá a mostrar): "
        f"{issued.secret}",
    )


def _receipt(receipt: Any) -> ToolOutput:
    return ToolOutput(to_json(receipt))


@attrs.frozen
class PrefillFromHotel:
    """Fill a supplier request's empty fields from a hotel of the directory (a confident
    match); nothing already on the request is overwritten."""

    request_id: UUID
    hotel_ref: str
    expected_version: int | None = None


def build_toolbox() -> ToolBox:
    """Every tool of the PerlaHub assistant."""
    box = ToolBox()
    read, write = ToolKind.READ, ToolKind.WRITE
    r, w = Permission.READ, Permission.WRITE_COMMERCIAL
    oc, cc, pc, sc = onboarding_commands, credential_commands, policy_commands, supplier_commands

    def add(*args: Any, **kwargs: Any) -> None:
        box.add(Tool(*args, **kwargs))

    # reads
    add("search_clients", _doc(SearchClients), read, r, SearchClients, _search_clients)
    add(
        "show_client",
        "A lead's or client's record, its credentials and, for clients, the go-live checklist.",
        read,
        r,
        ClientRef,
        _show_client,
    )
    add(
        "show_policy",
        "A client's commercial policy (margin rules).",
        read,
        r,
        ClientRef,
        _show_policy,
    )
    add("match_hotel", _doc(MatchHotel), read, r, MatchHotel, _match_hotel)
    add("activity_summary", _doc(ActivitySummary), read, r, ActivitySummary, _activity)
    add(
        "show_supplier_request",
        "A supplier request, what it still lacks and the observations.",
        read,
        r,
        SupplierRequestRef,
        _show_supplier_request,
    )
    add(
        "list_supplier_requests",
        _doc(ListSupplierRequests),
        read,
        r,
        ListSupplierRequests,
        _list_supplier_requests,
    )
    # gathering
    add(
        "gather_supplier_request",
        _doc(GatherSupplierRequest),
        ToolKind.GATHER,
        w,
        GatherSupplierRequest,
        _gather,
    )
    add(
        "gather_client_record",
        _doc(GatherClientRecord),
        ToolKind.GATHER,
        w,
        GatherClientRecord,
        _gather,
    )
    # onboarding
    add(
        "register_lead",
        _doc(oc.RegisterLead) or "Register a new lead.",
        write,
        w,
        oc.RegisterLead,
        lambda c, x: ToolOutput(
            {"client_id": str(onboarding.register_lead(c, x.uow, x.clock, x.ids, x.actor))}
        ),
        title="Registrar un lead",
        created=_created_client,
    )
    add(
        "update_client_details",
        _doc(oc.UpdateDetails) or "Change a lead's or client's details.",
        write,
        w,
        oc.UpdateDetails,
        lambda c, x: _version(onboarding.update_details(c, x.uow, x.clock, x.actor)),
        title="Actualizar los datos del cliente",
        target=_client,
    )
    add(
        "advance_lead",
        _doc(oc.AdvanceLead)
        + " Actions: see show_client's allowed_actions (e.g. contact, record_meeting, lose).",
        write,
        w,
        oc.AdvanceLead,
        lambda c, x: _version(onboarding.advance_lead(c, x.uow, x.clock, x.actor)),
        title="Avanzar el lead",
        target=_client,
    )
    add(
        "grant_benchmark_access",
        _doc(oc.GrantBenchmarkAccess) or "Give a lead a benchmark login.",
        write,
        w,
        oc.GrantBenchmarkAccess,
        lambda c, x: _version(onboarding.grant_benchmark_access(c, x.uow, x.clock, x.actor)),
        title="Dar acceso de prueba (benchmark)",
        target=_client,
    )
    add(
        "convert_lead",
        _doc(oc.ConvertLead) or "Convert a lead into a client.",
        write,
        w,
        oc.ConvertLead,
        lambda c, x: _version(onboarding.convert_lead(c, x.uow, x.clock, x.actor)),
        title="Convertir el lead en cliente",
        target=_client,
    )
    add(
        "advance_client",
        _doc(oc.AdvanceClient)
        + " Actions: see show_client's allowed_actions (e.g. validate_record, suspend).",
        write,
        w,
        oc.AdvanceClient,
        lambda c, x: _version(onboarding.advance_client(c, x.uow, x.clock, x.actor)),
        title="Cambiar el estado del cliente",
        target=_client,
    )
    add(
        "record_technical_validation",
        _doc(oc.RecordTechnicalValidation) or "Record a technical validation's result.",
        write,
        w,
        oc.RecordTechnicalValidation,
        lambda c, x: _version(onboarding.record_technical_validation(c, x.uow, x.clock, x.actor)),
        title="Registrar una validación técnica",
        target=_client,
    )
    add(
        "go_live",
        _doc(oc.GoLive) or "Put a client live once the go-live checklist passes.",
        write,
        w,
        oc.GoLive,
        lambda c, x: _version(
            onboarding.go_live(c, x.uow, x.clock, x.actor, max_test_age=x.max_test_age)
        ),
        title="Pasar el cliente a producción (live)",
        target=_client,
    )
    # credentials
    add(
        "issue_credential",
        _doc(cc.IssueCredential)
        + " environment is test or live; products e.g. hotels, transfers, activities.",
        write,
        w,
        cc.IssueCredential,
        lambda c, x: _issued(
            credentials.issue_credential(c, x.uow, x.clock, x.ids, x.secrets, x.policy_for, x.actor)
        ),
        title="Crear una credencial",
        created=_created_credential,
        hidden=frozenset({"username"}),
    )
    add(
        "edit_credential",
        _doc(cc.EditCredential),
        write,
        w,
        cc.EditCredential,
        lambda c, x: _version(
            credentials.edit_credential(c, x.uow, x.clock, x.policy_for, x.actor)
        ),
        title="Editar una credencial",
        target=_credential,
    )
    add(
        "suspend_credential",
        _doc(cc.SuspendCredential),
        write,
        w,
        cc.SuspendCredential,
        lambda c, x: _version(credentials.suspend_credential(c, x.uow, x.clock, x.actor)),
        title="Suspender una credencial",
        target=_credential,
    )
    add(
        "reactivate_credential",
        _doc(cc.ReactivateCredential),
        write,
        w,
        cc.ReactivateCredential,
        lambda c, x: _version(
            credentials.reactivate_credential(c, x.uow, x.clock, x.policy_for, x.actor)
        ),
        title="Reactivar una credencial",
        target=_credential,
    )
    add(
        "revoke_credential",
        _doc(cc.RevokeCredential),
        write,
        w,
        cc.RevokeCredential,
        lambda c, x: _version(credentials.revoke_credential(c, x.uow, x.clock, x.actor)),
        title="Revocar una credencial",
        target=_credential,
    )
    add(
        "rotate_credential_secret",
        _doc(cc.RotateCredentialSecret),
        write,
        w,
        cc.RotateCredentialSecret,
        lambda c, x: _issued(
            credentials.rotate_credential_secret(c, x.uow, x.clock, x.secrets, x.actor)
        ),
        title="Rotar el secreto de una credencial",
        target=_credential,
    )
    add(
        "test_connection",
        _doc(RecordConnectionTest) or "Test a credential's connection to PerlaHub.",
        write,
        w,
        RecordConnectionTest,
        _connection_test,
        title="Probar la conexión de una credencial",
        target=_credential,
    )
    # policies
    p = policies
    policy_tools: Sequence[tuple[str, type, Any, str]] = (
        ("add_margin_rule", pc.AddMarginRule, p.add_margin_rule, "Añadir una regla"),
        ("change_margin_rule", pc.ChangeMarginRule, p.change_margin_rule, "Cambiar una regla"),
        ("enable_margin_rule", pc.EnableMarginRule, p.enable_margin_rule, "Activar una regla"),
        (
            "disable_margin_rule",
            pc.DisableMarginRule,
            p.disable_margin_rule,
            "Desactivar una regla",
        ),
        ("remove_margin_rule", pc.RemoveMarginRule, p.remove_margin_rule, "Eliminar una regla"),
        ("set_priced_scope", pc.SetPricedScope, p.set_priced_scope, "Cambiar el alcance tarifado"),
    )
    for name, command, service, title in policy_tools:
        description = _doc(command) or title
        if name == "add_margin_rule":
            description += (
                " kind is percent or fixed; value like '12' (percent) or '15.00' (fixed, with"
                " currency); dates ISO (YYYY-MM-DD); channels e.g. B2B, B2C; hotels are hotel"
                " codes or cities."
            )
        add(
            name,
            description,
            write,
            w,
            command,
            _policy_runner(service, with_ids=name == "add_margin_rule"),
            title=title,
            target=_policy,
        )
    # suppliers
    add(
        "create_supplier_request",
        _doc(sc.CreateSupplierRequest),
        write,
        w,
        sc.CreateSupplierRequest,
        lambda c, x: ToolOutput(
            {
                "request_id": str(
                    suppliers.create_supplier_request(
                        c, x.uow, x.clock, x.ids, x.actor, directory=x.directory
                    )
                )
            }
        ),
        title="Crear una solicitud de alta de proveedor",
        created=_created_request,
        hidden=frozenset({"prefill"}),
    )
    add(
        "update_supplier_request",
        _doc(sc.UpdateSupplierRequest),
        write,
        w,
        sc.UpdateSupplierRequest,
        lambda c, x: _version(suppliers.update_supplier_request(c, x.uow, x.clock, x.actor)),
        title="Completar una solicitud de proveedor",
        target=_supplier_request,
    )
    add(
        "prefill_supplier_request",
        _doc(PrefillFromHotel),
        write,
        w,
        PrefillFromHotel,
        _prefill,
        title="Rellenar la solicitud con los datos del hotel",
        target=_supplier_request,
    )
    add(
        "send_supplier_request",
        _doc(sc.SendSupplierRequest),
        write,
        w,
        sc.SendSupplierRequest,
        lambda c, x: _version(
            suppliers.send_supplier_request(
                c, x.uow, x.clock, x.actor, suppliers_address=x.suppliers_address
            )
        ),
        title="Enviar la solicitud al equipo de Proveedores",
        target=_supplier_request,
    )
    add(
        "cancel_supplier_request",
        _doc(sc.CancelSupplierRequest),
        write,
        w,
        sc.CancelSupplierRequest,
        lambda c, x: _version(suppliers.cancel_supplier_request(c, x.uow, x.clock, x.actor)),
        title="Cancelar la solicitud de proveedor",
        target=_supplier_request,
    )
    return box


def _policy_runner(service: Any, *, with_ids: bool) -> Any:
    def run(command: Any, ctx: ToolContext) -> ToolOutput:
        if with_ids:
            return _receipt(service(command, ctx.uow, ctx.clock, ctx.ids, ctx.actor))
        return _receipt(service(command, ctx.uow, ctx.clock, ctx.actor))

    return run


def _connection_test(command: RecordConnectionTest, ctx: ToolContext) -> ToolOutput:
    if ctx.tester is None:
        raise InvalidValue("no connection tester is configured", field="credential_id")
    test = credentials.record_connection_test(command, ctx.uow, ctx.clock, ctx.tester, ctx.actor)
    return ToolOutput(to_json(test))


def _prefill(command: PrefillFromHotel, ctx: ToolContext) -> ToolOutput:
    if ctx.directory is None:
        raise InvalidValue("no hotel directory is configured", field="hotel_ref")
    outcome = suppliers.prefill_supplier_request_from_hotel(
        command.request_id,
        command.hotel_ref,
        ctx.directory,
        ctx.uow,
        ctx.clock,
        ctx.actor,
        expected_version=command.expected_version,
    )
    return ToolOutput(to_json(outcome))


def _doc(cls: type) -> str:
    return first_paragraph(cls.__doc__)


__all__ = [
    "ActivitySummary",
    "ClientRef",
    "GatherClientRecord",
    "GatherSupplierRequest",
    "ListSupplierRequests",
    "MatchHotel",
    "PrefillFromHotel",
    "SearchClients",
    "SupplierRequestRef",
    "build_toolbox",
    "client_card",
]
