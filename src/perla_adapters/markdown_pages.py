"""Read the FAQ and policy pages from a folder of Markdown (``*.md``, recursively)."""

from __future__ import annotations

from pathlib import Path

from perla_core.search.documents import MarkdownPage


def read_markdown_folder(folder: Path) -> list[MarkdownPage]:
    """Pages named by their path relative to ``folder`` without the suffix, sorted."""
    return [
        MarkdownPage(
            name=path.relative_to(folder).with_suffix("").as_posix(),
            markdown=path.read_text("utf-8"),
        )
        for path in sorted(folder.rglob("*.md"))
    ]
