"""Held-out staff requests: phrasings written after the grammar was built, never tuned to.

``bench/assistant_cases.py`` grew with the grammar (its share measures coverage of what was
built for); these 40 requests were written separately, in other words and word orders, over
the same scripted world, and are reported on their own so the figure says how the offline
grammar does on phrasings nobody tried. Failures are printed, not fixed here.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from bench.assistant_cases import (
    COSTA,
    HSUR,
    IBERIA,
    MUNDO,
    NANDU,
    Case,
    Expected,
    _id,
)
from bench.assistant_eval import Outcome, evaluate, figures_for
from bench.harness import Figure
from perla_core.assistant.grammar import OfflineAssistantModel


def _c(tool: str, **args: Any) -> Expected:
    return Expected(tool, args)


def _s(text: str) -> Expected:
    return Expected("search_clients", {"text": text})


HELD_OUT: Final[tuple[Case, ...]] = (
    Case(
        ("¿me enseñas la ficha de Iberia Tours?",),
        (_s("Iberia Tours"), _c("show_client", client_id=IBERIA)),
        "show",
    ),
    Case(
        ("quiero ver cómo está Mundo Azul",),
        (_s("Mundo Azul"), _c("show_client", client_id=MUNDO)),
        "show",
    ),
    Case(
        ("datos del cliente Hoteles Sur",),
        (_s("Hoteles Sur"), _c("show_client", client_id=HSUR)),
        "show",
    ),
    Case(
        ("Costa Travel: ya les llamamos, márcalo",),
        (_s("Costa Travel"), _c("advance_lead", client_id=COSTA, action="mark_contacted")),
        "lead",
    ),
    Case(
        ("hemos tenido reunión con Ñandú Viajes hoy",),
        (_s("Ñandú Viajes"), _c("advance_lead", client_id=NANDU, action="record_meeting")),
        "lead",
    ),
    Case(
        ("Costa Travel no quiere seguir, dalo por perdido",),
        (_s("Costa Travel"), _c("advance_lead", client_id=COSTA, action="mark_lost")),
        "lead",
    ),
    Case(
        ("abre un acceso de prueba para Ñandú Viajes",),
        (_s("Ñandú Viajes"), _c("grant_benchmark_access", client_id=NANDU)),
        "benchmark",
    ),
    Case(
        ("Ñandú Viajes acepta: conviértelo a cliente",),
        (_s("Ñandú Viajes"), _c("convert_lead", client_id=NANDU)),
        "convert",
    ),
    Case(
        ("la ficha de Hoteles Sur está revisada, valídala",),
        (_s("Hoteles Sur"), _c("advance_client", client_id=HSUR, action="validate_record")),
        "client",
    ),
    Case(
        ("arranca el onboarding con Hoteles Sur",),
        (_s("Hoteles Sur"), _c("advance_client", client_id=HSUR, action="start_onboarding")),
        "client",
    ),
    Case(
        ("Mundo Azul ya puede salir a producción",),
        (_s("Mundo Azul"), _c("go_live", client_id=MUNDO)),
        "go live",
    ),
    Case(
        ("nuevo lead: Sendero Viajes, de Portugal, email info@sendero.pt",),
        (_c("register_lead", trade_name="Sendero Viajes", country="PT", email="info@sendero.pt"),),
        "lead",
    ),
    Case(
        ("da de alta un lead llamado Atlántica Tours en España con el correo hola@atlantica.es",),
        (
            _c(
                "register_lead",
                trade_name="Atlántica Tours",
                country="ES",
                email="hola@atlantica.es",
            ),
        ),
        "lead",
    ),
    Case(
        ("necesito una credencial de pruebas para Mundo Azul con hoteles",),
        (
            _s("Mundo Azul"),
            _c("issue_credential", client_id=MUNDO, environment="test", products=["hotels"]),
        ),
        "credential",
    ),
    Case(
        (
            "genera credenciales live para Hoteles Sur con actividades en USD "
            "desde la IP 81.45.12.10",
        ),
        (
            _s("Hoteles Sur"),
            _c(
                "issue_credential",
                client_id=HSUR,
                environment="live",
                products=["activities"],
                currencies=["USD"],
                ip_allowlist=["81.45.12.10"],
            ),
        ),
        "credential",
    ),
    Case(
        ("suspende el acceso de test de Iberia Tours",),
        (
            _s("Iberia Tours"),
            _c("show_client", client_id=IBERIA),
            _c("suspend_credential", credential_id=_id(602)),
        ),
        "credential",
    ),
    Case(
        ("vuelve a activar la credencial suspendida de Iberia Tours",),
        (
            _s("Iberia Tours"),
            _c("show_client", client_id=IBERIA),
            _c("reactivate_credential", credential_id=_id(603)),
        ),
        "credential",
    ),
    Case(
        ("genera un secreto nuevo para la credencial de test de Mundo Azul",),
        (
            _s("Mundo Azul"),
            _c("show_client", client_id=MUNDO),
            _c("rotate_credential_secret", credential_id=_id(701)),
        ),
        "credential",
    ),
    Case(
        ("comprueba la conexión de la credencial de test de Mundo Azul",),
        (
            _s("Mundo Azul"),
            _c("show_client", client_id=MUNDO),
            _c("test_connection", credential_id=_id(701)),
        ),
        "credential",
    ),
    Case(
        ("revoca la credencial de test de Iberia Tours, ya no la usan",),
        (
            _s("Iberia Tours"),
            _c("show_client", client_id=IBERIA),
            _c("revoke_credential", credential_id=_id(602)),
        ),
        "credential",
    ),
    Case(
        ("pon a 200 peticiones por minuto la credencial live de Iberia Tours",),
        (
            _s("Iberia Tours"),
            _c("show_client", client_id=IBERIA),
            _c("edit_credential", credential_id=_id(601), rate_limit_per_minute=200),
        ),
        "credential",
    ),
    Case(
        ("¿qué reglas de margen tiene Iberia Tours?",),
        (_s("Iberia Tours"), _c("show_policy", client_id=IBERIA)),
        "policy",
    ),
    Case(
        ("política comercial de Mundo Azul",),
        (_s("Mundo Azul"), _c("show_policy", client_id=MUNDO)),
        "policy",
    ),
    Case(
        ("añade un margen del 15% a Mundo Azul para el canal B2B del 1/3 al 31/5",),
        (
            _s("Mundo Azul"),
            _c("add_margin_rule", client_id=MUNDO, kind="percent", value="15", channels=["B2B"]),
        ),
        "margin",
    ),
    Case(
        ("para Hoteles Sur, margen 7% en hoteles de Madrid del 1/10 al 30/11",),
        (
            _s("Hoteles Sur"),
            _c("add_margin_rule", client_id=HSUR, kind="percent", value="7", hotels=["Madrid"]),
        ),
        "margin",
    ),
    Case(
        ("apaga la regla Base B2B de Iberia Tours",),
        (
            _s("Iberia Tours"),
            _c("show_policy", client_id=IBERIA),
            _c("disable_margin_rule", client_id=IBERIA, rule_id=_id(903)),
        ),
        "rule",
    ),
    Case(
        ("reactiva la regla Invierno de Iberia Tours",),
        (
            _s("Iberia Tours"),
            _c("show_policy", client_id=IBERIA),
            _c("enable_margin_rule", client_id=IBERIA, rule_id=_id(902)),
        ),
        "rule",
    ),
    Case(
        ("borra la regla Verano BCN de Iberia Tours",),
        (
            _s("Iberia Tours"),
            _c("show_policy", client_id=IBERIA),
            _c("remove_margin_rule", client_id=IBERIA, rule_id=_id(901)),
        ),
        "rule",
    ),
    Case(
        ("Hoteles Sur tarifica hoteles y actividades en EUR",),
        (
            _s("Hoteles Sur"),
            _c(
                "set_priced_scope",
                client_id=HSUR,
                products=["hotels", "activities"],
                currencies=["EUR"],
            ),
        ),
        "scope",
    ),
    Case(
        ("¿trabajamos ya con el Hotel Alfonso XIII en Sevilla?",),
        (_c("match_hotel", name="Hotel Alfonso XIII", city="Sevilla"),),
        "hotel",
    ),
    Case(
        ("busca el Hotel Arts en Barcelona entre los proveedores",),
        (_c("match_hotel", name="Hotel Arts", city="Barcelona"),),
        "hotel",
    ),
    Case(
        ("quiero dar de alta como proveedor el Hotel Brisa Marina en Málaga",),
        (_c("gather_supplier_request", name="Hotel Brisa Marina", city="Málaga"),),
        "supplier",
    ),
    Case(
        ("manda a Proveedores la solicitud del Hotel Sol y Mar",),
        (_c("list_supplier_requests"), _c("send_supplier_request", request_id=_id(802))),
        "supplier",
    ),
    Case(
        ("¿qué le falta a la solicitud del Hotel Mar Azul?",),
        (_c("list_supplier_requests"), _c("show_supplier_request", request_id=_id(801))),
        "supplier",
    ),
    Case(
        ("enséñame las solicitudes de proveedor en borrador",),
        (_c("list_supplier_requests", status="draft"),),
        "supplier",
    ),
    Case(
        ("retira la solicitud del Hostal Luna",),
        (_c("list_supplier_requests"), _c("cancel_supplier_request", request_id=_id(803))),
        "supplier",
    ),
    Case(
        ("dame el resumen de actividad de la semana",),
        (_c("activity_summary", days=7),),
        "activity",
    ),
    Case(("¿cómo ha ido el último mes?",), (_c("activity_summary", days=30),), "activity"),
    Case(
        ("rellena lo que falta en la ficha de Costa Travel",),
        (_s("Costa Travel"), _c("gather_client_record", client_id=COSTA)),
        "record",
    ),
    Case(
        ("cambia el teléfono de Costa Travel a +351 912 000 111",),
        (
            _s("Costa Travel"),
            _c("update_client_details", client_id=COSTA, phone="+351 912 000 111"),
        ),
        "record",
    ),
)


def collapsed(outcome: Outcome) -> Outcome:
    """The outcome with a search retried with a shorter name counted once (the last one):
    what matters is the client found and the call made for it."""
    calls: list[tuple[str, Any]] = []
    for call in outcome.calls:
        if calls and call[0] == calls[-1][0] == "search_clients":
            calls[-1] = call
        else:
            calls.append(call)
    return attrs.evolve(outcome, calls=tuple(calls))


def run() -> list[Figure]:
    outcomes = [collapsed(o) for o in evaluate(OfflineAssistantModel(), HELD_OUT)]
    return figures_for("offline, held-out", outcomes, timed=False)


__all__ = ["HELD_OUT", "run"]
