"""The help screen: every key, grouped by where it works (built from the bindings themselves)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = ("Type to search; ↑ ↓ choose a result; Enter opens it; Escape goes back. "
         "Everything is also in the command palette (Ctrl+P).")


class HelpScreen(ModalScreen[None]):
    """A list of every key."""

    CSS = """
    HelpScreen {
        align: center middle;
    }
    #help-body {
        width: 90;
        max-width: 100%;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #help-intro {
        color: $text-muted;
        margin-bottom: 1;
    }
    .help-title {
        margin-top: 1;
    }
    """  # app-level rules, as in app.tcss, loaded when the screen is first shown

    BINDINGS = [
        Binding("escape,f1,question_mark,q", "dismiss", "Close help", id="help-close"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__(id="help")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "Escape closes"
            yield Static(INTRO, id="help-intro")
            for title, rows in self.sections:
                table = Table.grid(padding=(0, 2))
                table.add_column(no_wrap=True, style="bold", min_width=12)
                table.add_column(ratio=1)
                for keys, description in rows:
                    table.add_row(Text(keys), Text(description))
                yield Static(Text(title, style="bold underline"), classes="help-title")
                yield Static(table, classes="help-table")

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
