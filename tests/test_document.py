"""The audit as a document (audit-tui show, the review's p): every answer, evidence and
rationale of a full audit, checked against the database, in text, Markdown, HTML (parsed) and
DOCX (read back with python-docx); DRAFT on a draft; --pseudonymise leaves out every
identifying value; user text is never interpreted; files are 0600."""

from __future__ import annotations

import os
import stat
from html.parser import HTMLParser

import docx
import pytest

from audit_tui.cli import main
from audit_tui.db import conversation, store
from audit_tui.db.engine import session_scope
from audit_tui.db.state import load_state
from audit_tui.reports.document import build_document
from audit_tui.reports.document_render import md_escape, render, write_document
from audit_tui.templates.words import answer_words

from .test_reports_data import fill, mini  # noqa: F401

NASTY = "<script>alert(1)</script> **bold** [x](javascript:alert(1)) \x1b[31mred"


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def html_text(html: str) -> tuple[str, list]:
    parser = Collect()
    parser.feed(html)
    return "\n".join(parser.text), parser.tags


def docx_text(path) -> tuple[str, str]:
    word = docx.Document(str(path))
    body = [p.text for p in word.paragraphs]
    body += [c.text for t in word.tables for r in t.rows for c in r.cells]
    header = "\n".join(p.text for s in word.sections for p in s.header.paragraphs)
    return "\n".join(body), header


@pytest.fixture
def full(engine, mini):
    """CH-1 of the reports' data, with a reflection, a parent's feedback and an evidence note."""
    ids = fill(engine, mini)
    audit_id = ids["CH-1"]
    with session_scope(engine) as s:
        conversation.record_worker(session=s, audit_id=audit_id, who="lead", spoken_on=None,
                                   how="video", reflection="I had not seen the drift",
                                   agrees="no", disagreement="Voice is better than that",
                                   support="Time with the IRO")
        conversation.record_feedback(session=s, audit_id=audit_id, who="lead",
                                     from_whom="parent", how="call", gathered_on=None,
                                     said="Mum says visits were rushed")
    return engine, ids


def expected(engine, audit_id) -> list[str]:
    """Every answer (in words), evidence, rationale and action from the database."""
    with session_scope(engine) as s:
        audit, state = load_state(session=s, audit_id=audit_id)
        out = [audit.case_reference, audit.overall_rationale, audit.social_worker]
        for answer in store.answers_for(session=s, audit_id=audit_id):
            q = state.question(answer.question_key)
            out.append(answer_words(state.template, q, state.slot(q.key, answer.row_id)))
            if answer.evidence:
                out.append(answer.evidence)
        for result in store.section_results(session=s, audit_id=audit_id):
            out.append(result.rationale or result.na_reason)
        for action in store.actions_for(session=s, audit_id=audit_id):
            out += [action.description, action.owner]
        talk = conversation.worker_conversation(session=s, audit_id=audit_id)
        out += [talk.reflection, talk.disagreement, talk.support]
        out += [f.said for f in conversation.family_feedback(session=s, audit_id=audit_id)]
    return [v for v in out if v]


def test_the_document_holds_every_answer_and_rationale(full, tmp_path):
    engine, ids = full
    with session_scope(engine) as s:
        doc = build_document(session=s, audit_id=ids["CH-1"])
    wanted = expected(engine, ids["CH-1"])
    assert "=SUM(A1:A2) café" in wanted and "Because" in wanted and "Ok" in wanted
    text = render(doc, "text")
    shown, tags = html_text(render(doc, "html"))
    write_document(doc, "docx", tmp_path / "a.docx")
    body, header = docx_text(tmp_path / "a.docx")
    for value in wanted:
        assert value in text and value in shown and value in body, value
    assert "Mini audit" in shown or "mini" in shown  # the template, with its version
    assert "version 1" in text and "version 1" in body
    assert ("h2", {}) in tags and any(t == "table" for t, _ in tags)
    assert "DRAFT" not in header and "DRAFT" not in text
    assert any(s.style.name.startswith("Heading") for s in docx.Document(
        str(tmp_path / "a.docx")).paragraphs)


def test_a_draft_is_marked_on_every_page(full, tmp_path):
    engine, ids = full
    with session_scope(engine) as s:
        doc = build_document(session=s, audit_id=ids["DRAFT"])
    html = render(doc, "html")
    assert "@page { size: A4" in html
    _, tags = html_text(html)
    assert ("div", {"class": "draft-head"}) in tags  # position: fixed: on each printed page
    assert ".draft-head { position: fixed" in html
    write_document(doc, "docx", tmp_path / "d.docx")
    assert "DRAFT" in docx_text(tmp_path / "d.docx")[1]
    text = render(doc, "text")
    assert text.startswith("*** DRAFT") and text.rstrip().endswith("***")
    assert render(doc, "md").startswith("**DRAFT")


