"""The history's stored "what" read in the template's words (templates/event_words.py)."""

from __future__ import annotations

from audit_tui.templates.event_words import event_words, place_words


def test_changes_are_named_by_prompt_and_title(example_template):
    t = example_template
    question = next(q for q in t.questions() if q.section)
    section = t.sections[0]
    assert event_words(t, f"answer {question.key}") == question.prompt
    assert event_words(t, f"answer {question.key} evidence") == f"{question.prompt}: evidence note"
    assert event_words(t, f"answer {question.key} [ab12cd34]") == f"{question.prompt} (row ab12cd34)"
    assert event_words(t, f"section {section.key} rationale") == f"{section.title}: rationale"
    assert event_words(t, "moderation overall") == "Moderation: Overall grade"
    assert event_words(t, f"moderation {section.key}") == f"Moderation: {section.title}"
    assert event_words(t, "audit created") == "audit created"
    assert event_words(t, "answer no_such_key") == "no_such_key"  # never a crash
    assert event_words(None, "answer x") == "answer x"


def test_a_walk_stop_is_placed_in_words(example_template):
    t = example_template
    section = t.sections[0]
    assert place_words(t, "grade", section.key) == f"{section.title}: section grade"
    assert place_words(t, "question", section.key, "Was the child seen?") == "Was the child seen?"
    assert ":" not in place_words(t, "section", section.key) or section.title.count(":")
