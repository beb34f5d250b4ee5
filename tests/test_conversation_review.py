"""The conversation in the review: recording the worker's reflection (c) and a parent's
feedback (f), a collaborative template refusing the submit until they are there, and the
document key (p) writing a DOCX that holds them. Each step is checked in the database."""

from __future__ import annotations

import os
import stat
from datetime import date

from textual.widgets import Select, TextArea

from audit_tui.db import store
from audit_tui.templates.loader import load_template

from .test_new_audit import SMALL_TEMPLATE, make_app, target, template_dir, wait_for
from .test_review import complete_sections, in_store, open_review, row

__all__ = ["target", "template_dir"]  # fixtures used here

COLLABORATIVE = SMALL_TEMPLATE.replace('key = "small_test"', 'key = "collab_test"') + '''
[conversation]
required = true
feedback_required = true
feedback_questions = ["Did the worker listen to you?"]
guidance = "Talk the grades through with the worker."
'''


def collaborative_audit(target, template_dir) -> str:
    path = template_dir / "collab.toml"
    path.write_text(COLLABORATIVE, encoding="utf-8")
    template = load_template(path).template
    assert template.conversation.required and template.conversation.feedback_required

    def work(s):
        audit = store.create_audit(session=s, template=template, case_reference="CH-770011",
                                   audit_date=date(2026, 3, 2), who="t",
                                   social_worker="Sam Social")
        store.set_overall(session=s, audit_id=audit.id, who="t", grade=2,
                          rationale="Good work overall.")
        return audit.id
    audit_id = in_store(target, work)
    complete_sections(target, audit_id)
    return audit_id


async def test_reflection_feedback_and_the_document(target, template_dir):
    audit_id = collaborative_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot, audit_id)
        review = app.screen
        texts = [m.text for m in review.missing]
        assert texts == ["The conversation with the worker: their reflection.",
                         "Feedback from the child or family."]
        await pilot.press("ctrl+s")  # refused: nothing recorded yet
        await wait_for(pilot, lambda: review.refused)
        assert row(target, "audit", audit_id)[0]["status"] == "draft"

        await pilot.press("c")
        await wait_for(pilot, lambda: app.screen is not review)
        dialog = app.screen
        assert dialog.focused is dialog.query_one("#talk-reflection", TextArea)
        await pilot.press(*"I see the plan drifted")
        dialog.query_one("#talk-agrees", Select).value = "partly"
        await pilot.press("ctrl+s")  # refused: where the worker does not agree, why
        assert app.screen is dialog
        assert "say where and why" in str(dialog.query_one("#talk-error").render())
        dialog.query_one("#talk-disagreement", TextArea).focus()
        await pilot.press(*"Plan grade too low")
        dialog.query_one("#talk-support", TextArea).focus()
        await pilot.press(*"Supervision on PLO")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is review)
        await wait_for(pilot, lambda: review.talk is not None)
        talk = row(target, "worker_conversation", audit_id)[0]
        assert (talk["reflection"], talk["agrees"], talk["disagreement"], talk["support"],
                talk["how"], talk["recorded_by"]) == (
            "I see the plan drifted", "partly", "Plan grade too low", "Supervision on PLO",
            "in_person", "os-user")
        assert talk["spoken_on"] == date.today().isoformat()

        await pilot.press("f")
        await wait_for(pilot, lambda: app.screen is not review)
        dialog = app.screen
        await pilot.press(*"She felt heard")
        dialog.query_one("#feedback-q0", TextArea).focus()
        await pilot.press(*"Yes mostly")
        dialog.query_one("#feedback-how", Select).value = "visit"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is review)
        await wait_for(pilot, lambda: not review.missing)
        feedback = row(target, "family_feedback", audit_id)
        assert [(f["who"], f["how"], f["said"], f["answers"]) for f in feedback] == [
            ("parent", "visit", "She felt heard", '[["Did the worker listen to you?", '
                                                  '"Yes mostly"]]')]
        events = [e["what"] for e in row(target, "audit_event", audit_id)]
        assert "worker conversation recorded" in events and "family feedback recorded" in events

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: row(target, "audit", audit_id)[0]["status"]
                       == "submitted")
        folder = target.path.parent / "home" / "data" / "documents"
        await pilot.press("p")
        await wait_for(pilot, lambda: folder.exists() and any(folder.iterdir()), tries=3000)
        await wait_for(pilot, lambda: any("Written:" in str(n.message)
                                          for n in app._notifications), tries=3000)
    path = next(folder.iterdir())
    assert path.name.startswith("CH-770011-2026-03-02-") and path.suffix == ".docx"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    import docx

    word = docx.Document(str(path))
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    assert "I see the plan drifted" in cells and "Plan grade too low" in cells
    assert "She felt heard" in cells and "Yes mostly" in cells
    assert not any("DRAFT" in p.text for p in word.sections[0].header.paragraphs)


