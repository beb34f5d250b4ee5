"""A report made of tables, in the formats people read: text (fitted to a width), markdown
or one self-contained HTML page. The monthly pack, the moderation report and the
conversation report all go through here, so `--format html` is HTML for every one of them."""

from __future__ import annotations

from .tables import Table


def render_page(fmt: str, title: str, subs: list[str], tables: list[Table], *,
                width: int = 0, foot: str = "") -> str:
    """`fmt`: 'table', 'markdown' or 'html'."""
    if fmt == "html":
        from .html import page

        return page(title, subs, tables, foot=foot)
    from .writers_text import markdown_page, text_page

    if fmt == "markdown":
        return markdown_page(title, [*subs, *([foot] if foot else [])], tables)
    return text_page([title, *subs], tables, width) + (f"\n{foot}\n" if foot else "")
