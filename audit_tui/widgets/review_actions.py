"""The audit's actions: each with its description (wrapped, never cut off), owner and due date,
and the editing of them (dialogs, a question before removing, saves through `app.save`).

The screen owns the keys and calls `add()`, `edit()` and `remove()`; selecting an action (enter
or click) edits it. After each save (`Saved` with key `SAVE_KEY`) the screen calls `reload()`.
`Shown` is posted whenever the list changes, for the screen's tab label and keys.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..dates import format_date
from ..db.models import Action
from ..dialogs.action_edit import ActionDraft, ActionEditDialog
from ..literal import literal, literal_text

SAVE_KEY = "review.action"


def action_text(action: Action, today: date | None = None) -> Text:
    text = Text(action.description)
    text.append("\n  Owner: ", style="dim")
    text.append(action.owner or "not named yet", style="" if action.owner else "dim italic")
    text.append("   Due: ", style="dim")
    if action.due_date is None:
        text.append("no date", style="dim italic")
    else:
        overdue = today is not None and action.due_date < today and action.status == "open"
        text.append(format_date(action.due_date), style="bold red" if overdue else "")
    return literal_text(text)


class ActionsPanel(Vertical):
    DEFAULT_CSS = """
    ActionsPanel { height: 1fr; padding: 0 1; }
    ActionsPanel #actions-help { color: $text-muted; height: auto; }
    ActionsPanel #actions-list { height: auto; max-height: 1fr; }
    """

    class Shown(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class Loaded(Message):
        def __init__(self, actions: list[Action]) -> None:
            super().__init__()
            self.actions = actions

    def __init__(self, audit_id: str, today: date | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.audit_id, self.today = audit_id, today
        self.actions: list[Action] = []
        self.read_only = True

    def compose(self) -> ComposeResult:
        yield Static("", id="actions-help")
        yield OptionList(id="actions-list")

    # -- showing ------------------------------------------------------------------------------
    def show(self, actions: list[Action], read_only: bool) -> None:
        options = self.query_one("#actions-list", OptionList)
        keep = self.highlighted()
        self.actions, self.read_only = list(actions), read_only
        today = self.today or date.today()
        options.clear_options()
        options.add_options(Option(action_text(a, today), id=a.id) for a in self.actions)
        options.display = bool(self.actions)
        ids = [a.id for a in self.actions]
        if ids:
            options.highlighted = ids.index(keep.id) if keep is not None and keep.id in ids else 0
        if read_only:
            help_text = "The audit is submitted, so its actions are read-only."
        elif self.actions:
            help_text = "a: add an action   e or enter: edit   x or delete: remove"
        else:
            help_text = ("No actions yet. Press  a  to add one: what must happen, who will do "
                         "it, and by when.")
        self.query_one("#actions-help", Static).update(help_text)
        self.post_message(self.Shown(len(self.actions)))

    def highlighted(self) -> Action | None:
        index = self.query_one("#actions-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.actions):
            return None
        return self.actions[index]

    def focus_list(self) -> None:
        self.query_one("#actions-list", OptionList).focus()

    @work(thread=True, exclusive=True, group="review-actions")
    def reload(self) -> None:
        from ..db import store

        try:
            with self.app.services.session() as session:
                actions = store.actions_for(session=session, audit_id=self.audit_id)
        except Exception:  # the app has already said the save failed; keep what is shown
            return
        self.post_message(self.Loaded(actions))

    def on_actions_panel_loaded(self, message: Loaded) -> None:
        message.stop()
        self.show(message.actions, self.read_only)

    # -- editing ------------------------------------------------------------------------------
    def add(self) -> None:
        if self.read_only:
            return

        def done(draft: ActionDraft | None) -> None:
            if draft is not None:
                self.save("add", draft)

        self.app.push_screen(ActionEditDialog(today=self.today), done)

    @on(OptionList.OptionSelected, "#actions-list")
    def edit(self, event: OptionList.OptionSelected | None = None) -> None:
        if event is not None:
            event.stop()
        action = self.highlighted()
        if action is None or self.read_only:
            return

        def done(draft: ActionDraft | None) -> None:
            if draft is not None:
                self.save("edit", draft, action.id)

        self.app.push_screen(ActionEditDialog(
            ActionDraft(action.description, action.owner, action.due_date), today=self.today),
            done)

    def remove(self) -> None:
        action = self.highlighted()
        if action is None or self.read_only:
            return
        from ..dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.save("remove", None, action.id)

        question = f"Remove this action?\n\n{literal(action.description)}"
        self.app.push_screen(ConfirmDialog(question, yes="Remove"), answered)

    def save(self, what: str, draft: ActionDraft | None, action_id: str = "") -> None:
        from ..db import store

        audit_id, who = self.audit_id, self.app.services.user

        def change(session):
            if what == "add":
                return store.add_action(session=session, audit_id=audit_id, who=who,
                                        description=draft.description, owner=draft.owner,
                                        due_date=draft.due_date)
            if what == "edit":
                return store.update_action(session=session, action_id=action_id, who=who,
                                           description=draft.description, owner=draft.owner,
                                           due_date=draft.due_date)
            return store.remove_action(session=session, action_id=action_id, who=who)

        self.app.save(f"{what} action", change, key=SAVE_KEY)
