"""The SQL that lays out the CSV export's cells in SQLite (export_csv.py's fast path): a text
cell neutralised where it could start a formula and quoted as csv.writer would quote it, a
number as SQLite writes it, pseudonyms where asked, and each file's query for one selection
(ExportSql)."""

from __future__ import annotations

from .export_layout import Selection


SEP = "\x1e"  # between the keys and between the values of one audit's answers
SEP_PAIR = "\x1f"  # between a section's key and its grade
# =, +, -, @, tab, CR as code points: unicode() is cheaper than substr() in the inner loop
FORMULA_CODES = "(61, 43, 45, 64, 9, 13)"
CRLF = "'\r\n'"  # (a literal: no function call a line)


def neutral(expr: str) -> str:
    """SQL for the text `expr` with a leading =, +, -, @, tab or CR neutralised."""
    return (f"CASE WHEN unicode({expr}) IN {FORMULA_CODES} THEN '''' || {expr} "
            f"ELSE {expr} END")


def safe(expr: str) -> str:
    """SQL for `expr` neutralised when it is a text (numbers are left as they are)."""
    return (f"CASE WHEN typeof({expr}) = 'text' AND unicode({expr}) IN {FORMULA_CODES} "
            f"THEN '''' || {expr} ELSE {expr} END")


def cell(expr: str) -> str:
    """SQL for a text as one CSV cell, as csv.writer (QUOTE_MINIMAL) writes it: neutralised,
    and in double quotes (inner ones doubled) when it holds a comma, a double quote, CR or
    LF (a leading apostrophe never decides that, so the test looks at the text itself)."""
    return (f"CASE WHEN {expr} GLOB '*[\",\r\n]*' THEN "
            f"'\"' || replace({neutral(expr)}, '\"', '\"\"') || '\"' ELSE {neutral(expr)} END")


def note_cell(expr: str) -> str:
    """`cell` for a text that is mostly empty (evidence notes)."""
    return f"CASE WHEN {expr} = '' THEN '' ELSE {cell(expr)} END"


def number(expr: str) -> str:
    """A REAL for a cell: whole numbers as integers, others as the shorter of '%.15g' and
    '%.17g' that reads back exactly; NULL stays NULL. (SQLite's printf gives at most 16
    significant digits unless asked with '!': '%.17g' alone would write 0.1 + 0.2 as 0.3.)"""
    return (f"CASE WHEN {expr} IS NULL THEN NULL "
            f"WHEN {expr} = CAST({expr} AS INTEGER) THEN CAST({expr} AS INTEGER) "
            f"WHEN CAST(printf('%.15g', {expr}) AS REAL) = {expr} THEN printf('%.15g', {expr}) "
            f"ELSE printf('%!.17g', {expr}) END")


def value_sql(hide: bool, text_cell) -> str:
    """An answer's value (NULL when not applicable): grades and whole numbers as integers,
    several choices joined with '; ', free text left out when pseudonymising. `text_cell`
    makes a text expression into what the caller needs (neutralised, perhaps quoted)."""
    text = "NULL" if hide else text_cell("n.text")
    return ("CASE WHEN n.not_applicable THEN NULL "
            "WHEN n.grade IS NOT NULL THEN n.grade "
            f"WHEN n.number_value IS NOT NULL THEN {number('n.number_value')} "
            "WHEN n.date_value IS NOT NULL THEN n.date_value "
            "WHEN n.choice = 'yes' OR n.choice = 'no' THEN n.choice "  # (most: nothing to do)
            f"WHEN n.choice IS NOT NULL THEN {text_cell('n.choice')} "
            f"WHEN n.choices IS NOT NULL THEN (SELECT {text_cell('j')} FROM "
            "(SELECT group_concat(value, '; ') AS j FROM json_each(n.choices))) "
            f"ELSE {text} END")


