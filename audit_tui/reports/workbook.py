"""The analyst's workbook (`audit-tui export --format xlsx`): an XLSX file written here, row by
row, as the spreadsheet XML itself. Each sheet's rows go to a private temporary file as they
come (memory stays flat whatever the number of audits) and are deflated into the file at the
end. Why not a library: openpyxl's write-only mode and XlsxWriter's constant-memory mode both
spend some ten microseconds a cell building XML through layers of calls; a cell here is one
f-string (benchmarks/bench_xlsx.py measures the three; docs/performance.md has the figures).

Every sheet has a frozen header row people read (a section's title, a question's prompt,
shortened; the keys are on the Columns sheet, which labels every column of every sheet), an
autofilter over the rows and column widths from the header and the first rows. Cells are
typed the way a spreadsheet filters them: dates are dates, times are local date-times,
grades and numbers are numbers, and "n/a" never sits in a number column (a blank there; the
Sections and Answers sheets say which were not applicable). A text is always written as text,
so a value that starts with = is shown as typed and is never a formula: no apostrophe.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

from ..sheet_letters import column_letter
from .export_layout import NA

EXCEL_ROWS = 1_048_576
WIDEST, SAMPLED = 50, 200  # column width limit; rows looked at for the widths
HEADER_CHARS = 40
CELL_CHARS, CUT = 32_767, " [cut: see the CSV or JSON export]"
EPOCH = date(1899, 12, 30)  # Excel's day 0 (1900 date system)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0

NAMES = {"audit_id": "Audit id", "case_reference": "Case reference",
         "template_version": "Template version", "submitted_at": "Submitted (local time)",
         "row": "Row", "row_id": "Row id", "not_applicable": "Not applicable",
         "auditor_grade": "Auditor's grade", "auditor_overall_grade": "Auditor's overall grade",
         "auditor_section_grades": "Auditor's section grades"}
ABOUT = {
    "audit_id": "The audit's id (a keyed pseudonym in a pseudonymised export).",
    "submitted_at": "When the audit was submitted, in this computer's local time.",
    "overall_grade": "The overall grade the reports count: a moderator's where one changed it.",
    "auditor_overall_grade": "The auditor's overall grade, where a moderator changed it.",
    "sections_not_applicable": "The graded sections that did not apply (blank in their "
                               "grade columns).",
    "row": "A repeating group's row number (blank outside a group).",
    "value": "The answer: a date, a number or a grade as such, anything else as text.",
}


def header(key: str) -> str:
    return NAMES.get(key) or key.replace("_", " ").capitalize()


def short(text: str, limit: int = HEADER_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _text(value) -> str:
    """A text as the XML of a cell: &, < and > escaped, the control characters XML cannot
    hold written out as \\x1b."""
    value = value if isinstance(value, str) else str(value)
    if len(value) > CELL_CHARS:  # (Excel refuses a longer cell; the CSV and JSON hold it all)
        value = value[:CELL_CHARS - len(CUT)] + CUT
    if not value.isprintable():
        value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


class Column:
    """One column of a sheet: its key, the header people read, its kind ('text', 'number',
    'date', 'time' (stored UTC, shown local), 'auto': a number or a date where it is one,
    else text) and a line for the Columns sheet."""

    __slots__ = ("key", "header", "kind", "about")

    def __init__(self, key: str, kind: str = "text", head: str = "", about: str = "") -> None:
        self.key, self.kind = key, kind
        self.header = head or header(key)
        self.about = about or ABOUT.get(key, "")


class Cells:
    """Turns values into typed cells: Excel serial numbers for dates and local times (each
    text converted once), numbers as they are."""

    def __init__(self) -> None:
        self.days: dict[str, float | None] = {}
        self.times: dict[str, float | None] = {}

    def day(self, value) -> float | None:
        found = self.days.get(value)
        if found is None and value not in self.days:
            try:
                found = float((date.fromisoformat(value[:10]) - EPOCH).days) \
                    if len(value) == 10 else None
            except ValueError:
                found = None
            self.days[value] = found
        return found

    def time(self, value) -> float | None:
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S.%f")
        found = self.times.get(value)
        if found is None and value not in self.times:
            try:
                utc = datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
                local = utc.astimezone().replace(tzinfo=None)
                found = (local - datetime(1899, 12, 30)).total_seconds() / 86400
            except (TypeError, ValueError):
                found = None
            self.times[value] = found
        return found


STYLE_DAY, STYLE_TIME, STYLE_HEAD = 1, 2, 3
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SELECTED = ' tabSelected="1"'


class Sheet:
    """One worksheet written row by row to a private temporary file: a header row (frozen),
    an autofilter over the rows, widths from the header and the first rows; more rows than
    Excel holds go on to "Name 2", ... (the Workbook makes them)."""

    def __init__(self, book: "Workbook", name: str, columns: list[Column]) -> None:
        self.book, self.name, self.columns = book, name, columns
        self.part, self.handle, self.row = 1, None, 0
        self.done: list[tuple[str, str, list[int], int]] = []  # each part's name, file, ...
        self.kinds = [c.kind for c in columns]
        self.letters = [column_letter(i) for i in range(len(columns))]
        self._start(name)

    def _start(self, name: str) -> None:
        if self.handle is not None:
            self._finish()
        fd, path = tempfile.mkstemp(prefix=".export-", suffix=".xml", dir=self.book.folder)
        self.handle = os.fdopen(fd, "w", encoding="utf-8")
        self.handle._CHUNK_SIZE = 1 << 20  # (a megabyte at a time; harmless elsewhere)
        self.path, self.sheet_name, self.row = path, name, 1  # (row 1: the header)
        self.widths = [min(WIDEST, max(8, len(c.header) + 2)) for c in self.columns]
        self.book.temp_paths.append(path)
        self.book.columns_of.append((name, self.columns))
        self.lines: list[str] = []
        self.lines.append('<row r="1">' + "".join(
            f'<c r="{letter}1" s="{STYLE_HEAD}" t="inlineStr"><is><t>{_text(c.header)}</t>'
            "</is></c>" for letter, c in zip(self.letters, self.columns)) + "</row>")

    def add(self, values) -> None:
        if self.row >= EXCEL_ROWS:
            self.part += 1
            self._start(f"{self.name} {self.part}")
        self.row = r = self.row + 1
        rs = str(r)
        cells = self.book.cells
        kinds, letters = self.kinds, self.letters
        out = [f'<row r="{rs}">']
        sample = r <= SAMPLED
        widths = self.widths
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            kind = kinds[c]
            style = 0
            if value.__class__ is str:
                if kind == "text" or (kind == "auto" and not (len(value) == 10 and
                                                             value[4] == "-")):
                    text = value
                elif kind == "number":
                    if value == NA:
                        continue  # (n/a stays out of a number column)
                    text = value
                else:  # a date, a time, or what may be a date
                    serial = cells.time(value) if kind == "time" else cells.day(value)
                    if serial is None:
                        text = value
                    else:
                        text, value = None, serial
                        style = STYLE_TIME if kind == "time" else STYLE_DAY
            elif value.__class__ is int or value.__class__ is float:
                text = None  # a number
            else:
                text = str(value)
            if text is None:
                out.append(f'<c r="{letters[c]}{rs}" s="{style}"><v>{value!r}</v></c>'
                           if style else f'<c r="{letters[c]}{rs}"><v>{value!r}</v></c>')
            else:
                if not text.isprintable() or "&" in text or "<" in text or ">" in text or \
                        len(text) > CELL_CHARS:
                    text = _text(text)
                out.append(f'<c r="{letters[c]}{rs}" t="inlineStr"><is><t xml:space="preserve">'
                           f"{text}</t></is></c>")
            if sample:
                width = 12 if style else len(str(value)) + 2
                if width > widths[c]:
                    widths[c] = min(WIDEST, width)
        out.append("</row>")
        self.lines.append("".join(out))
        if len(self.lines) >= 512:
            self.handle.write("".join(self.lines))
            self.lines.clear()

    def _finish(self) -> None:
        self.handle.write("".join(self.lines))
        self.lines = []
        self.handle.close()
        self.last_row = max(self.row, 2)  # (an autofilter over at least one row)
        for c, kind in enumerate(self.kinds):
            if kind in ("date", "time"):
                self.widths[c] = max(self.widths[c], 19 if kind == "time" else 11)
        self.done.append((self.sheet_name, self.path, list(self.widths), self.last_row))

    def close(self) -> None:
        self._finish()

    def ref(self, finished) -> str:
        return f"A1:{self.letters[-1]}{finished[3]}"


class Workbook:
    """An XLSX workbook written to an open binary file; its sheets' rows wait in private
    temporary files in `folder` until close()."""

    def __init__(self, handle, folder: Path) -> None:
        self.handle, self.folder = handle, folder
        self.cells = Cells()
        self.columns_of: list[tuple[str, list[Column]]] = []
        self.temp_paths: list[str] = []
        self.sheets: list[Sheet] = []

    def sheet(self, name: str, columns: list[Column]) -> Sheet:
        found = Sheet(self, name, columns)
        self.sheets.append(found)
        return found

    def close(self) -> None:
        """The Columns sheet (every column of every sheet: its header, key, kind and what it
        holds), then the file, each sheet deflated into it from its temporary file."""
        try:
            for s in self.sheets:
                s.close()
            index = Sheet(self, "Columns", [Column("sheet"), Column("column"),
                                            Column("header"), Column("key"), Column("type"),
                                            Column("about")])
            kinds = {"text": "text", "number": "number", "date": "date",
                     "time": "date and time (local)", "auto": "date, number or text"}
            for name, columns in list(self.columns_of)[:-1]:
                for i, c in enumerate(columns):
                    index.add([name, column_letter(i), c.header, c.key, kinds[c.kind], c.about])
            index.close()
            self.sheets.append(index)
            self._write([(sheet, part) for sheet in self.sheets for part in sheet.done])
        finally:
            for path in self.temp_paths:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def _write(self, parts) -> None:
        with zipfile.ZipFile(self.handle, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            n = len(parts)
            z.writestr("[Content_Types].xml", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                'package.relationships+xml"/><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                'sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application'
                '/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType='
                          '"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                          'worksheet+xml"/>' for i in range(1, n + 1)) + "</Types>"))
            z.writestr("_rels/.rels", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
                f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
            names = "".join(f'<sheet name="{_text(f[0])}" sheetId="{i}" r:id="rId{i}"/>'
                            for i, (_, f) in enumerate(parts, 1))
            filters = "".join(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                f"'{_text(f[0])}'!{_absolute(sheet.ref(f))}</definedName>"
                for i, (sheet, f) in enumerate(parts))
            z.writestr("xl/workbook.xml", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{names}</sheets>'
                f"<definedNames>{filters}</definedNames></workbook>"))
            z.writestr("xl/_rels/workbook.xml.rels", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{PACKAGE_RELS}">'
                + "".join(f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" '
                          f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
                + f'<Relationship Id="rId{n + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
                "</Relationships>"))
            z.writestr("xl/styles.xml", STYLES)
            for i, (sheet, (name, path, widths, last)) in enumerate(parts, 1):
                with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                                   for c, w in enumerate(widths, 1))
                    ref = sheet.ref((name, path, widths, last))
                    part.write((
                        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
                        f'<dimension ref="{ref}"/><sheetViews>'
                        f'<sheetView workbookViewId="0"{SELECTED if i == 1 else ""}>'
                        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                        'state="frozen"/><selection pane="bottomLeft"/></sheetView>'
                        f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}'
                        "</cols><sheetData>").encode("utf-8"))
                    with open(path, "rb") as rows:
                        shutil.copyfileobj(rows, part, 1 << 20)
                    part.write(f'</sheetData><autoFilter ref="{ref}"/></worksheet>'
                               .encode("utf-8"))


def _absolute(ref: str) -> str:
    """A1:K9 -> $A$1:$K$9"""
    return ":".join("$" + re.sub(r"(\d+)", r"$\1", part) for part in ref.split(":"))
