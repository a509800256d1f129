"""Webhook events as stored between their arrival and their processing: plain JSON.

:func:`payload_of` keeps what the conversation needs of an event; :func:`inbound_of` and
:func:`status_of` read it back. One inbound event is one message of the conversation: its
texts (and file captions) joined, the first tapped button's payload, the first content's kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from perla_core.messaging import (
    InboundFile,
    InboundLocation,
    InboundMessageEvent,
    InboundText,
    InboundUnsupported,
    MessageStatus,
    MessagingEvent,
    StatusEvent,
)

MESSAGE: Final = "message"
STATUS: Final = "status"


@attrs.frozen
class Inbound:
    provider_id: str
    at: datetime
    to: str
    name: str | None
    kind: str
    text: str
    payload: str | None


@attrs.frozen
class Status:
    refs: tuple[str, ...]
    status: MessageStatus | None
    at: datetime
    reason: str | None


def kind_of_event(event: MessagingEvent) -> str:
    return MESSAGE if isinstance(event, InboundMessageEvent) else STATUS


def _content(content: object) -> dict[str, Any]:
    match content:
        case InboundText(text=text, payload=payload):
            return {"type": "text", "text": text, "payload": payload}
        case InboundFile(url=url, mime_type=mime_type, file_name=file_name, caption=caption):
            return {
                "type": "file",
                "url": url,
                "mime_type": mime_type,
                "file_name": file_name,
                "caption": caption,
            }
        case InboundLocation(latitude=lat, longitude=lon, name=name, address=address):
            return {"type": "location", "lat": lat, "lon": lon, "name": name, "address": address}
        case InboundUnsupported(kind=kind):
            return {"type": "unsupported", "kind": kind}
    return {"type": "unsupported", "kind": type(content).__name__}


def payload_of(event: MessagingEvent) -> dict[str, Any]:
    if isinstance(event, InboundMessageEvent):
        return {
            "provider_message_id": event.provider_message_id,
            "occurred_at": event.occurred_at.isoformat(),
            "to": event.to,
            "visitor_name": event.visitor_name,
            "contents": [_content(c) for c in event.contents],
        }
    reason = "; ".join(
        part for cause in event.causes for part in (cause.reason, cause.details) if part
    )
    return {
        "provider_message_id": event.provider_message_id,
        "external_id": event.external_id,
        "code": event.code,
        "status": None if event.status is None else event.status.value,
        "status_at": event.status_at.isoformat(),
        "reason": reason or event.description,
    }


def inbound_of(payload: Mapping[str, Any]) -> Inbound:
    contents: list[Mapping[str, Any]] = list(payload.get("contents") or [])
    texts = [
        str(c.get("text") if c["type"] == "text" else c.get("caption") or "")
        for c in contents
        if c["type"] in ("text", "file")
    ]
    tapped = next(
        (c.get("payload") for c in contents if c["type"] == "text" and c.get("payload")), None
    )
    kind = contents[0]["type"] if contents else "unsupported"
    return Inbound(
        provider_id=str(payload["provider_message_id"]),
        at=datetime.fromisoformat(str(payload["occurred_at"])),
        to=str(payload.get("to") or ""),
        name=payload.get("visitor_name"),
        kind=str(kind),
        text="\n".join(t for t in texts if t).strip(),
        payload=None if tapped is None else str(tapped),
    )


def status_of(payload: Mapping[str, Any]) -> Status:
    refs = tuple(
        str(payload[key]) for key in ("external_id", "provider_message_id") if payload.get(key)
    )
    status = payload.get("status")
    return Status(
        refs=refs,
        status=None if status is None else MessageStatus(status),
        at=datetime.fromisoformat(str(payload["status_at"])),
        reason=payload.get("reason"),
    )


def is_status(event: MessagingEvent) -> bool:
    return isinstance(event, StatusEvent)