class ExportSql:
    """The export's queries, for one selection, with or without pseudonyms."""

    def __init__(self, selection: Selection, hide: bool) -> None:
        self.sel, self.hide = selection, hide

    def name(self, expr: str, kind: str = "P") -> str:
        return f"pseudo({expr}, '{kind}')" if self.hide else expr

    def text(self, expr: str) -> str:
        return "''" if self.hide else expr

    @property
    def case(self) -> str:
        return safe(self.name("a.case_reference", "C"))

    def lead(self) -> str:
        """The CTE `p`: the exported audits (the filters apply here), each with the start of
        its lines in the long files: its id and its case reference as a cell, made once an
        audit rather than once a line."""
        # a pseudonym (C-1f3a...) needs neither quotes nor neutralising
        case = self.name("a.case_reference", "C") if self.hide else \
            note_cell("a.case_reference")
        sel = self.sel
        return (f"WITH p AS MATERIALIZED (SELECT f.audit_id AS id, "
                f"{self.name('f.audit_id', 'A')} || ',' || {case} "
                f"|| ',' AS lead FROM fact_audit f JOIN audit a ON a.id = f.audit_id"
                f"{sel.status} WHERE {sel.clause}) ")

    def blocks(self, line: str, table: str, alias: str) -> str:
        """One row per exported audit: its id and its lines (`line` for each of its rows in
        `table`). CROSS JOIN keeps the tables in this order: the audits in id order, then
        each one's rows from the index that starts with the audit id, so nothing is
        sorted."""
        return (f"{self.lead()}SELECT f.audit_id, group_concat({line}, '') FROM fact_audit f "
                f"CROSS JOIN p ON p.id = f.audit_id "
                f"CROSS JOIN {table} {alias} ON {alias}.audit_id = f.audit_id "
                "GROUP BY f.audit_id ORDER BY f.audit_id")

    def answer_line(self) -> str:
        """An answer's line in the answers file (CSV text, CRLF at the end)."""
        value = value_sql(self.hide, cell)
        evidence = "NULL" if self.hide else note_cell("n.evidence")
        # most answers are in no repeating group, applicable and without an evidence note:
        # their line is put together without printf
        plain = "n.row_id = '' AND NOT n.not_applicable" + (
            "" if self.hide else " AND n.evidence = ''")
        return (f"CASE WHEN {plain} THEN p.lead || n.question_key || ',,,' || "
                f"ifnull({value}, '') || ',,' || {CRLF} "
                f"ELSE printf('%s%s,%s,%s,%s,%s,%s' || {CRLF}, p.lead, n.question_key, "
                "CASE WHEN n.row_id = '' THEN NULL ELSE "
                "(SELECT r.position FROM repeat_row r WHERE r.id = n.row_id) END, "
                f"{self.name('n.row_id', 'R')}, "
                f"{value}, CASE WHEN n.not_applicable THEN 'yes' ELSE '' END, {evidence}) END")

    def indicator_blocks(self) -> str:
        line = (f"printf('%s%s,%s,%s,%s,%s,%s,%s,%s' || {CRLF}, p.lead, i.indicator_key, "
                f"{self.name('i.row_id', 'R')}, {note_cell('i.label')}, {note_cell('i.unit')}, "
                f"{number('i.limit_value')}, "
                f"{number('i.amount')}, CASE i.met WHEN 1 THEN 'yes' WHEN 0 THEN 'no' "
                "ELSE '' END, CASE WHEN i.open_ended THEN 'yes' ELSE '' END)")
        return self.blocks(line, "indicator_result", "i")

    def actions(self) -> str:
        sel = self.sel
        return (f"SELECT {self.name('x.audit_id', 'A')}, {self.case}, "
                f"{safe(self.text('x.description'))}, "
                f"{safe(self.name('x.owner'))}, x.due_date, x.status, x.completed_date, "
                "CASE WHEN x.status = 'open' AND x.due_date < :today THEN 'yes' ELSE '' END, "
                f"{safe(self.text('x.note'))} FROM fact_audit f "
                f"CROSS JOIN audit a ON a.id = f.audit_id{sel.status} "
                "CROSS JOIN action x ON x.audit_id = f.audit_id "
                f"WHERE {sel.clause} ORDER BY f.audit_id, x.created_at")

    def audits(self, part: str = "") -> str:
        """One row per exported audit, from one pass over its answers: its 13 audit columns,
        its section grades (key SEP_PAIR grade, SEP between), its answers' keys and values
        for the wide file (SEP between) and its block of lines for the answers file.
        `part`: "first" (ids below :middle), "second" (from :middle on) or "" (all)."""
        where = {"": "", "first": "WHERE f.audit_id < :middle ",
                 "second": "WHERE f.audit_id >= :middle "}[part]
        value = f"ifnull({value_sql(self.hide, neutral)}, '')"
        value = f"CASE WHEN n.not_applicable THEN 'n/a' ELSE {value} END"
        has = "FILTER (WHERE n.audit_id IS NOT NULL)"
        return (
            f"{self.lead()}SELECT a.id, {self.case}, a.template_key, a.template_version, "
            f"{safe('a.team')}, {safe('a.service_area')}, "
            f"{safe(self.name('a.social_worker'))}, {safe(self.name('a.auditor'))}, "
            "a.audit_date, a.status, a.submitted_at, a.overall_grade, "
            f"{safe(self.text('a.overall_rationale'))}, "
            "(SELECT group_concat(s.section_key || char(31) || CASE WHEN s.not_applicable "
            "THEN 'n/a' ELSE coalesce(s.grade, '') END, char(30)) FROM section_result s "
            "WHERE s.audit_id = f.audit_id), "
            f"group_concat(n.question_key, char(30)) {has}, "
            f"group_concat({value}, char(30)) {has}, "
            f"group_concat({self.answer_line()}, '') {has} "
            "FROM fact_audit f CROSS JOIN p ON p.id = f.audit_id "
            "CROSS JOIN audit a ON a.id = f.audit_id "
            "LEFT JOIN answer n ON n.audit_id = f.audit_id "
            f"{where}GROUP BY f.audit_id ORDER BY f.audit_id")

    def answers_of(self) -> str:
        """One audit's answer keys and wide values, row by row (the rare slow path)."""
        value = f"ifnull({value_sql(self.hide, neutral)}, '')"
        return (f"SELECT n.question_key, CASE WHEN n.not_applicable THEN 'n/a' ELSE {value} "
                "END FROM answer n WHERE n.audit_id = ? ORDER BY n.question_key, n.row_id")
