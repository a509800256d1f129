"""A local double of Anthropic's Messages API, for tests and offline demos.

``POST /v1/messages`` answers in the Messages API format (``id``, ``type: message``,
``role: assistant``, ``content`` blocks, ``stop_reason``, ``usage``). With nothing scripted it
runs the :class:`~perla_core.language.rules.RulesInterpreter` on the last user message and
answers through the ``record_interpretation`` tool when the request offers it (plain text
otherwise), so the Anthropic adapter works against it with no network.

Requests are checked the way the real API checks them, with a 400 ``invalid_request_error``
naming the field: ``model``, ``max_tokens`` and ``messages`` present; messages alternate
``user``/``assistant`` starting with ``user``; text blocks are not blank; ``tool_use`` blocks
only in assistant messages, ``tool_result`` blocks only in user messages and first in them;
every ``tool_result`` answers a ``tool_use`` id of the immediately preceding assistant message,
and every ``tool_use`` followed by a user message is answered there; requests holding tool
blocks define ``tools``; tool names match ``^[a-zA-Z0-9_-]{1,64}$`` and are unique; each
``input_schema`` is an object schema (``"type": "object"``); a forced ``tool_choice`` names an
offered tool.

Test-only routes (bind the simulator to loopback):

- ``POST /_sim/script`` queues replies, one per coming request (a JSON object or a list; a
  list holding a step that is not an object, or a ``tool_calls`` without tool names, is
  refused with 400 and nothing is queued)::

      {"tool_input": {...}}                 a tool_use block with this input
      {"tool_input": {...}, "tool": "x"}    ... calling tool "x"
      {"tool_calls": [{"tool": "x", "input": {...}}, ...], "text": "preface"}
                                            several tool_use blocks (after a text block
                                            when "text" is given), stop_reason tool_use
      {"text": "garbage"}                   a text block only (no tool call), stop_reason end_turn
      {"malformed": true}                   a tool_use whose input breaks the tool's schema
      {"status": 529}                       an error: 529 overloaded_error, 500 api_error ...
      {"not_json": true}                    200 with an HTML page
      {"delay_ms": 2000, ...}               wait first (any of the above, or the default)
      {"stop_reason": "max_tokens", ...}    this stop_reason instead of the usual one
      {"expect_tool_result": {"is_error": true, "contains": "iban"}, ...}
                                            before answering, the last user message must hold
                                            a tool_result block matching every key given
                                            (``tool_use_id``, ``is_error``, ``contains``: a
                                            substring of its content; a list of such objects
                                            asks for one matching block each); else 400
                                            ``scripted expectation failed: ...``

- ``GET /_sim/state`` shows the requests received (headers that matter, body) and the replies
  still queued; ``POST /_sim/reset`` forgets both.
"""

from __future__ import annotations

import asyncio
import json
import re
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
TOOL_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TOOL_USE_ID_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_-]+$")
EXPECTATION_PREFIX: Final = "scripted expectation failed: "


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
        try:
            _validate(body)
        except _Invalid as invalid:
            return _error(400, str(invalid))
        step = script.popleft() if script else {}
        if "expect_tool_result" in step:
            unmet = _unmet_expectation(step["expect_tool_result"], body["messages"][-1])
            if unmet:
                return _error(400, EXPECTATION_PREFIX + unmet)
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
        wrong = next((p for p in map(_script_problem, steps) if p), None)
        if wrong:
            return Response(content={"error": wrong}, status_code=400)
        script.extend(steps)
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


def _scripted(  # noqa: PLR0911 - one return per kind of step
    step: dict[str, Any], number: int, body: dict[str, Any], rules: RulesInterpreter
) -> Response[Any]:
    stop_reason = step.get("stop_reason")
    if "status" in step:
        return _error(int(step["status"]), "scripted failure")
    if step.get("not_json"):
        return Response(content=GARBAGE_PAGE, status_code=200, media_type="text/html")
    if "tool_calls" in step:
        blocks = [{"type": "text", "text": str(step["text"])}] if step.get("text") else []
        blocks += [
            _tool_use_block(f"{number:06d}_{index:02d}", str(call["tool"]), call.get("input", {}))
            for index, call in enumerate(step["tool_calls"], start=1)
        ]
        return _message(number, body, blocks, stop_reason or "tool_use")
    if "text" in step:
        text_block = {"type": "text", "text": str(step["text"])}
        return _message(number, body, [text_block], stop_reason or "end_turn")
    if step.get("malformed"):
        return _tool_use(number, body, TOOL_NAME, MALFORMED_INPUT, stop_reason)
    if "tool_input" in step:
        name = str(step.get("tool", TOOL_NAME))
        return _tool_use(number, body, name, step["tool_input"], stop_reason)
    return _default(number, body, rules)


