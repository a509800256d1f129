"""Zenvia's JSON (API v2, WhatsApp channel) ↔ perla's messaging values.

Outgoing: :func:`request_body` builds the body of ``POST /v2/channels/whatsapp/messages``
exactly as Zenvia's contract cases shape it (``/work/shared/zenvia-contract``, ``ZENVIA.md``
§2.1): optional members are left out, never sent as null.

Incoming: :func:`parse_event` reads a webhook body (``ZENVIA.md`` §3.3) into
:class:`~perla_core.messaging.InboundMessageEvent` or
:class:`~perla_core.messaging.StatusEvent`. A status names its message by ``message.id`` or,
in the deprecated form, the top-level ``messageId``. Any other ``type`` is
:class:`~perla_core.messaging.UnknownEventType`; anything unreadable is
:class:`~perla_core.messaging.InvalidWebhookEvent` naming the member. Timestamps are read in
any ISO 8601 form with an offset (``Z``, ``+00:00``, ``-03:00``, with or without fractions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from perla_core.gateways.errors import RemoteFieldError
from perla_core.messaging import (
    ButtonsMessage,
    FileHeader,
    InboundContent,
    InboundFile,
    InboundLocation,
    InboundMessageEvent,
    InboundText,
    InboundUnsupported,
    InvalidWebhookEvent,
    ListMessage,
    MessageStatus,
    MessagingEvent,
    OutgoingMessage,
    StatusCause,
    StatusEvent,
    TemplateMessage,
    TextHeader,
    TextMessage,
    UnknownEventType,
)

SEND_PATH: Final = "/channels/whatsapp/messages"

STATUS_CODES: Final = {
    "SENT": MessageStatus.SENT,
    "DELIVERED": MessageStatus.DELIVERED,
    "READ": MessageStatus.READ,
    "REJECTED": MessageStatus.FAILED,
    "NOT_DELIVERED": MessageStatus.FAILED,
}
"""Zenvia's status codes that are delivery steps; others (CLICKED, DELETED ...) map to None."""


def _some(**members: Any) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value is not None}


def content_of(message: OutgoingMessage) -> dict[str, Any]:
    """One Zenvia content object for ``message``."""
    if isinstance(message, TextMessage):
        return {"type": "text", "text": message.text}
    if isinstance(message, TemplateMessage):
        return {"type": "template", "templateId": message.template_id, "fields": message.field_map}
    if isinstance(message, ButtonsMessage):
        header: dict[str, Any] | None = None
        if isinstance(message.header, TextHeader):
            header = {"type": "text", "text": message.header.text}
        elif isinstance(message.header, FileHeader):
            header = _some(
                type="file",
                fileUrl=message.header.url,
                fileMimeType=message.header.mime_type,
                fileName=message.header.file_name,
            )
        return _some(
            type="button",
            header=header,
            body=message.body,
            footer=message.footer,
            buttons=[{"id": b.id, "title": b.title} for b in message.buttons],
        )
    if isinstance(message, ListMessage):
        return _some(
            type="list",
            header=message.header,
            body=message.body,
            footer=message.footer,
            button=message.button,
            sections=[
                {
                    "title": section.title,
                    "rows": [
                        _some(id=row.id, title=row.title, description=row.description)
                        for row in section.rows
                    ],
                }
                for section in message.sections
            ],
        )
    return _some(
        type="file",
        fileUrl=message.url,
        fileMimeType=message.mime_type,
        fileName=message.file_name,
        fileCaption=message.caption,
    )


def request_body(
    message: OutgoingMessage, *, to: str, from_: str, external_id: str | None
) -> dict[str, Any]:
    """The body of a WhatsApp send; ``external_id`` comes back in the status events."""
    body: dict[str, Any] = {"from": from_, "to": to}
    if external_id is not None:
        body["externalId"] = external_id
    body["contents"] = [content_of(message)]
    return body


# --- errors -----------------------------------------------------------------------------------


def error_details(body: Any) -> tuple[str | None, str | None, list[RemoteFieldError]]:
    """``code``, ``message`` and ``details`` of a Zenvia error body (``ZENVIA.md`` §2.3);
    whatever is missing or mistyped is None / empty (429 and 5xx bodies are undocumented)."""
    if not isinstance(body, dict):
        return None, None, []
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else None
    details = body.get("details")
    fields = []
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict):
                path = item.get("path")
                fields.append(
                    RemoteFieldError(
                        path if isinstance(path, str) else None,
                        str(item.get("message") or item.get("code") or ""),
                    )
                )
    return code, message, fields


# --- webhook events ---------------------------------------------------------------------------


