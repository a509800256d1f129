"""What the person reads about proposals and decisions (Spain's Spanish).

The proposal text is written by perla from the dry run, never by the model: what the person
confirms is exactly what will be applied.
"""

from __future__ import annotations

from typing import Any, Final

from perla_core.assistant.model import Proposal
from perla_core.assistant.tools import Tool, ToolOutput
from perla_core.kernel.errors import InvalidInput, PerlaError

MAX_VALUE_CHARS: Final = 120
CONFIRM_HINT: Final = "¿Lo aplico? Responde «sí» para confirmar o «no» para cancelar."


def _value(value: Any) -> str:
    if value is None or value in ("", [], {}):
        return "—"
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, list):
        text = ", ".join(_value(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {_value(v)}" for k, v in value.items() if v not in (None, ""))
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def proposal_text(tool: Tool, proposal: Proposal) -> str:
    lines = [f"Propuesta: {tool.title or tool.name}."]
    if proposal.changes:
        record = proposal.changes[0].record
        lines.append(f"Cambios en «{record}»:")
        for change in proposal.changes:
            if change.before in (None, "", [], {}):
                lines.append(f"  • {change.field}: {_value(change.after)}")
            else:
                lines.append(
                    f"  • {change.field}: {_value(change.before)} → {_value(change.after)}"
                )
    else:
        lines.append("No cambia ningún dato guardado (solo registra la acción).")
    lines.append("Comprobaciones:")
    for check in proposal.checks:
        mark = "✓" if check.passed else "✗"
        lines.append(f"  {mark} {check.detail or check.name}")
    lines.append(CONFIRM_HINT)
    return "\n".join(lines)


def applied_text(proposal: Proposal, output: ToolOutput) -> str:
    data = output.data
    extra = ""
    for key, label in (
        ("rule_id", "id de la regla"),
        ("credential_id", "id de la credencial"),
        ("request_id", "id de la solicitud"),
        ("client_id", "id del cliente"),
    ):
        if key == "client_id" and proposal.tool != "register_lead":
            continue
        if data.get(key):
            extra = f" ({label}: {data[key]})"
            break
    return f"Hecho: {proposal.summary.lower()}{extra}. Queda registrado a tu nombre."


def stale_text(proposal: Proposal) -> str:
    return (
        f"No he aplicado «{proposal.summary}»: los datos han cambiado desde que te lo propuse. "
        "Vuelve a pedírmelo y te haré una propuesta nueva sobre los datos actuales."
    )


def error_text(error: PerlaError) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(f"{e.field}: {e}" if e.field else str(e) for e in error.errors)
    return str(error)


__all__ = ["CONFIRM_HINT", "applied_text", "error_text", "proposal_text", "stale_text"]
