"""The audit document (document.py) written as text, Markdown, HTML or DOCX.

Every value is user text and is never interpreted: control characters are made visible
(literal.py) in every format; HTML escapes it; Markdown backslash-escapes every character
Markdown gives a meaning to and writes < > & as entities; DOCX holds it as plain runs. A draft
is marked DRAFT on every page: the text and Markdown open and close with it; HTML prints it in
a fixed header and a watermark, which the browser repeats on each printed page; DOCX puts it
in the page header.
"""

from __future__ import annotations

import html
import re

from ..literal import literal
from .document import Document

FORMATS = ("text", "html", "docx", "md")
DRAFT = "DRAFT - not submitted"


# -- text ---------------------------------------------------------------------------------------
def to_text(doc: Document) -> str:
    out: list[str] = []
    if doc.draft:
        out += [f"*** {DRAFT} ***", ""]
    for part in doc.parts:
        if part.kind == "heading":
            text = literal(part.text)
            rule = "=" if part.level == 1 else "-"
            out += ["", text, rule * min(len(text), 78)] if part.level < 3 else ["", text]
        elif part.kind == "para":
            out += [literal(part.text), ""]
        elif part.kind == "fields":
            width = min(max(len(label) for label, _ in part.rows), 28)
            for label, value in part.rows:
                out.append(f"{literal(label).ljust(width)}  {_indent(value, width + 2)}")
            out.append("")
        else:
            for row in part.rows:
                out.append(f"- {literal(row[0])}")
                for name, value in zip(part.header[1:], row[1:]):
                    if value:
                        out.append(f"    {name}: {_indent(value, 6 + len(name))}")
            out.append("")
    if doc.draft:
        out += ["", f"*** {DRAFT} ***"]
    return "\n".join(out).rstrip() + "\n"


def _indent(value: str, by: int) -> str:
    return literal(value).replace("\n", "\n" + " " * by)


# -- Markdown -----------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md_escape(value: str) -> str:
    """User text that Markdown shows as it is: every special character escaped, < > & as
    entities (no HTML passes through), lines kept within a table cell."""
    text = literal(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("\t", " ").replace("\n", "<br>")


def to_markdown(doc: Document) -> str:
    out: list[str] = []
    if doc.draft:
        out += [f"**{DRAFT}**", ""]
    for part in doc.parts:
        if part.kind == "heading":
            out += ["#" * min(part.level, 6) + " " + md_escape(part.text), ""]
        elif part.kind == "para":
            out += [md_escape(part.text), ""]
        elif part.kind == "fields":
            out += ["| | |", "|---|---|"]
            out += [f"| **{md_escape(label)}** | {md_escape(value)} |"
                    for label, value in part.rows]
            out.append("")
        else:
            out.append("| " + " | ".join(md_escape(h) for h in part.header) + " |")
            out.append("|" + "---|" * len(part.header))
            out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in part.rows]
            out.append("")
    if doc.draft:
        out += [f"**{DRAFT}**"]
    return "\n".join(out).rstrip() + "\n"


# -- HTML ---------------------------------------------------------------------------------------
_CSS = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10.5pt; color: #000;
       max-width: 178mm; margin: 0 auto; }
h1 { font-size: 17pt; } h2 { font-size: 13.5pt; border-bottom: 1px solid #444;
     page-break-after: avoid; break-after: avoid; } h3, h4 { font-size: 11.5pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; }
th, td { border: 1px solid #888; padding: 3pt 5pt; vertical-align: top; text-align: left;
         white-space: pre-wrap; overflow-wrap: anywhere; }
th { background: #eee; } table.fields th { width: 32%; }
tr { page-break-inside: avoid; break-inside: avoid; }
.draft-head { position: fixed; top: 0; left: 0; right: 0; text-align: center;
              font-weight: bold; letter-spacing: 2pt; border: 2px solid #000; }
.draft-mark { position: fixed; top: 45%; left: 0; right: 0; text-align: center;
              font-size: 90pt; color: rgba(0, 0, 0, 0.08); transform: rotate(-30deg);
              z-index: -1; }
@media screen { .draft-head { position: sticky; background: #fff; } }
"""


def _h(value: str) -> str:
    return html.escape(literal(value), quote=True)


def to_html(doc: Document) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
           f"<title>{_h(doc.title)}{' (DRAFT)' if doc.draft else ''}</title>",
           f"<style>{_CSS}</style>", "</head>", "<body>"]
    if doc.draft:
        out.append(f'<div class="draft-head">{DRAFT}</div>')
        out.append('<div class="draft-mark" aria-hidden="true">DRAFT</div>')
    for part in doc.parts:
        if part.kind == "heading":
            level = min(part.level, 6)
            out.append(f"<h{level}>{_h(part.text)}</h{level}>")
        elif part.kind == "para":
            out.append(f"<p>{_h(part.text)}</p>")
        elif part.kind == "fields":
            out.append('<table class="fields">')
            out += [f"<tr><th scope=\"row\">{_h(label)}</th><td>{_h(value)}</td></tr>"
                    for label, value in part.rows]
            out.append("</table>")
        else:
            out.append("<table><thead><tr>" + "".join(
                f'<th scope="col">{_h(h)}</th>' for h in part.header) + "</tr></thead><tbody>")
            out += ["<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>"
                    for row in part.rows]
            out.append("</tbody></table>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# -- DOCX ---------------------------------------------------------------------------------------
def to_docx(doc: Document) -> bytes:
    """A Word document (python-docx): headings, tables, DRAFT in every page's header."""
    import io

    from docx import Document as Docx
    from docx.shared import Mm, Pt

    word = Docx()
    page = word.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(page, side, Mm(18))
    word.core_properties.title = literal(doc.title)
    if doc.draft:
        head = page.header.paragraphs[0]
        run = head.add_run(DRAFT.upper())
        run.bold, run.font.size = True, Pt(14)
    for part in doc.parts:
        if part.kind == "heading":
            word.add_heading(literal(part.text), level=min(part.level - 1, 4) if part.level > 1
                             else 0)
        elif part.kind == "para":
            word.add_paragraph(literal(part.text))
        elif part.kind == "fields":
            table = word.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for label, value in part.rows:
                cells = table.add_row().cells
                cells[0].paragraphs[0].add_run(literal(label)).bold = True
                cells[1].text = literal(value)
        else:
            table = word.add_table(rows=1, cols=len(part.header))
            table.style = "Table Grid"
            for cell, name in zip(table.rows[0].cells, part.header):
                cell.paragraphs[0].add_run(literal(name)).bold = True
            for row in part.rows:
                for cell, value in zip(table.add_row().cells, row):
                    cell.text = literal(value)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def render(doc: Document, fmt: str) -> str | bytes:
    return {"text": to_text, "md": to_markdown, "html": to_html, "docx": to_docx}[fmt](doc)


def write_document(doc: Document, fmt: str, path) -> None:
    """Write the document to `path`, readable by its owner only (0600), whole or not at all
    (safe.Staged: a document open in Word is not half replaced)."""
    from pathlib import Path

    from .safe import Staged, open_private

    content = render(doc, fmt)
    with Staged(Path(path)) as staged:
        if isinstance(content, bytes):
            with open_private(staged.path, binary=True) as handle:
                handle.write(content)
        else:
            with open_private(staged.path, newline="") as handle:
                handle.write(content)
        staged.place([staged.path])
