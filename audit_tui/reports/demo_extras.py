"""What `audit-tui demo` adds after the synthetic audits, so a trial shows every report
filled: moderations (some agreeing, some changing a grade, so `report --by moderation` has
kappa figures), safeguarding concerns (some acknowledged), audits reopened (some submitted
again, some left as drafts) and the worker conversation and family feedback on some audits.
Made through the store's own functions (history rows, facts and counts as the app makes
them), on a sample of the submitted audits that have none yet, chosen by the seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

MODERATOR = "Morgan Reed (demo moderator)"
SHARE = {"moderated": 0.08, "concerns": 0.012, "reopened": 0.01, "conversation": 0.15}
MOST = {"moderated": 400, "concerns": 60, "reopened": 40, "conversation": 600}
CONCERNS = ("The child was left with an unassessed adult; no record of a check.",
            "Bruising noted in the record with no strategy discussion.",
            "Missing episode not followed by a return home interview.")


@dataclass
class Extras:
    moderated: int = 0
    changed: int = 0
    concerns: int = 0
    reopened: int = 0
    conversations: int = 0

    def describe(self) -> str:
        return (f"{self.moderated} audits moderated ({self.changed} grades changed), "
                f"{self.concerns} safeguarding concerns, {self.reopened} audits reopened, "
                f"{self.conversations} worker conversations recorded")


def add_extras(engine, *, seed: int = 1) -> Extras:
    from ..db import conversation, escalation, moderation
    from ..db.engine import session_scope
    from ..db.facts import record_facts_many
    from ..db.lifecycle import SubmitRefused, reopen_audit, submit_audit
    from ..db.store import StoreError

    rng = random.Random(f"demo-extras-{seed}")
    done = Extras()
    # In case-reference order (a seed numbers them alike), not by id: a helper process's ids
    # count from a random start of their own, so the same seed picks the same audits on either
    # engine however the demo's work was shared out.
    with engine.connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql(
            "SELECT a.id FROM audit a WHERE a.status = 'submitted' AND a.case_reference "
            "LIKE 'DEMO-%' AND NOT EXISTS (SELECT 1 FROM moderation m WHERE m.audit_id = a.id) "
            "AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.audit_id = a.id) "
            "ORDER BY a.case_reference, a.id")]
    picked: dict[str, list[str]] = {}
    for name in SHARE:
        count = min(MOST[name], max(1, round(len(ids) * SHARE[name]))) if ids else 0
        picked[name] = rng.sample(ids, min(count, len(ids)))
    with session_scope(engine) as s:
        for audit_id in picked["moderated"]:
            grades = moderation.auditor_grades(session=s, audit_id=audit_id)
            for key, (_, grade) in list(grades.items())[:3]:
                if grade is None:
                    continue
                other = grade if rng.random() < 0.7 else \
                    min(4, max(1, grade + rng.choice((-1, 1))))
                try:
                    with s.begin_nested():  # (a grade the section's scale lacks: agree)
                        moderation.record(session=s, audit_id=audit_id, section_key=key,
                                          who=MODERATOR, grade=other, comment="Demo: the "
                                          "evidence supports another grade.", facts=False)
                except StoreError:
                    moderation.record(session=s, audit_id=audit_id, section_key=key,
                                      who=MODERATOR, facts=False)
                    other = grade
                done.changed += other != grade
            done.moderated += 1
        # the moderated audits' facts, recorded again once, together (not once a grade)
        record_facts_many(session=s, audit_ids=picked["moderated"])
        for audit_id in picked["concerns"]:
            row = escalation.raise_concern(
                session=s, audit_id=audit_id, who="Demo auditor", what=rng.choice(CONCERNS),
                urgency=rng.choice(escalation.URGENCY_KEYS), to_whom="Duty team manager")
            if rng.random() < 0.5:
                s.flush()
                escalation.acknowledge(session=s, escalation_id=row.id, who="Duty manager")
            done.concerns += 1
        for audit_id in picked["conversation"]:
            try:
                conversation.record_worker(
                    session=s, audit_id=audit_id, who="Demo auditor", spoken_on=None,
                    how=rng.choice(("in_person", "phone", "video")),
                    reflection="Demo: I agree the plan drifted while I was covering two teams.",
                    agrees=rng.choice(("yes", "partly")),
                    disagreement="Demo: the child's voice is stronger than the grade says.",
                    support="Demo: time in supervision for the chronology.")
                if rng.random() < 0.5:
                    conversation.record_feedback(
                        session=s, audit_id=audit_id, who="Demo auditor",
                        from_whom=rng.choice(("parent", "child", "carer")), how="call",
                        gathered_on=None, said="Demo: the worker listened and came back.")
                done.conversations += 1
            except StoreError:
                continue
    for i, audit_id in enumerate(picked["reopened"]):
        with session_scope(engine) as s:
            reopen_audit(session=s, audit_id=audit_id, who="Demo auditor",
                         reason="demo: a late document changes the picture")
        done.reopened += 1
        if i % 2:
            continue  # (left reopened, as a draft)
        try:
            with session_scope(engine) as s:
                submit_audit(session=s, audit_id=audit_id, who="Demo auditor")
        except (SubmitRefused, StoreError):
            pass
    return done