def _script_problem(step: Any) -> str | None:
    """What is wrong with one scripted step (so a typo fails at scripting, not as a 500)."""
    if not isinstance(step, dict):
        return f"a step must be a JSON object, not {step!r}"
    calls = step.get("tool_calls")
    if "tool_calls" in step and (
        not isinstance(calls, list)
        or not calls
        or not all(isinstance(c, dict) and isinstance(c.get("tool"), str) for c in calls)
    ):
        return 'tool_calls must be a non-empty list of {"tool": name, "input": {...}}'
    return None


# --- request validation, as the real API does it -------------------------------------------


class _Invalid(Exception):
    """A request the real API would refuse with 400 ``invalid_request_error``."""


def _validate(body: Any) -> None:
    """Raise :class:`_Invalid` naming the field when the real API would refuse ``body``."""
    if not isinstance(body, dict):
        raise _Invalid("the body must be a JSON object")
    for name, kind in (("model", str), ("max_tokens", int), ("messages", list)):
        if not isinstance(body.get(name), kind):
            raise _Invalid(f"{name}: field required")
    if body["max_tokens"] < 1:
        raise _Invalid("max_tokens: must be greater than or equal to 1")
    if not body["messages"]:
        raise _Invalid("messages: at least one message is required")
    tools = _tool_names(body.get("tools"))
    choice = body.get("tool_choice")
    if (
        isinstance(choice, dict)
        and choice.get("type") == "tool"
        and choice.get("name") not in tools
    ):
        raise _Invalid(f"tool_choice.name: tool {choice.get('name')!r} is not one of the tools")
    if _validate_messages(body["messages"]) and not tools:
        raise _Invalid(
            "Requests which include `tool_use` or `tool_result` blocks must define tools."
        )


