"""The demo's assistant section (issue 10): PerlaHub's staff work by conversation, offline.

Ana writes in Spanish; the offline grammar (or Claude, when a key is configured) chooses the
tools; every change is a proposal she confirms with «sí». She onboards a lead to live, adds a
margin rule and reads why a conflicting one is refused, and prepares a supplier request from a
partial hotel description (the directory fills what it knows; she gives the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console

from perla_core.access.model import Actor
from perla_core.assistant.engine import TurnResult, send_message
from perla_core.assistant.services import start_conversation
from perla_core.hotels.model import HotelRecord
from perla_entrypoints.container import Container

HOTEL = {
    "ref": "dome:ES-41-0042",
    "source": "dome",
    "name": "Hotel Giralda Centro",
    "country": "ES",
    "city": "Sevilla",
    "address": "Calle Sierpes 12",
    "postal_code": "41004",
    "latitude": 37.3925,
    "longitude": -5.9940,
    "phone": "+34 954 21 00 00",
    "stars": 4,
    "email": "reservas@giraldacentro.es",
}

ONBOARDING: tuple[str, ...] = (
    "registra un lead: Viajes Brisa, España, correo hola@viajesbrisa.es",
    "ya hemos hablado con Viajes Brisa",
    "completa la ficha de Viajes Brisa",
    "razón social: Viajes Brisa S.L.\nNIF: B58378431\ntipo de negocio: agencia de viajes",
    "dirección de facturación: Calle Mayor 1, 28013, Madrid, España",
    "convierte a Viajes Brisa en cliente",
    "SETTLE",
    "valida la ficha de Viajes Brisa",
    "tarifica hoteles en EUR para Viajes Brisa",
    "margen 12% para canal B2C en hoteles de Barcelona del 1/6 al 30/9 para Viajes Brisa",
    "margen 10% para canal B2C en hoteles de Barcelona del 1/7 al 31/8 para Viajes Brisa",
    "crear credencial para Viajes Brisa en live con hoteles desde la IP 81.45.12.10",
    "SETTLE",
    "prueba la conexión de Viajes Brisa",
    "marca la validación técnica reservas de Viajes Brisa como superada",
    "empieza el onboarding de Viajes Brisa",
    "pasa Viajes Brisa a producción",
)
SUPPLIER: tuple[str, ...] = (
    "prepara una solicitud de proveedor para el Hotel Giralda Centro en Sevilla",
    "razón social: Giralda Hoteles S.L.\nNIF: B41000001\nrégimen de IVA: general",
    "IBAN: ES91 2100 0418 4502 0005 1332\nBIC: CAIXESBBXXX\ntitular: Giralda Hoteles S.L.",
    "contrato: comisión\ncomisión: 12\npago: 30 días tras factura",
    "release: 7\ncancelación: Gratis hasta 48 horas antes de la llegada\n"
    "reservas: Lucía Ramos, reservas@giraldacentro.es",
    "contabilidad: Pedro Gil, administracion@giraldacentro.es",
    "envía la solicitud del Hotel Giralda Centro",
    "SETTLE",
)


def assistant_walkthrough(
    container: Container,
    out: Console,
    person: Actor,
    settle: Callable[[Container], None],
) -> dict[str, Any]:
    """Run the section; returns what happened (for the demo's summary and its test)."""
    out.rule("[bold]The PerlaHub assistant[/] · by conversation, every change confirmed")
    container.hotel_directory().add_many([HotelRecord.parse(**HOTEL)])
    conversation = start_conversation(container.uow(), container.clock(), container.ids(), person)
    outcome: dict[str, Any] = {"proposed": 0, "applied": 0, "refused": []}

    def say(text: str) -> TurnResult:
        shown = text.splitlines()[0] + (" …" if "\n" in text else "")
        out.print(f"[bold cyan]  Ana >[/] {shown}", highlight=False)
        turn = send_message(conversation, text, person, container.assistant())
        lines = turn.reply.splitlines()
        out.print(f"[green]  perla >[/] {lines[0] if lines else ''}", highlight=False)
        return turn

    for text in (*ONBOARDING, *SUPPLIER):
        if text == "SETTLE":
            settle(container)
            continue
        turn = say(text)
        if turn.pending is None:
            if turn.reply.startswith("No he podido"):
                outcome["refused"].append(turn.reply)
            continue
        outcome["proposed"] += 1
        done = say("sí")
        if done.applied is not None:
            outcome["applied"] += 1
    summary = say("resumen de actividad")
    outcome["summary"] = summary.reply
    outcome["conversation_id"] = conversation
    out.print(
        f"[bold green]✓[/] the assistant applied {outcome['applied']} changes Ana confirmed "
        f"(each audited: actor {person.name}, channel assistant); "
        f"{len(outcome['refused'])} refused with its reason."
    )
    return outcome


__all__ = ["assistant_walkthrough"]
