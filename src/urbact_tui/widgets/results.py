"""The result list: one line per hit, its kind, and the matched characters highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from .search_input import KIND_LABELS

if TYPE_CHECKING:  # the search engine (numpy) loads in the opening worker, not before the first frame
    from ..directory.search import Hit

KIND_STYLES = {
    "city": "$success",
    "contact": "$accent",
    "network": "$warning",
    "meeting": "$secondary",
    "document": "$primary",
}
MATCH_STYLE = "bold underline $text-accent"
BADGE_WIDTH = 9


def hit_prompt(hit: Hit) -> Content:
    """`Contact  Martin Neubert — Project Coordinator`, matched characters highlighted."""
    label = KIND_LABELS.get(hit.kind, hit.kind).ljust(BADGE_WIDTH)
    badge = Content.styled(label, KIND_STYLES.get(hit.kind, ""))
    title = _highlight(Content(hit.title), hit.title_spans)
    parts = [badge, title]
    if hit.subtitle:
        subtitle = _highlight(Content.styled(hit.subtitle, "$text-muted"), hit.subtitle_spans)
        parts += [Content.styled(" — ", "$text-muted"), subtitle]
    return Content.assemble(*parts)


def _highlight(content: Content, spans: list[tuple[int, int]]) -> Content:
    for start, end in spans:
        content = content.stylize(MATCH_STYLE, start, end)
    return content


def option_id(kind: str, item_id: str) -> str:
    return f"{kind}:{item_id}"


def parse_option_id(value: str) -> tuple[str, str]:
    """(kind, id) from `kind:id`, or `kind:id~2` for a record listed twice in one pane."""
    kind, _, item_id = value.split("~")[0].partition(":")
    return kind, item_id


class ResultList(OptionList):
    """Search results.  Never takes focus: the cursor stays in the search field (fzf)."""

    can_focus = False

    DEFAULT_CSS = """
    ResultList {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hits: list[Hit] = []

    def show_hits(self, hits: list[Hit], empty_message: str, highlight: bool = True) -> None:
        """Replace the list; highlight the first hit (which shows it in the detail pane)."""
        self.hits = hits
        self.clear_options()
        if hits:
            self.add_options(Option(hit_prompt(h), id=option_id(h.kind, h.id)) for h in hits)
            if highlight:
                self.highlighted = 0
        else:
            self.add_option(Option(Content.styled(empty_message, "$text-muted"), disabled=True))

    def show_message(self, message: str) -> None:
        """A status line in place of results (opening the directory, building it)."""
        self.hits = []
        self.clear_options()
        self.add_option(Option(Content.styled(message, "$text-muted"), disabled=True))

    @property
    def highlighted_hit(self) -> Hit | None:
        if self.highlighted is None or not self.hits or self.highlighted >= len(self.hits):
            return None
        return self.hits[self.highlighted]
