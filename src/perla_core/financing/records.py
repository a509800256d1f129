"""Rate rules from records: the rows of a CSV, the items of a JSON or YAML list, an HTTP body.

Keys (all text or numbers; rates and money as text such as ``"89.5"`` are exact):

- ``id``: the rule's id (``cuotas-12``);
- ``installments`` (one count) or ``min_installments`` and ``max_installments``;
- the rate: ``tna`` or ``monthly_rate`` (percent), or ``kind`` (``tna``/``monthly``) with
  ``rate``; ``0`` for an interest-free plan ("sin interés");
- ``valid_from`` (ISO date, required), ``valid_until`` (exclusive, optional);
- optional ``currency`` (``ARS``), ``minimum_amount``, ``fixed_fee``,
  ``origination_fee_percent``, ``vat_on_interest_percent`` (21), ``description``.

Every bad value is reported at once, as ``rules[<index>].<key>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from perla_core.financing.model import (
    DEFAULT_VAT_ON_INTEREST,
    MAX_INSTALLMENTS_LIMIT,
    RateKind,
    RateRule,
    RateTable,
    check_installments,
)
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.money import Money

KNOWN_KEYS = frozenset(
    {
        "id",
        "installments",
        "min_installments",
        "max_installments",
        "tna",
        "monthly_rate",
        "kind",
        "rate",
        "valid_from",
        "valid_until",
        "currency",
        "minimum_amount",
        "fixed_fee",
        "origination_fee_percent",
        "vat_on_interest_percent",
        "description",
    }
)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool):
        # YAML and JSON numbers arrive as floats: their shortest text is what was written
        if isinstance(value, bool):
            raise InvalidValue("a number", field=field)
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not a number", field=field) from None
    if not number.is_finite():
        raise InvalidValue("a finite number", field=field)
    return number


def _money_of(value: object, field: str, currency: str) -> Money:
    try:
        return Money(_decimal(value, field), currency)
    except InvalidValue as error:
        raise InvalidValue(error.message, field=field) from None


def _date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidValue(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def _count(value: object, field: str) -> int:
    try:
        count = check_installments(value)
    except InvalidValue as error:
        raise InvalidValue(error.message, field=field) from None
    if not 1 <= count <= MAX_INSTALLMENTS_LIMIT:
        raise InvalidValue(f"between 1 and {MAX_INSTALLMENTS_LIMIT}", field=field)
    return count


def _rate(record: Mapping[str, object], prefix: str) -> tuple[RateKind, Decimal]:
    given = [k for k in ("tna", "monthly_rate", "rate") if not _blank(record.get(k))]
    if len(given) != 1:
        raise InvalidValue(
            "give one rate: tna, monthly_rate, or kind with rate", field=f"{prefix}tna"
        )
    key = given[0]
    if key == "rate":
        kind_text = str(record.get("kind") or "").strip().lower()
        try:
            kind = RateKind(kind_text)
        except ValueError:
            raise InvalidValue("tna or monthly", field=f"{prefix}kind") from None
    else:
        kind = RateKind.TNA if key == "tna" else RateKind.MONTHLY
    return kind, _decimal(record[key], f"{prefix}{key}")


def rule_from_record(record: Mapping[str, object], prefix: str = "") -> RateRule:
    """One rule; raises :class:`InvalidInput` naming every bad key (``<prefix><key>``)."""
    errors: list[InvalidValue] = []

    def attempt(parse: object, *args: object) -> object:
        try:
            return parse(*args)  # type: ignore[operator]
        except InvalidValue as error:
            errors.append(error)
            return None

    unknown = sorted(str(k) for k in record if k not in KNOWN_KEYS)
    errors.extend(InvalidValue("not a rate rule key", field=f"{prefix}{k}") for k in unknown)
    rule_id = str(record.get("id") or "").strip().lower()
    if not rule_id:
        errors.append(InvalidValue("a rule needs its id", field=f"{prefix}id"))
    if not _blank(record.get("installments")):
        low = high = attempt(_count, record["installments"], f"{prefix}installments")
    else:
        low = attempt(_count, record.get("min_installments"), f"{prefix}min_installments")
        high = attempt(_count, record.get("max_installments"), f"{prefix}max_installments")
    rate = attempt(_rate, record, prefix)
    currency = str(record.get("currency") or "ARS").strip().upper()
    valid_from: object = None
    if _blank(record.get("valid_from")):
        errors.append(InvalidValue("required (YYYY-MM-DD)", field=f"{prefix}valid_from"))
    else:
        valid_from = attempt(_date, record["valid_from"], f"{prefix}valid_from")
    valid_until = (
        None
        if _blank(record.get("valid_until"))
        else attempt(_date, record["valid_until"], f"{prefix}valid_until")
    )
    money: dict[str, object] = {}
    for key in ("minimum_amount", "fixed_fee"):
        value = record.get(key)
        money[key] = (
            None if _blank(value) else attempt(_money_of, value, f"{prefix}{key}", currency)
        )
    fee = record.get("origination_fee_percent")
    origination = (
        Decimal(0) if _blank(fee) else attempt(_decimal, fee, f"{prefix}origination_fee_percent")
    )
    vat = record.get("vat_on_interest_percent")
    vat_percent = (
        DEFAULT_VAT_ON_INTEREST
        if _blank(vat)
        else attempt(_decimal, vat, f"{prefix}vat_on_interest_percent")
    )
    if errors:
        raise InvalidInput(errors)
    assert isinstance(rate, tuple)
    assert isinstance(low, int)
    assert isinstance(high, int)
    assert isinstance(valid_from, date)
    assert valid_until is None or isinstance(valid_until, date)
    assert isinstance(origination, Decimal)
    assert isinstance(vat_percent, Decimal)
    try:
        return RateRule(
            id=rule_id,
            min_installments=low,
            max_installments=high,
            kind=rate[0],
            rate=rate[1],
            valid_from=valid_from,
            valid_until=valid_until,
            currency=currency,
            origination_fee_percent=origination,
            fixed_fee=money["fixed_fee"],  # type: ignore[arg-type]
            minimum_amount=money["minimum_amount"],  # type: ignore[arg-type]
            vat_on_interest_percent=vat_percent,
            description=str(record.get("description") or "").strip(),
        )
    except InvalidValue as error:
        raise InvalidInput([InvalidValue(error.message, field=f"{prefix}{error.field}")]) from None


def rules_from_records(records: Iterable[object]) -> list[RateRule]:
    """Every rule, checked together as a :class:`RateTable` (no repeated id, no two rules
    for the same count on the same day); raises :class:`InvalidInput` with every error."""
    rules: list[RateRule] = []
    errors: list[InvalidValue] = []
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            errors.append(InvalidValue("a rule is a mapping of keys", field=f"rules[{index}]"))
            continue
        try:
            rules.append(rule_from_record(record, f"rules[{index}]."))
        except InvalidInput as bad:
            errors.extend(bad.errors)
    if not rules and not errors:
        errors.append(InvalidValue("at least one rule", field="rules"))
    if errors:
        raise InvalidInput(errors)
    RateTable.of(rules)
    return rules


def rule_to_record(rule: RateRule) -> dict[str, object]:
    """A rule as a record :func:`rule_from_record` reads back (text for every number)."""
    record: dict[str, object] = {
        "id": rule.id,
        "min_installments": rule.min_installments,
        "max_installments": rule.max_installments,
        "kind": rule.kind.value,
        "rate": str(rule.rate),
        "valid_from": rule.valid_from.isoformat(),
        "valid_until": None if rule.valid_until is None else rule.valid_until.isoformat(),
        "currency": rule.currency,
        "minimum_amount": None if rule.minimum_amount is None else str(rule.minimum_amount.amount),
        "fixed_fee": None if rule.fixed_fee is None else str(rule.fixed_fee.amount),
        "origination_fee_percent": str(rule.origination_fee_percent),
        "vat_on_interest_percent": str(rule.vat_on_interest_percent),
        "description": rule.description,
    }
    return record
