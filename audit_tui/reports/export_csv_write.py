"""Writing one reader's rows of the CSV export (export_csv.py's fast path): the answers file
block by block as SQLite laid it out, and the wide file on a second thread, an audit's
answers put in their columns with dict operations."""

from __future__ import annotations

import csv
import queue
import threading

from .export_csv_sql import SEP, SEP_PAIR
from .export_layout import (
    ANSWER_COLUMNS,
    UNMODERATED,
    Layout,
    audit_columns,
    moderate,
    placed,
)


class SharedProgress:
    """A progress bar that several threads advance."""

    def __init__(self, progress, lock: threading.Lock) -> None:
        self.progress, self.lock = progress, lock

    def advance(self, n: int = 1) -> None:
        with self.lock:
            self.progress.advance(n)


def write_blocks(rows, handle, columns: list[str]) -> None:
    handle.write(",".join(columns) + "\r\n")
    write = handle.write
    for _, block in rows:
        if block:
            write(block)


def write_audits(rows, layout: Layout, handle, answers_file, progress, answers_of,
                  moderated: dict, *, headers: bool = True, hide=None) -> tuple[int, int]:
    """The answers file and the wide file, from one row per audit (see ExportSql.audits): this
    thread reads the rows (SQLite does the work, without Python's lock) and writes each
    audit's block of answer lines; another lays out the wide rows meanwhile. Returns how
    many audits and answers."""
    if headers:
        answers_file.write(",".join(ANSWER_COLUMNS) + "\r\n")
    write_answers = answers_file.write
    todo: queue.Queue = queue.Queue(maxsize=64)
    failed: list[BaseException] = []
    counts = [0, 0]
    wide = threading.Thread(target=_write_wide, name="csv-export-wide", daemon=True,
                            args=(todo, layout, handle, counts, progress, failed, headers,
                                  moderated, hide))
    wide.start()
    batch: list = []
    try:
        for row in rows:
            if row[16]:
                write_answers(row[16])
                if row[14].count(SEP) != row[15].count(SEP):  # a separator in an answer
                    pairs = answers_of(row[0])
                    row = (*row[:14], [p[0] for p in pairs], [p[1] for p in pairs])
            batch.append(row[:16])
            if len(batch) == 256:
                if failed:
                    break
                todo.put(batch)
                batch = []
    finally:
        todo.put(batch)
        todo.put(None)
        wide.join()
    if failed:
        raise failed[0]
    return counts[0], counts[1]


def _write_wide(todo: queue.Queue, layout: Layout, handle, counts: list, progress,
                failed: list, headers: bool, moderated: dict, hide) -> None:
    """The wide file, from batches of rows (until None). An audit's answers are put in
    their columns by dict operations (C speed), not one by one: a fresh copy of the row's
    empty question columns is updated with the audit's keys and values; an audit whose keys
    repeat (a repeating group's rows) or are no longer in the layout takes the slow path.
    A moderated audit (one dict look-up an audit in `moderated`) gets the moderator's grades
    and its moderation cells."""
    try:
        wide = csv.writer(handle, lineterminator="\r\n")
        if headers:
            wide.writerow(audit_columns(layout, True))
        empty_sections = dict.fromkeys(layout.sections, "")
        empty_questions = dict.fromkeys(layout.questions, "")
        width = len(empty_questions)
        count = answers = 0
        while (batch := todo.get()) is not None:
            for row in batch:
                grades = empty_sections
                if row[13]:
                    grades = empty_sections.copy()
                    for pair in row[13].split(SEP):
                        key, _, grade = pair.partition(SEP_PAIR)
                        if key in grades:
                            grades[key] = grade
                values = empty_questions
                keys, found = row[14], row[15]
                if keys:
                    if isinstance(keys, str):
                        keys, found = keys.split(SEP), found.split(SEP)
                    answers += len(keys)
                    values = empty_questions.copy()
                    values.update(zip(keys, found))
                    if len(values) != width or len(set(keys)) != len(keys):
                        values = placed(empty_questions, keys, found)
                audit, cells = row[:13], UNMODERATED
                if moderated and (m := moderated.get(row[0])) is not None:
                    audit, grades, cells = moderate(audit, grades, m)
                if hide is not None:  # (the real id: for the moderation, above)
                    audit = [hide(audit[0], "A"), *audit[1:]]
                wide.writerow([*audit, *grades.values(), *cells, *values.values()])
            count += len(batch)
            if progress is not None:
                progress.advance(len(batch))
        counts[:] = count, answers
    except BaseException as exc:  # reported by the thread that reads the rows
        failed.append(exc)
        while todo.get() is not None:  # let that thread finish putting
            pass
