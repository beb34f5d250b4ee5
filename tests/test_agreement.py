"""Agreement between auditors and moderators: exact agreement and linearly weighted Cohen's
kappa, against values worked out by hand, and the query and `report --by moderation`."""

from __future__ import annotations

import json
from datetime import date

import pytest

from audit_tui.db import moderation, store
from audit_tui.db.engine import read_only, session_scope
from audit_tui.reports.agreement import agreement_rows, exact_agreement, weighted_kappa


def test_exact_agreement_by_hand():
    # 3 of the 4 pairs agree exactly.
    assert exact_agreement([(1, 1), (2, 2), (2, 3), (4, 4)]) == 0.75
    assert exact_agreement([]) is None


def test_weighted_kappa_by_hand():
    # Pairs (auditor, moderator): (1,1) (2,2) (2,3) (4,4); categories 1..4, so k = 4 and the
    # linear weights are w = 1 - |i - j| / 3: 1 on the diagonal, 2/3 one grade apart, 1/3, 0.
    # po = (1 + 1 + 2/3 + 1) / 4 = 11/12.
    # Auditor shares r = (1/4, 2/4, 0, 1/4); moderator shares c = (1/4, 1/4, 1/4, 1/4).
    # pe = sum_i r_i * sum_j c_j w_ij = sum_i r_i * (1/4) * (row sum of w):
    #   row sums of w: grade 1: 1 + 2/3 + 1/3 + 0 = 2; grade 2: 2/3 + 1 + 2/3 + 1/3 = 8/3;
    #   grade 4: 2.  pe = 1/4*1/2 + 1/2*2/3 + 1/4*1/2 = 1/8 + 1/3 + 1/8 = 7/12.
    # kappa = (11/12 - 7/12) / (1 - 7/12) = (4/12) / (5/12) = 0.8.
    assert weighted_kappa([(1, 1), (2, 2), (2, 3), (4, 4)]) == pytest.approx(0.8)


def test_weighted_kappa_second_case_by_hand():
    # Pairs: (1,2) (2,1) (3,3) (4,4) on the 1..4 scale.
    # po = (2/3 + 2/3 + 1 + 1) / 4 = (10/3) / 4 = 5/6.
    # r = c = (1/4, 1/4, 1/4, 1/4), so pe = (1/16) * (sum of all w) = (1/16) * (4 + 2*3*2/3
    #   + 2*2*1/3 + 0) = (1/16) * (4 + 4 + 4/3) = (1/16) * 28/3 = 7/12.
    # kappa = (5/6 - 7/12) / (5/12) = (3/12) / (5/12) = 0.6.
    assert weighted_kappa([(1, 2), (2, 1), (3, 3), (4, 4)]) == pytest.approx(0.6)


def test_weighted_kappa_perfect_and_undefined():
    assert weighted_kappa([(1, 1), (2, 2), (4, 4)]) == pytest.approx(1.0)
    # Everyone always gave Good: pe = 1, kappa is undefined.
    assert weighted_kappa([(2, 2), (2, 2)]) is None
    assert weighted_kappa([]) is None
    # Complete disagreement at the two ends: every pair's weight is 0, so po = 0.
    # r = (1/2, 0, 0, 1/2), c = (1/2, 0, 0, 1/2); pe = 2 * (1/4 * 1) + 2 * (1/4 * 0) = 1/2;
    # kappa = (0 - 1/2) / (1/2) = -1.
    assert weighted_kappa([(1, 4), (4, 1)]) == pytest.approx(-1.0)


def _submitted(session, template, ref, auditor, sections, overall):
    audit = store.create_audit(session=session, template=template, case_reference=ref,
                               audit_date=date(2026, 10, 1), who=auditor, auditor=auditor)
    for key, (criterion, grade) in sections.items():
        store.save_section(session=session, audit_id=audit.id, section_key=key,
                           criterion=criterion, who=auditor, grade=grade, rationale="why")
    store.set_overall(session=session, audit_id=audit.id, who=auditor, grade=overall,
                      rationale="overall")
    store.submit(session=session, audit_id=audit.id, who=auditor)
    return audit.id


