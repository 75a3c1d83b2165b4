"""The error screen: what is wrong with the data, where, and a way out.

Shows `DirectoryError.render()` (the same text the CLI prints: file, line,
field and a fix) and offers to rebuild the database from the directory
bundled with the app, naming the file that will be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from ..directory.errors import DirectoryError
from ..widgets.footer import KeyFooter

if TYPE_CHECKING:
    from ..app import UrbactApp


class ErrorScreen(Screen):
    """The directory could not be opened."""

    CSS = """
    #error-body {
        border: round $error;
        padding: 0 1;
        height: 1fr;
    }
    #error-message {
        color: $text-error;
        margin-bottom: 1;
    }
    #error-explanation {
        color: $text-muted;
        margin-bottom: 1;
    }
    #error-buttons {
        height: auto;
        & Button {
            margin-right: 2;
        }
    }
    """  # app-level rules, as in app.tcss, loaded when the screen is first shown

    app: UrbactApp

    BINDINGS = [
        Binding("r", "rebuild", "Rebuild from bundled data", id="error-rebuild"),
        Binding("q,escape", "quit_app", "Quit", id="error-quit"),
    ]

    def __init__(self, error: DirectoryError, db_path: Path, seed: Path) -> None:
        super().__init__(id="error")
        self.error = error
        self.db_path = db_path
        self.seed = seed

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="error-body") as body:
            body.border_title = "The directory could not be opened"
            yield Static(self.error.render(), id="error-message", markup=False)
            yield Static(self._explanation(), id="error-explanation", markup=False)
            with Horizontal(id="error-buttons"):
                yield Button("Rebuild from bundled data", id="rebuild", variant="primary")
                yield Button("Quit", id="quit")
        yield KeyFooter()

    def _explanation(self) -> str:
        text = (f"Rebuilding writes a new database to\n  {self.db_path}\n"
                f"from the directory bundled with the app\n  {self.seed}\n")
        if self.error.path is not None and Path(self.error.path) != self.db_path:
            text += ("Edits in your own directory file are not used until you fix the error "
                     "above and load it again (urbact-tui load FILE).")
        return text

    def on_mount(self) -> None:
        for button in self.query("#rebuild"):  # absent if the app is already closing
            button.focus()

    def show_error(self, error: DirectoryError) -> None:
        """A new error (e.g. the rebuild failed too)."""
        self.error = error
        self.query_one("#error-message", Static).update(error.render())
        self.query_one("#rebuild", Button).disabled = False

    def show_status(self, message: str) -> None:
        """Progress of the rebuild."""
        self.query_one("#error-message", Static).update(message)

    @on(Button.Pressed, "#rebuild")
    def action_rebuild(self) -> None:
        self.query_one("#rebuild", Button).disabled = True
        self.query_one("#error-message", Static).update(
            f"Rebuilding {self.db_path} from {self.seed.name}…")
        self.app.rebuild_from_seed()

    @on(Button.Pressed, "#quit")
    def action_quit_app(self) -> None:
        self.app.exit(return_code=2)
