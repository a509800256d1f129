"""FAQ and policy pages (shipping, warranty, payment methods) as searchable chunks.

A page is Markdown; it is cut at its headings, and a section longer than
:data:`MAX_CHUNK_CHARS` is cut again at paragraph (then sentence) boundaries. Each chunk's
title is its heading path (``Envíos > Costos > Interior``) so a hit reads on its own; its id
is ``faq:<name>#<n>``, stable while the page keeps its shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from perla_core.search.model import DocumentKind, SearchDocument

MAX_CHUNK_CHARS = 800
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@attrs.frozen
class MarkdownPage:
    name: str
    markdown: str


def _split_long(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    units = [u for para in re.split(r"\n\s*\n", text) for u in _units_of(para, limit)]
    for unit in units:
        candidate = f"{current}\n\n{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


def _units_of(paragraph: str, limit: int) -> list[str]:
    paragraph = paragraph.strip()
    if len(paragraph) <= limit:
        return [paragraph] if paragraph else []
    out: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        out.extend(sentence[start : start + limit] for start in range(0, len(sentence), limit))
    return out


def chunk_markdown(page: MarkdownPage, *, max_chars: int = MAX_CHUNK_CHARS) -> list[SearchDocument]:
    """The page's sections as FAQ documents, in reading order; empty sections are skipped."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, list[str]]] = [("", [])]
    in_fence = False
    for line in page.markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, match.group(2)))
            sections.append((" > ".join(title for _, title in path), []))
        else:
            sections[-1][1].append(line)
    documents: list[SearchDocument] = []
    for title, lines in sections:
        body = "\n".join(lines).strip()
        if not body:
            continue
        for piece in _split_long(body, max_chars):
            documents.append(
                SearchDocument(
                    id=f"faq:{page.name}#{len(documents)}",
                    kind=DocumentKind.FAQ,
                    title=title or page.name,
                    text=piece,
                )
            )
    return documents


def chunk_pages(pages: Iterable[MarkdownPage]) -> list[SearchDocument]:
    return [doc for page in pages for doc in chunk_markdown(page)]