def test_agreement_rows_per_criterion_and_auditor(engine, example_template):
    with session_scope(engine) as s:
        a1 = _submitted(s, example_template, "CH-1", "Ann", {"voice": ("childs_voice", 1)}, 1)
        a2 = _submitted(s, example_template, "CH-2", "Ann", {"voice": ("childs_voice", 2)}, 2)
        b1 = _submitted(s, example_template, "CH-3", "Bob", {"voice": ("childs_voice", 2)}, 4)
        c1 = _submitted(s, example_template, "CH-4", "Cat", {"voice": ("childs_voice", 4)}, 4)
    with session_scope(engine) as s:
        for audit_id, voice, overall in ((a1, None, None), (a2, 3, None), (b1, 1, None),
                                         (c1, None, None)):
            moderation.record(session=s, audit_id=audit_id, section_key="voice", who="Mo",
                              grade=voice, comment="" if voice is None else "differs")
            moderation.record(session=s, audit_id=audit_id, section_key="", who="Mo",
                              grade=overall)
    with read_only(engine).connect() as conn:
        tables = agreement_rows(conn)
    crit = {r.key: r for r in tables["criterion"]}
    # Overall: (1,1) (2,2) (4,4) (4,4): all agree.
    assert crit[""].label == "Overall grade" and crit[""].pairs == 4
    assert crit[""].exact == 1.0 and crit[""].kappa == pytest.approx(1.0)
    # Voice: (1,1) (2,3) (2,1) (4,4): exact 2/4. k = 4, w = 1 - |i-j|/3.
    # po = (1 + 2/3 + 2/3 + 1)/4 = 5/6. r = (1/4, 1/2, 0, 1/4); c = (1/2, 0, 1/4, 1/4).
    # c.w row sums: grade 1: 1/2*1 + 0 + 1/4*1/3 + 1/4*0 = 7/12;
    #               grade 2: 1/2*2/3 + 0 + 1/4*2/3 + 1/4*1/3 = 1/3 + 1/6 + 1/12 = 7/12;
    #               grade 4: 1/2*0 + 0 + 1/4*2/3 + 1/4*1 = 5/12.
    # pe = 1/4*7/12 + 1/2*7/12 + 1/4*5/12 = 7/48 + 14/48 + 5/48 = 26/48 = 13/24.
    # kappa = (5/6 - 13/24) / (1 - 13/24) = (20/24 - 13/24) / (11/24) = 7/11.
    assert crit["childs_voice"].pairs == 4 and crit["childs_voice"].exact == 0.5
    assert crit["childs_voice"].label == "The child's voice and lived experience"  # not the key
    assert crit["childs_voice"].kappa == pytest.approx(7 / 11)
    by_auditor = {r.key: r for r in tables["auditor"]}
    # Ann: (1,1) (1,1) (2,3) (2,2): 3 of 4 exact.
    assert by_auditor["Ann"].pairs == 4 and by_auditor["Ann"].exact == 0.75
    assert by_auditor["Bob"].pairs == 2 and by_auditor["Bob"].exact == 0.5
    assert by_auditor["Cat"].exact == 1.0


def test_report_by_moderation_cli(engine, db_target, example_template, capsys):
    from audit_tui.cli import main

    with session_scope(engine) as s:
        a1 = _submitted(s, example_template, "CH-1", "Ann", {"voice": ("childs_voice", 2)}, 2)
        moderation.record(session=s, audit_id=a1, section_key="", who="Mo", grade=3,
                          comment="plan drift missed")
    db = str(db_target.path or db_target.url)
    assert main(["--db", db, "report", "--by", "moderation"]) == 0
    out = capsys.readouterr().out
    assert "Overall grade" in out and "Ann" in out and "0%" in out
    assert main(["--db", db, "report", "--by", "moderation", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["criterion"][0]["pairs"] == 1 and doc["criterion"][0]["exact"] == 0.0
