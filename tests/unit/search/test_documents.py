"""FAQ and policy pages cut into chunks titled by their heading path."""

from __future__ import annotations

from pathlib import Path

from perla_adapters.markdown_pages import read_markdown_folder
from perla_core.search.documents import MarkdownPage, chunk_markdown
from perla_core.search.model import DocumentKind

PAGE = """Intro sin título.

# Envíos

## Costos

Gratis desde $150.000 en CABA.

## Plazos
### Interior

De 3 a 5 días hábiles.

```
# no es un título
```
"""


def test_each_section_becomes_a_chunk_titled_by_its_heading_path() -> None:
    chunks = chunk_markdown(MarkdownPage("envios", PAGE))
    assert [c.title for c in chunks] == ["envios", "Envíos > Costos", "Envíos > Plazos > Interior"]
    assert [c.id for c in chunks] == ["faq:envios#0", "faq:envios#1", "faq:envios#2"]
    assert all(c.kind is DocumentKind.FAQ for c in chunks)
    assert "# no es un título" in chunks[2].text


def test_a_long_section_is_cut_at_paragraphs_and_sentences_under_the_limit() -> None:
    body = "\n\n".join(f"Párrafo {i}. " + "Texto de garantía. " * 20 for i in range(6))
    chunks = chunk_markdown(MarkdownPage("garantia", f"# Garantía\n\n{body}"), max_chars=300)
    assert len(chunks) > 6
    assert all(len(c.text) <= 300 for c in chunks)
    assert all(c.title == "Garantía" for c in chunks)


def test_pages_are_read_from_a_folder_of_markdown(tmp_path: Path) -> None:
    (tmp_path / "politicas").mkdir()
    (tmp_path / "politicas" / "pagos.md").write_text("# Pagos\n\nTransferencia.", "utf-8")
    (tmp_path / "notas.txt").write_text("ignorado", "utf-8")
    pages = read_markdown_folder(tmp_path)
    assert [p.name for p in pages] == ["politicas/pagos"]
