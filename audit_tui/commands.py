"""Command palette: every key binding of the current screen is also a command."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenActions(Provider):
    """Offers each binding active on the screen (its description, with its key)."""

    def _commands(self):
        screen = self.screen
        seen = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            title = binding.description
            help_text = f"Key: {self.app.get_key_display(binding)}"
            if binding.tooltip:
                help_text += f". {binding.tooltip}"
            yield title, help_text, partial(active.node.run_action, binding.action)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
