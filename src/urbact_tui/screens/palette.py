"""Command palette (Ctrl+P) entries for every action, depending on what is selected.

"Copy card as vCard" appears only when a contact is selected, "Copy all
contacts" only on a city or a network; the rest are always there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..widgets.search_input import KIND_CYCLE, KIND_PLURALS

if TYPE_CHECKING:
    from ..app import UrbactApp

Command = tuple[str, Callable[[], object], str]


class DirectoryCommands(Provider):
    """The app's own commands."""

    @property
    def urbact(self) -> UrbactApp:
        return self.app  # type: ignore[return-value]

    def commands(self) -> list[Command]:
        app = self.urbact
        getter = getattr(self.screen, "selected_record", None)
        record = getter() if getter else None
        found: list[Command] = []
        if record is not None:
            name = record["title"]
            if record["kind"] == "contact":
                found += [
                    (f"Copy card as vCard: {name}", partial(app.action_copy_card, "vcard"),
                     "A vCard 3.0 that address books import"),
                    (f"Save card as .vcf file: {name}", app.action_save_vcf,
                     "For terminals without clipboard access; the file name is shown"),
                ]
            found += [
                (f"Copy card as text: {name}", partial(app.action_copy_card, "text"),
                 "Plain text to paste into an e-mail"),
                (f"Copy card as JSON: {name}", partial(app.action_copy_card, "json"),
                 "The card's fields as JSON, for scripts"),
            ]
            if record["kind"] in ("city", "network"):
                whose = "and its partner cities' " if record["kind"] == "network" else ""
                found += [
                    (f"Copy all contacts of {name} as vCards", app.action_copy_contacts,
                     f"Its {whose}contacts as one multi-card vCard that address books import at once"),
                    (f"Save all contacts of {name} as .vcf file", app.action_save_contacts,
                     "One multi-card .vcf file in the current folder (or your home folder)"),
                ]
            if record["kind"] in ("network", "meeting"):
                found.append((f"Timeline: meetings of {name}", app.action_timeline,
                              "The meeting timeline, opened at this network"))
        found += [
            ("Timeline of meetings", partial(app.action_timeline, None),
             "Every network's meetings in order, with honest partial dates"),
            ("Reload data", app.action_reload,
             "Re-read the directory; rebuilt if its YAML file changed"),
            ("Switch theme", app.action_change_theme, "Choose another colour theme"),
            ("Help: list every key", app.action_help, "The help screen (F1)"),
        ]
        for kind in KIND_CYCLE:
            label = KIND_PLURALS[kind] if kind else "all kinds"
            found.append((f"Search only {label}", partial(self._set_kind, kind),
                          "Narrow the results (or type a prefix such as c: or p:)"))
        return found

    def _set_kind(self, kind: str | None) -> None:
        self.urbact.main_screen.set_kind(kind)

    async def discover(self) -> Hits:
        for title, callback, help_text in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
