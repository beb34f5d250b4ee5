"""A template's own guidance: how to audit with this tool, and its look-back period."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..templates.model import Template


def guidance_text(template: Template) -> str:
    """The template's guidance with its look-back period spelled out."""
    parts = [template.guidance] if template.guidance else []
    if template.lookback_months:
        period = f"Look-back period: the last {template.lookback_months} months"
        if template.judgement_months:
            period += f"; the judgement rests on the last {template.judgement_months} months"
        parts.append(period + ". A timescale that started before the period is outside it, "
                     "not missed.")
    return "\n\n".join(parts) or "This template gives no guidance of its own."


class GuidanceDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    GuidanceDialog { align: center middle; }
    GuidanceDialog > Vertical {
        width: 76; max-width: 95%; height: auto; max-height: 90%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    GuidanceDialog #guidance-title { text-style: bold; padding: 1 0 0 0; }
    GuidanceDialog VerticalScroll { height: auto; max-height: 18; }
    GuidanceDialog #guidance-text { margin: 1 0 0 0; }
    GuidanceDialog #guidance-foot { color: $text-muted; padding: 1 0; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="guidance.close")]

    def __init__(self, template: Template) -> None:
        super().__init__()
        self.template = template

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"How to audit: {self.template.title} "
                              f"(version {self.template.version})"), id="guidance-title")
            with VerticalScroll():
                yield Static(Text(guidance_text(self.template)), id="guidance-text")
            yield Static("Esc closes this.", id="guidance-foot")

    def action_close(self) -> None:
        self.dismiss(None)
