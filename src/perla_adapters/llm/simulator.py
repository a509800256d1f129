"""A local double of Anthropic's Messages API, for tests and offline demos.

``POST /v1/messages`` answers in the Messages API format (``id``, ``type: message``,
``role: assistant``, ``content`` blocks, ``stop_reason``, ``usage``). With nothing scripted it
runs the :class:`~perla_core.language.rules.RulesInterpreter` on the last user message and
answers through the ``record_interpretation`` tool when the request offers it (plain text
otherwise), so the Anthropic adapter works against it with no network.

Test-only routes (bind the simulator to loopback):

- ``POST /_sim/script`` queues replies, one per coming request (a JSON object or a list)::

      {"tool_input": {...}}                 a tool_use block with this input
      {"tool_input": {...}, "tool": "x"}    ... calling tool "x"
      {"text": "garbage"}                   a text block only (no tool call), stop_reason end_turn
      {"malformed": true}                   a tool_use whose input breaks the tool's schema
      {"status": 529}                       an error: 529 overloaded_error, 500 api_error ...
      {"not_json": true}                    200 with an HTML page
      {"delay_ms": 2000, ...}               wait first (any of the above, or the default)

- ``GET /_sim/state`` shows the requests received (headers that matter, body) and the replies
  still queued; ``POST /_sim/reset`` forgets both.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any, Final

from litestar import Litestar, Request, Response, get, post

from perla_core.language.rules import RulesInterpreter
from perla_core.language.tool import TOOL_NAME, tool_input_from

ERROR_TYPES: Final = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
MALFORMED_INPUT: Final = {"intent": "give_discount", "confidence": "very", "discount": 90}
GARBAGE_PAGE: Final = b"<html><body>502 Bad Gateway (this is not JSON)</body></html>"
SIMULATED_MODEL: Final = "claude-simulated"


def create_messages_simulator() -> Litestar:
    """A Litestar app answering ``POST /v1/messages`` as described in the module docstring."""
    script: deque[dict[str, Any]] = deque()
    seen: list[dict[str, Any]] = []
    rules = RulesInterpreter()
    counter = iter(range(1, 10**9))

    @post("/v1/messages", status_code=200)
    async def messages(request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the body is not valid JSON")
        seen.append(
            {
                "headers": {
                    name: request.headers.get(name)
                    for name in ("anthropic-version", "content-type")
                }
                | {"credentials_present": _has_credentials(request)},
                "body": body,
            }
        )
        if not _has_credentials(request):
            return _error(401, "an x-api-key or Authorization: Bearer header is required")
        problem = _invalid(body)
        if problem:
            return _error(400, problem)
        step = script.popleft() if script else {}
        if step.get("delay_ms"):
            await asyncio.sleep(int(step["delay_ms"]) / 1000)
        return _scripted(step, next(counter), body, rules)

    @post("/_sim/script", status_code=201)
    async def add_script(request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return Response(content={"error": "the script is not valid JSON"}, status_code=400)
        steps = data if isinstance(data, list) else [data]
        script.extend(step for step in steps if isinstance(step, dict))
        return Response(content={"queued": len(script)}, status_code=201)

    @get("/_sim/state")
    async def state() -> dict[str, Any]:
        return {"requests": list(seen), "queued": list(script)}

    @post("/_sim/reset", status_code=200)
    async def reset() -> dict[str, Any]:
        script.clear()
        seen.clear()
        return {"reset": True}

    return Litestar([messages, add_script, state, reset], debug=False)


def _has_credentials(request: Request[Any, Any, Any]) -> bool:
    bearer = request.headers.get("authorization", "")
    return bool(request.headers.get("x-api-key")) or (
        bearer.startswith("Bearer ") and len(bearer) > len("Bearer ")
    )


def _scripted(
    step: dict[str, Any], number: int, body: dict[str, Any], rules: RulesInterpreter
) -> Response[Any]:
    if "status" in step:
        return _error(int(step["status"]), "scripted failure")
    if step.get("not_json"):
        return Response(content=GARBAGE_PAGE, status_code=200, media_type="text/html")
    if "text" in step:
        return _message(number, body, [{"type": "text", "text": str(step["text"])}], "end_turn")
    if step.get("malformed"):
        return _tool_use(number, body, TOOL_NAME, MALFORMED_INPUT)
    if "tool_input" in step:
        return _tool_use(number, body, str(step.get("tool", TOOL_NAME)), step["tool_input"])
    return _default(number, body, rules)


def _invalid(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    for name, kind in (("model", str), ("max_tokens", int), ("messages", list)):
        if not isinstance(body.get(name), kind):
            return f"{name}: field required"
    if not body["messages"]:
        return "messages: at least one message is required"
    return None


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def _default(number: int, body: dict[str, Any], rules: RulesInterpreter) -> Response[Any]:
    interpretation = rules.interpret(_last_user_text(body))
    tools = [t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)]
    if TOOL_NAME in tools:
        return _tool_use(number, body, TOOL_NAME, tool_input_from(interpretation))
    text = f"(simulated) intent {interpretation.intent.value}"
    return _message(number, body, [{"type": "text", "text": text}], "end_turn")


def _tool_use(number: int, body: dict[str, Any], name: str, given: Any) -> Response[Any]:
    block = {"type": "tool_use", "id": f"toolu_sim_{number:06d}", "name": name, "input": given}
    return _message(number, body, [block], "tool_use")


def _message(
    number: int, body: dict[str, Any], content: list[dict[str, Any]], stop_reason: str
) -> Response[Any]:
    return Response(
        content={
            "id": f"msg_sim_{number:06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", SIMULATED_MODEL),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 20},
        },
        status_code=200,
    )


def _error(status: int, message: str) -> Response[Any]:
    kind = ERROR_TYPES.get(status, "api_error")
    return Response(
        content={"type": "error", "error": {"type": kind, "message": message}},
        status_code=status,
        headers={"request-id": "req_sim"},
    )


__all__ = ["create_messages_simulator"]