def test_pseudonymised_holds_no_identifying_value(full, tmp_path):
    engine, ids = full
    with session_scope(engine) as s:
        doc = build_document(session=s, audit_id=ids["CH-1"], pseudonymise=True)
    write_document(doc, "docx", tmp_path / "p.docx")
    outputs = [render(doc, "text"), render(doc, "md"), html_text(render(doc, "html"))[0],
               "\n".join(docx_text(tmp_path / "p.docx"))]
    identifying = ["CH-1", "Sam Worker", "Ann", "I had not seen the drift",
                   "Voice is better than that", "Time with the IRO",
                   "Mum says visits were rushed", "=SUM(A1:A2)", "Because", "Update the plan",
                   "lead"]
    for out in outputs:
        for value in identifying:
            assert value not in out, value
        assert "free text left out" in out


def test_user_text_is_never_interpreted(full, tmp_path):
    engine, ids = full
    with session_scope(engine) as s:
        store.reopen(session=s, audit_id=ids["CH-1"], who="t", reason="typo")
        store.set_overall(session=s, audit_id=ids["CH-1"], who="t", rationale=NASTY)
        doc = build_document(session=s, audit_id=ids["CH-1"])
    html = render(doc, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    shown, tags = html_text(html)
    assert not any(t == "script" or t == "a" for t, _ in tags)
    assert "<script>alert(1)</script>" in shown  # shown as typed
    for fmt in ("text", "md", "html"):
        assert "\x1b" not in render(doc, fmt)
    md = render(doc, "md")
    assert md_escape(NASTY) in md and "](javascript" not in md and "<script>" not in md
    write_document(doc, "docx", tmp_path / "n.docx")
    assert "<script>alert(1)</script>" in docx_text(tmp_path / "n.docx")[0]


def test_show_on_the_command_line(full, db_target, tmp_path, capsys):
    engine, ids = full
    url = db_target.url if db_target.path is None else str(db_target.path)
    with session_scope(engine) as s:
        from audit_tui.db.state import template_for

        template = template_for(session=s, audit=store.get_audit(session=s,
                                                                  audit_id=ids["CH-2"]))
        store.create_audit(session=s, template=template, case_reference="CH-2",
                           audit_date=store.get_audit(session=s,
                                                      audit_id=ids["CH-2"]).audit_date, who="t")
    engine.dispose()
    assert main(["--db", url, "show", "CH-2"]) == 2  # two audits: listed, none chosen
    err = capsys.readouterr().err
    assert "has 2 audits" in err and ids["CH-2"] in err
    assert main(["--db", url, "show", "NOPE-1"]) == 2
    assert "No audit has" in capsys.readouterr().err
    assert main(["--db", url, "show", ids["CH-2"], "--format", "docx"]) == 2  # needs --out
    for fmt in ("text", "html", "md", "docx"):
        out = tmp_path / f"doc.{fmt}"
        assert main(["--db", url, "show", "CH-1", "--out", str(out)]) == 0
        if os.name == "posix":
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "I had not seen the drift" in (tmp_path / "doc.md").read_text(encoding="utf-8")
    assert "I had not seen the drift" in docx_text(tmp_path / "doc.docx")[0]
    assert main(["--db", url, "show", "CH-1", "--pseudonymise"]) == 0
    assert "CH-1" not in capsys.readouterr().out


def test_a_template_with_no_overall_judgement_prints_none(engine):
    """`[overall] graded = false`: the document has no overall judgement section (and the
    audit was submitted without one)."""
    from datetime import date

    from audit_tui.db.lifecycle import submit_audit
    from audit_tui.templates.loader import parse_template_text

    from .test_reports_data import MINI

    for graded, heading in ((True, True), (False, False)):
        text = MINI.replace('key = "mini"', f'key = "mini_{str(graded).lower()}"')
        if not graded:
            text += "\n[overall]\ngraded = false\n"
        template = parse_template_text(text, "m.toml").template
        with session_scope(engine) as s:
            audit = store.create_audit(session=s, template=template, case_reference="CH-5",
                                       audit_date=date(2024, 3, 1), who="t", team="North")
            for key, grade, scale_na in (("voice", 2, False), ("plan", None, True)):
                store.save_section(session=s, audit_id=audit.id, section_key=key,
                                   criterion="x", who="t", grade=grade, rationale="R",
                                   not_applicable=scale_na, na_reason="None" if scale_na else "")
            if graded:
                store.set_overall(session=s, audit_id=audit.id, who="t", grade=2,
                                  rationale="O")
            audit_id = audit.id
        with session_scope(engine) as s:
            submit_audit(session=s, audit_id=audit_id, who="t")
        with session_scope(engine) as s:
            text = render(build_document(session=s, audit_id=audit_id), "text")
        assert ("Overall judgement" in text) is heading
