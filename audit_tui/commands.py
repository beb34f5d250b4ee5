"""Command palette: every action of the current screen by name, then the app's, then Textual's
own (theme, screenshot...), each once, in that order.

One provider gives them all, so the order is fixed (Textual shows the hits of several providers
in whatever order they arrive). Textual's widget keys with no id of ours (cursor up/down in a
table) are left out: they are not things a person looks up by name.
"""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenActions(Provider):
    """Offers each binding active on the screen (its description, with its key)."""

    def _commands(self):
        screen, app = self.screen, self.app
        actions: set[str] = set()
        titles: set[str] = set()
        bound = sorted(screen.active_bindings.values(), key=lambda a: isinstance(a.node, App))
        for active in bound:
            binding = active.binding
            if (not binding.description or not binding.id or binding.action in actions
                    or not active.enabled):
                continue
            actions.add(binding.action)
            titles.add(binding.description.lower())
            help_text = f"Key: {app.get_key_display(binding)}"
            if binding.tooltip:
                help_text += f". {binding.tooltip}"
            yield binding.description, help_text, partial(active.node.run_action,
                                                          binding.action)
        for command in app.get_system_commands(screen):
            name = getattr(command.callback, "__name__", "").removeprefix("action_")
            if name in actions or command.title.lower() in titles:
                continue
            titles.add(command.title.lower())
            yield command.title, command.help, command.callback

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
