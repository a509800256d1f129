"""Dry runs, diffs and the application of proposals.

A write tool's dry run runs the use case inside a transaction that is then rolled back:
whatever the use case checks is checked (permissions, validation, conflicts), nothing is
kept. The record the tool targets is read before and after, which gives the diff and the
fingerprint (a digest of the record as it was). Applying a confirmed proposal reads the
record again: a different fingerprint means the data changed since the person saw the
proposal, and nothing is applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import attrs

from perla_core.assistant.model import Change, Check, Proposal
from perla_core.assistant.schema import bind
from perla_core.assistant.tools import Tool, ToolContext, ToolOutput, dumps, snapshot
from perla_core.kernel.errors import InvalidInput, PerlaError
from perla_core.uow import UnitOfWork, joined

MAX_CHANGES = 40
"""A diff longer than this is cut (the proposal says how many more there were)."""


@attrs.frozen
class DryRun:
    """What a write would do: the command as pinned, the record before, the changes, and
    the error that refused it (None when every check passed)."""

    command: Any
    before: Mapping[str, Any]
    changes: tuple[Change, ...]
    error: PerlaError | None = None


def fingerprint(before: Mapping[str, Any]) -> str:
    return hashlib.sha256(dumps(before).encode()).hexdigest() if before else ""


def pinned_command(tool: Tool, arguments: Mapping[str, Any], ctx: ToolContext) -> tuple[Any, Any]:
    """The command the arguments give, with ``expected_version`` pinned to the target's
    version when the command takes one; and the target record as read now."""
    command = bind(tool.command, arguments, hidden=tool.hidden)
    target = tool.target(command, ctx) if tool.target is not None else None
    names = {f.name for f in attrs.fields(type(command))}
    version = getattr(target, "version", None)
    if "expected_version" in names and isinstance(version, int):
        command = attrs.evolve(command, expected_version=version)
    return command, target


def dry_run(tool: Tool, arguments: Mapping[str, Any], uow: UnitOfWork, ctx: ToolContext) -> DryRun:
    """Run the write in a transaction rolled back at the end. Raises
    :class:`~perla_core.kernel.errors.InvalidInput` when the arguments do not bind."""
    with uow:
        lent = attrs.evolve(ctx, uow=joined(uow))
        command, target = pinned_command(tool, arguments, lent)
        before = snapshot(target)
        try:
            output = tool.run(command, lent)
        except PerlaError as error:
            uow.rollback()
            return DryRun(command, before, (), error)
        after = _after(tool, command, output, lent)
        uow.rollback()
    return DryRun(command, before, diff(before, after, label=_label(after or before)))


def _after(tool: Tool, command: Any, output: ToolOutput, ctx: ToolContext) -> dict[str, Any]:
    if tool.target is not None:
        return snapshot(tool.target(command, ctx))
    if tool.created is not None:
        return snapshot(tool.created(output, ctx))
    return dict(output.data)


def _label(record: Mapping[str, Any]) -> str:
    for key in ("trade_name", "name", "username", "title"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
    return "la política comercial" if "rules" in record else "el registro"


def diff(before: Mapping[str, Any], after: Mapping[str, Any], *, label: str) -> tuple[Change, ...]:
    """The fields that differ, flattened (``a.b``); lists of records with an ``id`` are
    compared record by record (``rules[<id>].value``)."""
    changes: list[Change] = []
    _walk(before, after, "", label, changes)
    return tuple(changes[:MAX_CHANGES])


def _scalar(value: Any) -> Any:
    """``{"value": x}`` or ``{"e164": x}`` (an e-mail, a phone) is ``x``."""
    if isinstance(value, Mapping) and len(value) == 1 and set(value) & {"value", "e164"}:
        return next(iter(value.values()))
    return value


def _walk(before: Any, after: Any, path: str, label: str, out: list[Change]) -> None:
    before, after = _scalar(before), _scalar(after)
    if before == after or (before in (None, "") and after in (None, "", [], {})):
        return
    if path in {"id", "client_id"} or path.endswith(".id"):
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            _walk(before.get(key), after.get(key), sub, label, out)
        return
    if ((_keyed(before) or before is None) and _keyed(after)) or (_keyed(before) and after is None):
        olds = {item["id"]: item for item in before or ()}
        news = {item["id"]: item for item in after or ()}
        for ident in [*olds, *(i for i in news if i not in olds)]:
            item = news.get(ident) or olds.get(ident) or {}
            name = item.get("name") if isinstance(item.get("name"), str) else ident
            _walk(olds.get(ident), news.get(ident), f"{path}[{name}]", label, out)
        return
    if before in (None, [], {}) and isinstance(after, Mapping):
        for key in sorted(after, key=str):
            if after[key] not in (None, [], {}, ""):
                _walk(None, after[key], f"{path}.{key}" if path else str(key), label, out)
        return
    out.append(Change(label, path, before, after))


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, Mapping) and "id" in i for i in value)


def checks_of(tool: Tool, run: DryRun, ctx: ToolContext) -> tuple[Check, ...]:
    """The checks a proposal passed (a refused dry run is no proposal: its error goes back)."""
    return (
        Check("permission", True, f"tu rol ({ctx.actor.role.value}) permite «{tool.title}»"),
        Check("validation", True, "los datos pasan las validaciones de perla"),
        Check(
            "version",
            True,
            "calculada sobre la versión actual del registro"
            if run.before
            else "crea un registro nuevo",
        ),
    )


def proposal_for(
    tool: Tool, arguments: Mapping[str, Any], run: DryRun, ctx: ToolContext, proposal_id: UUID
) -> Proposal:
    pinned = dict(arguments)
    version = getattr(run.command, "expected_version", None)
    if isinstance(version, int):
        pinned["expected_version"] = version
    return Proposal(
        id=proposal_id,
        tool=tool.name,
        arguments=pinned,
        summary=tool.title or tool.name,
        changes=run.changes,
        checks=checks_of(tool, run, ctx),
        fingerprint=fingerprint(run.before),
        created_at=ctx.clock.now(),
    )


@attrs.frozen
class Applied:
    """The outcome of applying a proposal: ``output`` when it was applied, else ``stale``
    (the record changed) or ``error`` (the use case refused it now)."""

    output: ToolOutput | None = None
    stale: bool = False
    error: PerlaError | None = None


def apply(tool: Tool, proposal: Proposal, ctx: ToolContext) -> Applied:
    """Apply a confirmed proposal inside the caller's open transaction (``ctx.uow`` joined):
    the record is read again and compared with the fingerprint first."""
    arguments = dict(proposal.arguments)
    version = arguments.pop("expected_version", None)
    try:
        command = bind(tool.command, arguments, hidden=tool.hidden)
    except InvalidInput as error:
        return Applied(error=error)
    target = tool.target(command, ctx) if tool.target is not None else None
    if fingerprint(snapshot(target)) != proposal.fingerprint:
        return Applied(stale=True)
    if version is not None:
        command = attrs.evolve(command, expected_version=version)
    try:
        return Applied(output=tool.run(command, ctx))
    except PerlaError as error:
        return Applied(error=error)


__all__ = ["Applied", "DryRun", "apply", "diff", "dry_run", "fingerprint", "proposal_for"]