def _member(data: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in data or data[name] is None:
        raise InvalidWebhookEvent("is required", field=f"{where}{name}")
    return data[name]


def _str(data: Mapping[str, Any], name: str, where: str = "", *, required: bool = True) -> Any:
    if not required and data.get(name) is None:
        return None
    value = _member(data, name, where)
    if not isinstance(value, str) or not value:
        raise InvalidWebhookEvent("must be a non-empty string", field=f"{where}{name}")
    return value


def _object(data: Mapping[str, Any], name: str, where: str = "") -> dict[str, Any]:
    value = _member(data, name, where)
    if not isinstance(value, dict):
        raise InvalidWebhookEvent("must be a JSON object", field=f"{where}{name}")
    return value


def _moment(data: Mapping[str, Any], name: str, where: str = "", *, required: bool = True) -> Any:
    text = _str(data, name, where, required=required)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidWebhookEvent(
            f"{text!r} is not an ISO 8601 date-time", field=f"{where}{name}"
        ) from None
    if moment.tzinfo is None:
        raise InvalidWebhookEvent(f"{text!r} has no UTC offset", field=f"{where}{name}")
    return moment


def _number(data: Mapping[str, Any], name: str, where: str) -> float:
    value = _member(data, name, where)
    try:
        number = float(value) if type(value) in (int, float) else math.nan
    except OverflowError:
        number = math.nan
    if not math.isfinite(number):
        raise InvalidWebhookEvent("must be a finite number", field=f"{where}{name}")
    return number


def _content(item: Any, where: str) -> InboundContent:
    if not isinstance(item, dict):
        raise InvalidWebhookEvent("must be a JSON object", field=where.rstrip("."))
    kind = _str(item, "type", where)
    if kind == "text":
        return InboundText(_str(item, "text", where), _str(item, "payload", where, required=False))
    if kind == "file":
        return InboundFile(
            _str(item, "fileUrl", where),
            _str(item, "fileMimeType", where, required=False),
            _str(item, "fileName", where, required=False),
            _str(item, "fileCaption", where, required=False),
        )
    if kind == "location":
        return InboundLocation(
            _number(item, "latitude", where),
            _number(item, "longitude", where),
            _str(item, "name", where, required=False),
            _str(item, "address", where, required=False),
        )
    return InboundUnsupported(kind)


def _inbound(data: Mapping[str, Any], event_id: str, occurred_at: datetime) -> InboundMessageEvent:
    message = _object(data, "message")
    contents = _member(message, "contents", "message.")
    if not isinstance(contents, list) or not contents:
        raise InvalidWebhookEvent("must be a non-empty list", field="message.contents")
    visitor = message.get("visitor")
    name = None
    if isinstance(visitor, dict) and isinstance(visitor.get("name"), str):
        name = visitor["name"]
    return InboundMessageEvent(
        event_id=event_id,
        occurred_at=occurred_at,
        provider_message_id=_str(message, "id", "message."),
        from_=_str(message, "from", "message."),
        to=_str(message, "to", "message."),
        contents=tuple(
            _content(item, f"message.contents[{i}].") for i, item in enumerate(contents)
        ),
        sent_at=_moment(message, "timestamp", "message.", required=False),
        visitor_name=name,
        reply_to=_str(message, "idRef", "message.", required=False),
    )


def _cause(item: Any, where: str) -> StatusCause:
    if not isinstance(item, dict):
        raise InvalidWebhookEvent("must be a JSON object", field=where)

    def text(name: str) -> str | None:
        value = item.get(name)
        if value is None:
            return None
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        raise InvalidWebhookEvent("must be a string", field=f"{where}.{name}")

    return StatusCause(text("reason"), text("channelErrorCode"), text("details"))


def _status(data: Mapping[str, Any], event_id: str, occurred_at: datetime) -> StatusEvent:
    nested = data.get("message")
    if nested is not None and not isinstance(nested, dict):
        raise InvalidWebhookEvent("must be a JSON object", field="message")
    message = nested or {}
    if message.get("id") is not None:
        provider_id = _str(message, "id", "message.")
    elif data.get("messageId") is not None:
        provider_id = _str(data, "messageId")
    else:
        raise InvalidWebhookEvent("is required (or the deprecated messageId)", field="message.id")
    status = _object(data, "messageStatus")
    code = _str(status, "code", "messageStatus.")
    causes = status.get("causes") or []
    if not isinstance(causes, list):
        raise InvalidWebhookEvent("must be a list", field="messageStatus.causes")
    return StatusEvent(
        event_id=event_id,
        occurred_at=occurred_at,
        provider_message_id=provider_id,
        code=code,
        status=STATUS_CODES.get(code),
        status_at=_moment(status, "timestamp", "messageStatus."),
        external_id=_str(message, "externalId", "message.", required=False),
        description=_str(status, "description", "messageStatus.", required=False),
        causes=tuple(_cause(item, f"messageStatus.causes[{i}]") for i, item in enumerate(causes)),
    )


def parse_event(data: Any) -> MessagingEvent:
    """A Zenvia webhook body (already decoded from JSON) as a perla event."""
    if not isinstance(data, dict):
        raise InvalidWebhookEvent("the event must be a JSON object")
    kind = _str(data, "type")
    if kind not in ("MESSAGE", "MESSAGE_STATUS"):
        raise UnknownEventType(kind)
    event_id = _str(data, "id")
    occurred_at = _moment(data, "timestamp")
    if kind == "MESSAGE":
        return _inbound(data, event_id, occurred_at)
    return _status(data, event_id, occurred_at)
