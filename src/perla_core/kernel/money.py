"""Money: an exact ``Decimal`` amount in an ISO 4217 currency. Never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Self

import attrs

from perla_core.kernel.errors import InvalidValue

# ISO 4217 active codes with their minor units (digits after the decimal point).
_ISO_4217 = """
AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BHD3 BIF0 BMD2 BND2 BOB2 BRL2
BSD2 BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 CHF2 CLP0 CNY2 COP2 CRC2 CUP2 CVE2 CZK2 DJF0 DKK2 DOP2
DZD2 EGP2 ERN2 ETB2 EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 GMD2 GNF0 GTQ2 GYD2 HKD2 HNL2 HTG2
HUF2 IDR2 ILS2 INR2 IQD3 IRR2 ISK0 JMD2 JOD3 JPY0 KES2 KGS2 KHR2 KMF0 KPW2 KRW0 KWD3 KYD2
KZT2 LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 MOP2 MRU2 MUR2 MVR2 MWK2
MXN2 MYR2 MZN2 NAD2 NGN2 NIO2 NOK2 NPR2 NZD2 OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 PYG0 QAR2
RON2 RSD2 RUB2 RWF0 SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 SOS2 SRD2 SSP2 STN2 SVC2 SYP2
SZL2 THB2 TJS2 TMT2 TND3 TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 UGX0 USD2 UYU2 UZS2 VES2 VND0 VUV0
WST2 XAF0 XCD2 XOF0 XPF0 YER2 ZAR2 ZMW2 ZWG2
"""
MINOR_UNITS: dict[str, int] = {tok[:3]: int(tok[3:]) for tok in _ISO_4217.split()}


def _currency(value: object) -> str:
    code = str(value).strip().upper()
    if code not in MINOR_UNITS:
        raise InvalidValue(f"{value!r} is not an ISO 4217 currency code", field="currency")
    return code


def _amount(value: object) -> Decimal:
    if isinstance(value, float):
        raise InvalidValue(
            "money amounts must not be floats; pass a str or Decimal", field="amount"
        )
    if isinstance(value, bool):
        raise InvalidValue("money amounts must be numbers", field="amount")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not a number", field="amount") from None
    if not amount.is_finite():
        raise InvalidValue("money amounts must be finite", field="amount")
    return amount


@attrs.frozen(order=False)
class Money:
    """An exact amount in a currency; arithmetic refuses to mix currencies."""

    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field(converter=_currency)

    @classmethod
    def of(cls, amount: object, currency: str) -> Self:
        return cls(_amount(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(Decimal(0), currency)

    @property
    def minor_units(self) -> int:
        return MINOR_UNITS[self.currency]

    def rounded(self) -> Money:
        """Round to the currency's minor unit, half-up (cents for EUR, ARS, USD)."""
        quantum = Decimal(1).scaleb(-self.minor_units)
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_UP), self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidValue(
                f"cannot combine {self.currency} with {other.currency}", field="currency"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise InvalidValue("multiply money by a Decimal or an int, not a float", field="factor")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.rounded().amount:,} {self.currency}"
