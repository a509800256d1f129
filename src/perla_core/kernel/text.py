"""Text normalisation shared by search and matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final, Literal

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accents removed, whitespace collapsed.

    ``"  Viajes  Ñandú "`` -> ``"viajes nandu"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


FileFormat = Literal["csv", "json"]
_JSON_SUFFIXES: Final = (".json", ".jsonl", ".ndjson", ".geojson")


def decode_file(data: bytes) -> str:
    """An imported file's bytes as text: UTF-8 (a byte-order mark dropped), UTF-16 when it
    starts with its byte-order mark (Excel's "Unicode text"), else Windows-1252 (older Spanish
    spreadsheets), else Latin-1, which reads anything."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    decoders: tuple[Callable[[bytes], str], ...] = (
        lambda b: b.decode("utf-8-sig"),
        lambda b: b.decode("cp1252"),
    )
    for decode in decoders:
        try:
            return decode(data)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def detect_file_format(file_name: str, head_text: str) -> FileFormat:
    """``json`` when the text starts as JSON does (``[`` or ``{``) or the name ends in
    ``.json``, ``.jsonl``, ``.ndjson`` or ``.geojson``; ``csv`` otherwise."""
    start = head_text.lstrip("\ufeff \t\r\n")[:1]
    if start in ("[", "{") or file_name.casefold().endswith(_JSON_SUFFIXES):
        return "json"
    return "csv"
