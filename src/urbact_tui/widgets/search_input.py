"""The search field: typing searches, Up/Down/PageUp/PageDown move through the results.

Like fzf, the cursor stays in the field while the selection moves; the field
only posts `Navigate` messages and the screen moves the result list.  A query
may start with a kind prefix (`c:` cities, `p:` people and offices, `n:`
networks, `m:` meetings, `d:` documents) to narrow the results.
"""

from __future__ import annotations

import re

from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input

KIND_LABELS = {
    "city": "City",
    "contact": "Contact",
    "network": "Network",
    "meeting": "Meeting",
    "document": "Document",
}
KIND_PLURALS = {
    "city": "cities",
    "contact": "contacts",
    "network": "networks",
    "meeting": "meetings",
    "document": "documents",
}
KIND_CYCLE: tuple[str | None, ...] = (None, "city", "contact", "network", "meeting", "document")

KIND_PREFIXES = {
    "c": "city", "city": "city", "cities": "city",
    "p": "contact", "contact": "contact", "contacts": "contact",
    "person": "contact", "people": "contact",
    "n": "network", "network": "network", "networks": "network",
    "m": "meeting", "meeting": "meeting", "meetings": "meeting",
    "d": "document", "doc": "document", "document": "document", "documents": "document",
    "a": "document", "article": "document", "articles": "document",
}
_PREFIX = re.compile(r"^\s*([A-Za-z]+):\s*(.*)$", re.DOTALL)


def parse_query(text: str, kind_filter: str | None = None) -> tuple[str | None, str]:
    """Split a typed query into (kind, words); a `kind:` prefix wins over the cycled filter."""
    match = _PREFIX.match(text)
    if match and match.group(1).lower() in KIND_PREFIXES:
        return KIND_PREFIXES[match.group(1).lower()], match.group(2)
    return kind_filter, text


def next_kind(kind: str | None) -> str | None:
    """The kind after `kind` in the filter cycle (all → cities → … → documents → all)."""
    position = KIND_CYCLE.index(kind) if kind in KIND_CYCLE else 0
    return KIND_CYCLE[(position + 1) % len(KIND_CYCLE)]


class SearchInput(Input):
    """The search field."""

    virtual_size = Reactive(Size(0, 0), layout=False)
    """Textual's Input sets its virtual size (the text's width) on every keystroke, and
    as a layout reactive that re-lays-out the whole screen, ~10 ms a letter.  This
    field's own size never depends on its text, so a repaint is all it needs."""

    HELP = """
## Search

Type a few letters of a city, a person, a network, a meeting or an article.
Typos and accents are forgiven; every word must match.

Start with `c:` (cities), `p:` (people and offices), `n:` (networks),
`m:` (meetings) or `d:` (documents) to search one kind only.
"""

    BINDINGS = [
        Binding("down", "navigate('down')", "Next result", show=False, id="result-next"),
        Binding("up", "navigate('up')", "Previous result", show=False, id="result-previous"),
        Binding("pagedown", "navigate('page_down')", "Page of results down", show=False,
                id="result-page-down"),
        Binding("pageup", "navigate('page_up')", "Page of results up", show=False,
                id="result-page-up"),
        Binding("enter", "submit", "Open", id="open-result",
                tooltip="Open the selected result in the detail pane"),
    ]

    class Navigate(Message):
        """The user asked to move the result selection."""

        def __init__(self, direction: str) -> None:
            super().__init__()
            self.direction = direction

    async def _on_key(self, event: events.Key) -> None:
        """Run this field's own key bindings here, in the order the keys were typed.

        Textual types a letter in the field at once, but runs a bound key (Backspace,
        arrows, Ctrl+W...) only once the key has bubbled up to the app.  Keys that
        arrive together (fast typing, key repeat, a busy moment of the app) then
        apply out of order: "loule", three Backspaces and "abc" gave "louab" or
        "loula" instead of "loabc" in a real terminal.  Textual issue #6605.
        (Textual then calls Input's own `_on_key`, unless a binding ran here.)
        """
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return

    def action_navigate(self, direction: str) -> None:
        self.post_message(self.Navigate(direction))
