"""The one error type users see, rendered the same way by the CLI and the app.

Staff edit the directory by hand, so every problem must say where it is (file,
line, column), what it is about (kind, item id, field) and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path


@dataclass(eq=False)  # exceptions compare and hash by identity (sets of errors, logging)
class DirectoryError(Exception):
    """A problem with a directory file or database that the user can fix."""

    message: str
    path: Path | str | None = None
    line: int | None = None       # 1-based
    column: int | None = None     # 1-based
    kind: str | None = None       # singular kind name, e.g. "contact"
    item_id: str | None = None
    field: str | None = None      # dotted path inside the item, e.g. "phones[0].raw"
    hint: str | None = None
    excerpt: list[str] = dataclass_field(default_factory=list)  # the offending source line(s)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def location(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(str(self.path))
        if self.line is not None:
            parts.append(f"line {self.line}")
            if self.column is not None:
                parts.append(f"column {self.column}")
        return ", ".join(parts)

    @property
    def subject(self) -> str:
        parts = []
        if self.kind:
            parts.append(self.kind + (f" {self.item_id!r}" if self.item_id else ""))
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)

    def render(self) -> str:
        """The whole message, a few lines, no traceback."""
        head = "error"
        if self.location:
            head += f" in {self.location}"
        lines = [f"{head}:"]
        if self.subject:
            lines.append(f"  {self.subject}: {self.message}")
        else:
            lines.append(f"  {self.message}")
        lines.extend(f"  {line}" for line in self.excerpt)
        if self.hint:
            lines.append(f"  fix: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()
