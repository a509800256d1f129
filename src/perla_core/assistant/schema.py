"""JSON schemas generated from command classes, and tool input bound back to commands.

One source of truth: a use case's command (an attrs class of primitives) is its tool's
definition. :func:`json_schema` reads the class's fields and their annotations; :func:`bind`
turns the JSON a model sends into that command, naming every bad field at once
(:class:`~perla_core.kernel.errors.InvalidInput`), before the use case's own validation runs.

Supported annotations: ``str``, ``int``, ``bool``, ``float``, ``Decimal``, ``UUID``, ``date``,
``datetime``, ``Sequence[X]``/``tuple[X, ...]``, ``Mapping[str, X]``, nested attrs classes,
enums, ``Literal``, ``Any`` and unions of those with ``None`` and the update commands' ``Keep``
marker (a field that may be left out, meaning "leave it as it is").
"""

from __future__ import annotations

import collections.abc
import copy
import functools
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Final
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue

HIDDEN_FIELDS: Final = frozenset({"expected_version"})
"""Fields a tool never exposes: the assistant fills ``expected_version`` from what it read."""

_NONE = type(None)


def _is_keep(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, Enum) and tp.__name__ == "Keep"


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _parts(tp: Any) -> tuple[Any, bool, bool]:
    """``(inner type, accepts None, may be kept)`` of an annotation."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        nullable = _NONE in args
        keep = any(_is_keep(a) for a in args)
        rest = [a for a in args if a is not _NONE and not _is_keep(a)]
        inner: Any = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
        return inner, nullable, keep
    return tp, False, False


def first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n", 1)[0].split())


def json_schema(cls: type, *, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The JSON Schema (an ``object``) of an attrs command class's fields (a fresh copy of a
    cached one: classes do not change while perla runs)."""
    return copy.deepcopy(_cached_schema(cls, HIDDEN_FIELDS | hidden))


@functools.cache
def _cached_schema(cls: type, hidden: frozenset[str]) -> dict[str, Any]:
    return _object_schema(cls, hidden)


def _object_schema(cls: type, hidden: frozenset[str]) -> dict[str, Any]:
    hints = _hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        if field.name in hidden:
            continue
        inner, nullable, keep = _parts(hints[field.name])
        schema = _schema(inner)
        if nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        properties[field.name] = schema
        if field.default is attrs.NOTHING and not keep:
            required.append(field.name)
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    description = first_paragraph(cls.__doc__)
    if description:
        out["description"] = description
    return out


def _schema(tp: Any) -> dict[str, Any]:  # noqa: PLR0911, PLR0912 - one branch per kind of type
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp is object:
        return {}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema(a) for a in args if a is not _NONE and not _is_keep(a)]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp in (float, Decimal):
        return {"type": ["number", "string"]}
    if tp is str:
        return {"type": "string"}
    if tp is UUID:
        return {"type": "string", "format": "uuid"}
    if tp is datetime:
        return {"type": "string", "format": "date-time"}
    if tp is date:
        return {"type": "string", "format": "date"}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"enum": [m.value for m in tp]}
    if origin in (collections.abc.Sequence, list, tuple, collections.abc.Set, frozenset, set):
        item = args[0] if args else Any
        return {"type": "array", "items": _schema(item)}
    if origin in (collections.abc.Mapping, dict):
        value = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": _schema(value)}
    if isinstance(tp, type) and attrs.has(tp):
        return _object_schema(tp, frozenset())
    raise TypeError(f"no JSON schema for the annotation {tp!r}")


def bind(
    cls: type, given: Mapping[str, Any], *, hidden: frozenset[str] = frozenset(), **fixed: Any
) -> Any:
    """Build ``cls`` from a tool's JSON input (plus ``fixed`` values the caller sets, such as
    ``expected_version``); ``hidden`` fields, like those the schema leaves out, are refused as
    unknown. Raises :class:`InvalidInput` naming every bad field."""
    if not isinstance(given, Mapping):
        raise InvalidInput([InvalidValue("the tool input must be a JSON object", field="input")])
    errors: list[InvalidValue] = []
    value = _bind_object(cls, given, "", errors, HIDDEN_FIELDS | hidden)
    if errors:
        raise InvalidInput(errors)
    return attrs.evolve(value, **fixed) if fixed else value


