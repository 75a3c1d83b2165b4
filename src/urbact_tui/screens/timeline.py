"""The meeting timeline: every network's meetings in order, dates only as precise as the sources.

The pages rarely print a year.  Where a meeting's project year was inferred
from the order of the months the date reads "Sep (year 1?)"; an inferred
calendar year reads "2017?".  Enter opens the meeting's host city, `n` its
network, `m` the meeting itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.footer import KeyFooter

if TYPE_CHECKING:
    from ..app import UrbactApp

MEETING_KINDS = {"kick-off": "Kick-off", "transnational": "Transnational",
                 "final-event": "Final event", "workshop": "Workshop", "other": "Meeting"}
LEGEND = ("Meetings in order, grouped by network.  Dates are as precise as the sources: "
          "“(year 2?)” is the network's second year, inferred from the order of the months; "
          "“2017?” is an inferred year.")


def meeting_prompt(meeting: dict[str, Any]) -> Content:
    """` 3  Sep (year 2?)    Transnational   Torino`"""
    place = meeting.get("city_name") or meeting.get("place") or "place not given"
    date_style = "$text-muted" if "?" in meeting["date"] or "unknown" in meeting["date"] else ""
    return Content.assemble(
        (f"{meeting['order']:>3}  ", "$text-muted"),
        (f"{meeting['date']:<16}", date_style),
        (f"{MEETING_KINDS.get(meeting['kind'], meeting['kind']):<15}", "$text-accent"),
        place,
    )


class TimelineList(OptionList):
    """The meetings; Enter opens the highlighted meeting's city."""

    BINDINGS = [
        Binding("enter", "select", "Open city", id="timeline-open",
                tooltip="Open the meeting's host city (its network when no city is known)"),
    ]


class TimelineScreen(Screen):
    """Meetings grouped by network, in chronological order."""

    CSS = """
    #timeline-legend {
        color: $text-muted;
        padding: 0 1;
        height: auto;
        max-height: 3;
    }
    #timeline-list {
        height: 1fr;
        border: round $primary;
        & > .option-list--option-disabled {
            color: $foreground;
        }
    }
    """  # app-level rules, as in app.tcss, loaded when the screen is first shown

    app: UrbactApp

    BINDINGS = [
        Binding("escape", "close", "Back", id="timeline-back", tooltip="Back to the search"),
        Binding("n", "open('network')", "Network", id="timeline-network",
                tooltip="Open the highlighted meeting's network"),
        Binding("m", "open('meeting')", "Meeting", id="timeline-meeting",
                tooltip="Open the highlighted meeting itself"),
    ]

    def __init__(self, meetings: list[dict[str, Any]], network: str | None = None,
                 meeting: str | None = None) -> None:
        super().__init__(id="timeline")
        self.meetings = meetings
        self.start_network = network
        self.start_meeting = meeting
        self._by_option: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield Static(LEGEND, id="timeline-legend")
        yield TimelineList(*self._options(), id="timeline-list")
        yield KeyFooter()

    def _options(self) -> list[Option]:
        options: list[Option] = []
        network = object()
        for meeting in self.meetings:
            if meeting["network"] != network:
                network = meeting["network"]
                if options:
                    options.append(Option(Content(""), disabled=True))
                name = meeting["network_name"] or "No network"
                options.append(Option(Content.styled(name, "bold"), disabled=True))
            self._by_option[meeting["id"]] = meeting
            options.append(Option(meeting_prompt(meeting), id=meeting["id"]))
        if not options:
            options.append(Option("No meetings in the directory.", disabled=True))
        return options

    @property
    def timeline_list(self) -> OptionList:
        return self.query_one("#timeline-list", OptionList)

    def on_mount(self) -> None:
        self.query_one("#timeline-list").border_title = "Meeting timeline"
        target = next((m["id"] for m in self.meetings if m["id"] == self.start_meeting), None) or \
            next((m["id"] for m in self.meetings if m["network"] == self.start_network), None) or \
            next((m["id"] for m in self.meetings), None)
        if target is not None:
            self.timeline_list.highlighted = self.timeline_list.get_option_index(target)
        self.timeline_list.focus()

    @property
    def highlighted_meeting(self) -> dict[str, Any] | None:
        option = self.timeline_list.highlighted_option
        return self._by_option.get(option.id or "") if option and not option.disabled else None

    def selected_record(self) -> dict[str, Any] | None:
        meeting = self.highlighted_meeting
        return self.app.call_directory("get", "meeting", meeting["id"]) if meeting else None

    @on(OptionList.OptionSelected, "#timeline-list")
    def _selected(self) -> None:
        self.action_open("city")

    def action_open(self, what: str) -> None:
        meeting = self.highlighted_meeting
        if meeting is None:
            return
        if what == "city" and not meeting.get("city"):
            what = "network" if meeting.get("network") else "meeting"
        if what == "network" and not meeting.get("network"):
            what = "meeting"
        item_id = meeting["id"] if what == "meeting" else meeting[what]
        self.app.open_from_timeline(what, item_id)

    def action_close(self) -> None:
        self.app.pop_screen()
