"""Deterministic financing (issue 8): rates tables, French amortisation, TNA/TEA/CFT.

Pure ``Decimal`` arithmetic, never a float and never an LLM; see ``docs/financing.md`` for the
formulas and the assumptions (30-day months, 365-day year, half-up cents).
"""