def feedback_recorded(target, audit_id) -> None:
    from audit_tui.db.conversation import record_feedback

    def work(s):
        record_feedback(session=s, audit_id=audit_id, who="t", from_whom="parent", how="call",
                        gathered_on=date(2026, 3, 1), said="The worker listened",
                        answers=[("Did the worker listen to you?", "Yes")])
        record_feedback(session=s, audit_id=audit_id, who="t", from_whom="child",
                        how="visit", gathered_on=date(2026, 3, 2), said="Too many workers")
    in_store(target, work)


def footer_keys(app) -> dict[str, object]:
    """The footer's keys as shown: action -> FooterKey."""
    from textual.widgets._footer import FooterKey

    return {key.action: key for key in app.screen.query(FooterKey)}


async def test_feedback_is_corrected_and_removed_from_the_review(target, template_dir):
    from textual.widgets import OptionList

    from audit_tui.commands import ScreenActions

    audit_id = collaborative_audit(target, template_dir)
    feedback_recorded(target, audit_id)
    ids = [f["id"] for f in sorted(row(target, "family_feedback", audit_id),
                                   key=lambda f: f["created_at"])]
    app = make_app(target, template_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot, audit_id)
        review = app.screen
        assert not review.check_action("edit_feedback", ())  # not on the Conversation tab
        await pilot.press("5")
        listed = review.query_one("#feedback-list", OptionList)
        await wait_for(pilot, lambda: listed.has_focus and listed.option_count == 2)
        # the keys: bound with ids, in the footer inside 80 columns, in the palette by name
        active = {b.binding.action: b for b in review.active_bindings.values()}
        assert active["edit_feedback"].binding.id == "review.edit_feedback"
        assert active["remove_feedback"].binding.id == "review.remove_feedback"
        shown = footer_keys(app)
        for action in ("edit_feedback", "remove_feedback", "write_document", "submit"):
            assert shown[action].region.right <= 80, action
        titles = [title for title, _, _ in ScreenActions(review)._commands()]
        assert "Edit feedback" in titles and "Remove feedback" in titles

        await pilot.press("down", "e")  # the child's feedback, corrected
        await wait_for(pilot, lambda: app.screen is not review)
        dialog = app.screen
        said = dialog.query_one("#feedback-said", TextArea)
        assert said.text == "Too many workers" and said.has_focus
        assert dialog.query_one("#feedback-who", Select).value == "child"
        await pilot.press(*" since the summer")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is review)
        await wait_for(pilot, lambda: any(f["said"] == "Too many workers since the summer"
                                          for f in row(target, "family_feedback", audit_id)))
        kept = {f["id"]: (f["who"], f["how"], f["said"])
                for f in row(target, "family_feedback", audit_id)}
        assert kept == {ids[0]: ("parent", "call", "The worker listened"),
                        ids[1]: ("child", "visit", "Too many workers since the summer")}

        await wait_for(pilot, lambda: review.feedback.get(ids[1], (None,))[0] is not None
                       and review.feedback[ids[1]][0].said.endswith("summer"))
        listed.highlighted = 0
        await pilot.press("x")  # the parent's, removed after a yes
        await wait_for(pilot, lambda: app.screen is not review)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is review)
        assert len(row(target, "family_feedback", audit_id)) == 2
        await pilot.press("x")
        await wait_for(pilot, lambda: app.screen is not review)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(row(target, "family_feedback", audit_id)) == 1)
        assert row(target, "family_feedback", audit_id)[0]["id"] == ids[1]
        events = {e["what"]: e for e in row(target, "audit_event", audit_id)}
        assert events["family feedback removed"]["old_value"] == \
            "parent by call: The worker listened"
        assert events["family feedback changed"]["new_value"] == \
            "child by visit: Too many workers since the summer"
        await wait_for(pilot, lambda: listed.option_count == 1)


async def test_the_document_key_shows_on_every_tab_of_a_draft_at_80_columns(target,
                                                                            template_dir):
    audit_id = collaborative_audit(target, template_dir)
    feedback_recorded(target, audit_id)
    app = make_app(target, template_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot, audit_id)
        review = app.screen
        for name in ("answers", "missing", "overall", "actions", "conversation"):
            review.action_show_tab(name)  # (on the overall tab the digits pick a grade)
            await wait_for(pilot, lambda: review.tab == name)
            await pilot.pause()
            shown = footer_keys(app)
            for action in ("submit", "write_document"):
                assert action in shown and shown[action].region.right <= 80, (name, action)