def _tool_names(tools: Any) -> list[str]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _Invalid("tools: Input should be a valid list")
    names: list[str] = []
    for index, tool in enumerate(tools):
        where = f"tools.{index}"
        if not isinstance(tool, dict):
            raise _Invalid(f"{where}: Input should be a valid dictionary")
        name = tool.get("name")
        if not isinstance(name, str) or not TOOL_NAME_PATTERN.fullmatch(name):
            raise _Invalid(f"{where}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise _Invalid(f'{where}.input_schema: must be a JSON Schema with "type": "object"')
        if name in names:
            raise _Invalid(f"tools: Tool names must be unique (found {name!r} twice)")
        names.append(name)
    return names


def _validate_messages(messages: list[Any]) -> bool:
    """Check roles, blocks and tool_use/tool_result pairing; True when tool blocks are used."""
    previous_tool_uses: list[str] = []
    previous_role: str | None = None
    uses_tools = False
    for index, message in enumerate(messages):
        where = f"messages.{index}"
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise _Invalid(f"{where}.role: Input should be 'user' or 'assistant'")
        role = message["role"]
        if index == 0 and role != "user":
            raise _Invalid('messages.0.role: the first message must use the "user" role')
        if role == previous_role:
            raise _Invalid(
                f'{where}: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        blocks = _blocks(message.get("content"), where, role)
        tool_uses = [b["id"] for b in blocks if b["type"] == "tool_use"]
        results = [b["tool_use_id"] for b in blocks if b["type"] == "tool_result"]
        uses_tools = uses_tools or bool(tool_uses or results)
        if len(set(tool_uses)) != len(tool_uses):
            raise _Invalid(f"{where}: `tool_use` ids must be unique")
        if role == "user":
            _check_answers(previous_tool_uses, blocks, where, index - 1)
        previous_role, previous_tool_uses = role, tool_uses
    return uses_tools


def _check_answers(
    tool_uses: list[str], blocks: list[dict[str, Any]], where: str, before: int
) -> None:
    """Every tool_result answers a tool_use of the message before; every tool_use is answered."""
    results = [b["tool_use_id"] for b in blocks if b["type"] == "tool_result"]
    for position, block in enumerate(blocks):
        if block["type"] == "tool_result" and block["tool_use_id"] not in tool_uses:
            raise _Invalid(
                f"{where}.content.{position}: unexpected `tool_use_id` found in `tool_result` "
                f"blocks: {block['tool_use_id']}. Each `tool_result` block must have a "
                "corresponding `tool_use` block in the previous message."
            )
    if len(set(results)) != len(results):
        raise _Invalid(f"{where}: each `tool_use_id` may be answered by one `tool_result` only")
    missing = [u for u in tool_uses if u not in results]
    if missing:
        raise _Invalid(
            f"messages.{before}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
            "corresponding `tool_result` block in the next message."
        )


def _blocks(content: Any, where: str, role: str) -> list[dict[str, Any]]:
    """The message's content blocks (a string is one text block), checked."""
    if isinstance(content, str):
        if not content.strip() and role == "user":
            raise _Invalid(f"{where}: user messages must have non-empty content")
        return [{"type": "text", "text": content}]
    if not isinstance(content, list) or not content:
        raise _Invalid(f"{where}.content: must be a string or a non-empty list of blocks")
    seen_other = False
    for index, block in enumerate(content):
        at = f"{where}.content.{index}"
        _check_block(block, at, role)
        if block["type"] == "tool_result" and seen_other:
            raise _Invalid(f"{at}: `tool_result` blocks must come first in the content")
        seen_other = seen_other or block["type"] != "tool_result"
    return content


def _check_block(block: Any, at: str, role: str) -> None:
    if not isinstance(block, dict):
        raise _Invalid(f"{at}: Input should be a valid dictionary")
    kind = block.get("type")
    if kind == "text":
        if not isinstance(block.get("text"), str):
            raise _Invalid(f"{at}.text: Field required")
        if not block["text"].strip():
            raise _Invalid(f"{at}: text content blocks must contain non-whitespace text")
    elif kind == "tool_use":
        _check_tool_use(block, at, role)
    elif kind == "tool_result":
        _check_tool_result(block, at, role)
    else:
        raise _Invalid(f"{at}.type: block type {kind!r} is not supported by the simulator")


def _check_tool_use(block: dict[str, Any], at: str, role: str) -> None:
    if role != "assistant":
        raise _Invalid(f"{at}: `tool_use` blocks can only be in `assistant` messages")
    if not isinstance(block.get("id"), str) or not TOOL_USE_ID_PATTERN.fullmatch(block["id"]):
        raise _Invalid(f"{at}.id: String should match pattern '^[a-zA-Z0-9_-]+$'")
    if not isinstance(block.get("name"), str) or not block["name"]:
        raise _Invalid(f"{at}.name: Field required")
    if not isinstance(block.get("input"), dict):
        raise _Invalid(f"{at}.input: Input should be a valid dictionary")


def _check_tool_result(block: dict[str, Any], at: str, role: str) -> None:
    if role != "user":
        raise _Invalid(f"{at}: `tool_result` blocks can only be in `user` messages")
    if not isinstance(block.get("tool_use_id"), str):
        raise _Invalid(f"{at}.tool_use_id: Field required")
    if "is_error" in block and not isinstance(block["is_error"], bool):
        raise _Invalid(f"{at}.is_error: Input should be a valid boolean")
    content = block.get("content", "")
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _Invalid(f"{at}.content: Input should be a valid string or list of blocks")
    for index, inner in enumerate(content):
        _check_block(inner, f"{at}.content.{index}", "user")
        if inner["type"] != "text":
            raise _Invalid(f"{at}.content.{index}: only text blocks are supported here")


# --- scripted expectations -----------------------------------------------------------------


def _unmet_expectation(expected: Any, last: dict[str, Any]) -> str | None:
    """Why the last message does not hold the tool_result blocks expected, or None."""
    wanted = expected if isinstance(expected, list) else [expected]
    content = last.get("content")
    results = (
        [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
        if last.get("role") == "user" and isinstance(content, list)
        else []
    )
    if not results:
        return "the last message holds no tool_result block"
    for want in wanted:
        if not isinstance(want, dict):
            return f"expect_tool_result must be an object or a list of objects, not {want!r}"
        if not any(_matches(want, result) for result in results):
            found = [
                {
                    "tool_use_id": r["tool_use_id"],
                    "is_error": r.get("is_error", False),
                    "content": _result_text(r),
                }
                for r in results
            ]
            return (
                f"no tool_result matches {json.dumps(want, ensure_ascii=False)}; "
                f"found {json.dumps(found, ensure_ascii=False)}"
            )
    return None


def _matches(want: dict[str, Any], result: dict[str, Any]) -> bool:
    if "tool_use_id" in want and result["tool_use_id"] != want["tool_use_id"]:
        return False
    if "is_error" in want and bool(result.get("is_error", False)) is not bool(want["is_error"]):
        return False
    return "contains" not in want or str(want["contains"]) in _result_text(result)


def _result_text(result: dict[str, Any]) -> str:
    content = result.get("content", "")
    if isinstance(content, str):
        return content
    return "\n".join(str(b.get("text", "")) for b in content)


# --- answers -------------------------------------------------------------------------------


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(b.get("text", "")) for b in content if b.get("type") == "text")
    return ""


def _default(number: int, body: dict[str, Any], rules: RulesInterpreter) -> Response[Any]:
    interpretation = rules.interpret(_last_user_text(body))
    tools = [t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)]
    if TOOL_NAME in tools:
        return _tool_use(number, body, TOOL_NAME, tool_input_from(interpretation))
    text = f"(simulated) intent {interpretation.intent.value}"
    return _message(number, body, [{"type": "text", "text": text}], "end_turn")


def _tool_use_block(suffix: str, name: str, given: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": f"toolu_sim_{suffix}", "name": name, "input": given}


def _tool_use(
    number: int, body: dict[str, Any], name: str, given: Any, stop_reason: str | None = None
) -> Response[Any]:
    block = _tool_use_block(f"{number:06d}", name, given)
    return _message(number, body, [block], stop_reason or "tool_use")


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
