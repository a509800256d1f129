"""The ``record_interpretation`` tool: how a model must answer, and the strict reading of it.

A model classifies a message by calling this one tool; its input must match
:data:`INTERPRETATION_SCHEMA` exactly (no unknown members, no strings for numbers, no intent
outside :class:`~perla_core.language.model.Intent`). :func:`interpretation_from_tool_input`
enforces that and raises :class:`~perla_core.language.errors.ModelProtocolError` otherwise,
so a model answering garbage (or obeying an injected "discount: 90") changes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from perla_core.kernel.errors import InvalidValue
from perla_core.language.errors import ModelProtocolError
from perla_core.language.model import (
    MAX_INSTALLMENTS,
    MAX_QUANTITY,
    MAX_RESOLUTION_MP,
    Entities,
    Feature,
    Intent,
    Interpretation,
    ProductType,
    Source,
)
from perla_core.language.ports import ToolSpec
from perla_core.language.rules import BRANDS

TOOL_NAME: Final = "record_interpretation"
_MODEL_CODE: Final = re.compile(r"^[A-Z0-9][A-Z0-9./-]{1,39}$")


def _integer(low: int, high: int, description: str) -> dict[str, Any]:
    return {
        "type": ["integer", "null"],
        "minimum": low,
        "maximum": high,
        "description": description,
    }


ENTITIES_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "brand": {
            "type": ["string", "null"],
            "maxLength": 40,
            "description": "Manufacturer named, e.g. Hikvision, Dahua, Ezviz, Imou, TP-Link.",
        },
        "product_type": {
            "type": ["string", "null"],
            "enum": [*(p.value for p in ProductType), None],
            "description": "Kind of product: camara/domo/bullet = camera, disco/HDD = disk ...",
        },
        "model": {
            "type": ["string", "null"],
            "maxLength": 40,
            "description": "Manufacturer's model code as written, e.g. DS-2CD1043G0-I.",
        },
        "quantity": _integer(1, MAX_QUANTITY, "Units wanted ('dos' = 2, 'una docena' = 12)."),
        "installments": _integer(1, MAX_INSTALLMENTS, "Number of installments (cuotas/pagos)."),
        "resolution_mp": _integer(1, MAX_RESOLUTION_MP, "Resolution in megapixels (1080p = 2)."),
        "features": {
            "type": "array",
            "items": {"type": "string", "enum": [f.value for f in Feature]},
            "uniqueItems": True,
        },
    },
}

INTERPRETATION_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["intent", "confidence", "entities"],
    "properties": {
        "intent": {"type": "string", "enum": [i.value for i in Intent]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "entities": ENTITIES_SCHEMA,
    },
}

RECORD_INTERPRETATION: Final = ToolSpec(
    name=TOOL_NAME,
    description=(
        "Record the intent, your confidence (0 to 1) and the entities of the customer's "
        "latest message. Leave an entity null when the message does not state it."
    ),
    input_schema=INTERPRETATION_SCHEMA,
)


def interpretation_from_tool_input(
    data: Mapping[str, Any], *, source: Source, model: str = "model"
) -> Interpretation:
    """Read the tool's input strictly: anything outside the schema is a protocol error."""
    try:
        return _read(data, source)
    except (InvalidValue, ValueError, TypeError) as error:
        raise ModelProtocolError(
            model, f"the {TOOL_NAME} tool input breaks its schema: {error}"
        ) from None


def tool_input_from(interpretation: Interpretation) -> dict[str, Any]:
    """An interpretation as the tool's input (what a well-behaved model would send)."""
    entities = interpretation.entities
    return {
        "intent": interpretation.intent.value,
        "confidence": interpretation.confidence,
        "entities": {
            "brand": entities.brand,
            "product_type": None if entities.product_type is None else entities.product_type.value,
            "model": entities.model,
            "quantity": entities.quantity,
            "installments": entities.installments,
            "resolution_mp": entities.resolution_mp,
            "features": sorted(f.value for f in entities.features),
        },
    }


def _read(data: Mapping[str, Any], source: Source) -> Interpretation:
    if not isinstance(data, Mapping):
        raise TypeError("the input is not a JSON object")
    _only(data, INTERPRETATION_SCHEMA, "")
    missing = [name for name in INTERPRETATION_SCHEMA["required"] if name not in data]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    intent = data["intent"]
    if not isinstance(intent, str) or intent not in {i.value for i in Intent}:
        raise ValueError(f"intent {intent!r} is not one of the intents")
    confidence = data["confidence"]
    if type(confidence) not in (int, float) or not math.isfinite(confidence):
        raise ValueError("confidence must be a number")
    return Interpretation(Intent(intent), float(confidence), _entities(data["entities"]), source)


def _only(data: Mapping[str, Any], schema: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(data) - set(schema["properties"]))
    if unknown:
        raise ValueError(f"unknown member(s) {where}{', '.join(map(str, unknown))}")


def _entities(data: Any) -> Entities:
    if not isinstance(data, Mapping):
        raise TypeError("entities must be a JSON object")
    _only(data, ENTITIES_SCHEMA, "entities.")
    product = data.get("product_type")
    if product is not None and product not in {p.value for p in ProductType}:
        raise ValueError(f"product_type {product!r} is not a product type")
    features = data.get("features", [])
    if not isinstance(features, list) or any(f not in {x.value for x in Feature} for f in features):
        raise ValueError("features must be a list of known features")
    return Entities(
        brand=_text(data.get("brand"), "brand"),
        product_type=None if product is None else ProductType(product),
        model=_model(data.get("model")),
        quantity=_whole(data.get("quantity"), "quantity"),
        installments=_whole(data.get("installments"), "installments"),
        resolution_mp=_whole(data.get("resolution_mp"), "resolution_mp"),
        features=frozenset(Feature(f) for f in features),
    )


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise ValueError(f"{name} must be a short string or null")
    return _canonical_brand(value.strip())


def _canonical_brand(value: str) -> str:
    folded = value.casefold()
    for brand, names in BRANDS.items():
        if folded == brand.casefold() or folded in names:
            return brand
    return value


def _model(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _MODEL_CODE.match(value.strip().upper()):
        raise ValueError("model must be a model code such as DS-2CD1043G0-I, or null")
    return value.strip().upper()


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if type(value) is not int:
        raise ValueError(f"{name} must be a whole number or null")
    return value


__all__ = [
    "ENTITIES_SCHEMA",
    "INTERPRETATION_SCHEMA",
    "RECORD_INTERPRETATION",
    "TOOL_NAME",
    "interpretation_from_tool_input",
    "tool_input_from",
]