def _bind_object(  # noqa: PLR0912 - one branch per way a field can be wrong
    cls: type,
    given: Mapping[str, Any],
    path: str,
    errors: list[InvalidValue],
    hidden: frozenset[str],
) -> Any:
    hints = _hints(cls)
    before = len(errors)
    names = {f.name for f in attrs.fields(cls) if f.name not in hidden}
    for key in given:
        if key not in names:
            allowed = ", ".join(sorted(names))
            errors.append(InvalidValue(f"unknown field (allowed: {allowed})", field=f"{path}{key}"))
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name not in names:
            continue
        where = f"{path}{field.name}"
        inner, nullable, keep = _parts(hints[field.name])
        if field.name not in given:
            if field.default is attrs.NOTHING and not keep:
                errors.append(InvalidValue("this field is required", field=where))
            continue
        raw = given[field.name]
        if raw is None:
            if nullable:
                kwargs[field.name] = None
            else:
                errors.append(InvalidValue("this field cannot be null", field=where))
            continue
        try:
            kwargs[field.name] = _bind(inner, raw, where, errors)
        except InvalidValue as exc:
            errors.append(exc)
    if len(errors) > before:
        return None
    try:
        return cls(**kwargs)
    except InvalidValue as exc:
        exc.field = exc.field or path.rstrip(".") or None
        errors.append(exc)
    except (TypeError, ValueError) as exc:
        errors.append(InvalidValue(str(exc), field=path.rstrip(".") or None))
    return None


def _bind(tp: Any, raw: Any, where: str, errors: list[InvalidValue]) -> Any:  # noqa: PLR0911, PLR0912, PLR0915
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp is object:
        return raw
    if origin in (typing.Union, types.UnionType):
        for option in args:
            if option is _NONE or _is_keep(option):
                continue
            try:
                return _bind(option, raw, where, [])
            except InvalidValue:
                continue
        raise InvalidValue("the value has none of the accepted types", field=where)
    if origin is typing.Literal:
        if raw in args:
            return raw
        raise InvalidValue(f"must be one of {', '.join(map(str, args))}", field=where)
    if tp is bool:
        if isinstance(raw, bool):
            return raw
        raise InvalidValue("must be true or false", field=where)
    if tp is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw.strip())
        raise InvalidValue("must be a whole number", field=where)
    if tp is str:
        if isinstance(raw, str):
            return raw
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return str(raw)
        raise InvalidValue("must be a string", field=where)
    if tp in (float, Decimal):
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise InvalidValue("must be a number", field=where)
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            raise InvalidValue("must be a number", field=where) from None
    if tp is UUID:
        try:
            return UUID(str(raw))
        except ValueError:
            raise InvalidValue("must be a UUID (an id read from a search)", field=where) from None
    if tp is datetime or tp is date:
        if not isinstance(raw, str):
            raise InvalidValue("must be an ISO 8601 string", field=where)
        try:
            return (datetime if tp is datetime else date).fromisoformat(raw)
        except ValueError:
            raise InvalidValue("must be an ISO 8601 date", field=where) from None
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(raw)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in tp)
            raise InvalidValue(f"must be one of {allowed}", field=where) from None
    if origin in (collections.abc.Sequence, list, tuple, collections.abc.Set, frozenset, set):
        if isinstance(raw, str) or not isinstance(raw, Sequence):
            raise InvalidValue("must be a list", field=where)
        item = args[0] if args else Any
        return tuple(_bind(item, v, f"{where}[{i}]", errors) for i, v in enumerate(raw))
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(raw, Mapping):
            raise InvalidValue("must be an object", field=where)
        value_type = args[1] if len(args) == 2 else Any
        return {str(k): _bind(value_type, v, f"{where}.{k}", errors) for k, v in raw.items()}
    if isinstance(tp, type) and attrs.has(tp):
        if not isinstance(raw, Mapping):
            raise InvalidValue("must be an object", field=where)
        before = len(errors)
        built = _bind_object(tp, raw, f"{where}.", errors, frozenset())
        if len(errors) > before:
            raise errors.pop()
        return built
    raise InvalidValue(f"unsupported field type {tp!r}", field=where)


__all__ = ["HIDDEN_FIELDS", "bind", "json_schema"]
