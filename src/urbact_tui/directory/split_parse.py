"""Parsing a large directory file on two cores: its longest list cut in two.

Parsing is the one step of a load that nothing else can overlap (everything
after it needs the data), and a third of a 100k-contact load.  So a large
file's longest top-level list (the contacts, in practice) is cut at an item
in its middle: a forked child parses the second half while this process
parses the rest, and the child's items come back through `marshal` (~0.1 s for
50k contacts, against ~1 s to parse them).

The cut is only made where it cannot change what the file means: at a line
that starts an item of that list, in a file without directives or document
markers.  A scalar, a bracketed list or an anchor that spans the cut makes one
of the parts fail to parse; then, as for any doubt, `loads_in_two` returns None
and the caller parses the file whole, which also reports any error exactly as
a one-part parse does.
"""

from __future__ import annotations

import marshal
import re
from typing import Any, Callable

from .forked import ChildFailed, Forked, can_fork

# Patterns start with a newline (the regex engine then skips ahead to each one; a
# ^ in MULTILINE mode is tried at every character: 1.4 s over a 38 MB file).
_KEY_LINE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:[ \t]*(?:#[^\n]*)?\n")
_TOP_LINE = re.compile(r"\n(?=---|[^\s#-])")   # a top-level line (or a document marker)
_UNSPLITTABLE = ("%", "---", "...")           # directives and document markers
_FIRST_ITEM = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ")

def loads_in_two(text: str, loads: Callable[[str], Any]) -> Any | None:
    """`loads(text)`, done as two parts in parallel, or None if the text is not cut
    (no safe cut, or this process cannot fork) or a part does not parse as it should."""
    if not can_fork():
        return None
    parts = _cut(text)
    if parts is None:
        return None
    key, head, tail, rest = parts
    try:
        child = Forked(_loads_marshalled, loads, tail)
    except OSError:
        return None
    try:
        try:
            first = loads(head)
            after = loads(rest) if rest.strip() else {}
        except Exception:  # noqa: BLE001 - the whole text is parsed again, and says what is wrong
            return None
        if not (isinstance(first, dict) and isinstance(first.get(key), list)
                and isinstance(after, dict) and not first.keys() & after.keys()):
            return None
        try:
            second = marshal.loads(child.result())
        except (ChildFailed, ValueError, EOFError, TypeError):
            return None
    finally:
        child.cancel()
    if not (isinstance(second, dict) and list(second) == [key]
            and isinstance(second[key], list)):
        return None
    first[key].extend(second[key])
    first.update(after)
    return first


def _loads_marshalled(loads: Callable[[str], Any], text: str) -> bytes:
    """In the child: the parsed part, marshalled (several times faster than pickle for
    plain data; anything marshal cannot carry fails the child, and the parent
    parses the whole text)."""
    return marshal.dumps(loads(text))


def _cut(text: str) -> tuple[str, str, str, str] | None:
    """(key, head, tail, rest): the longest top-level block list `key` cut at an item
    line near its middle.  `head` is the text up to the cut, `tail` the list's
    items from the cut on (under their key), `rest` the text after the list."""
    tops = [0] if text[:1] not in ("", " ", "\t", "\n", "\r", "#", "-") else []
    tops += [match.end() for match in _TOP_LINE.finditer(text)]
    if text.startswith(_UNSPLITTABLE) or any(text.startswith(_UNSPLITTABLE, top) for top in tops):
        return None
    best: tuple[int, int, str, int] | None = None   # (length, start, key, end)
    for number, top in enumerate(tops):
        key_line = _KEY_LINE.match(text, top)
        if key_line is None:
            continue
        start, end = key_line.end(), tops[number + 1] if number + 1 < len(tops) else len(text)
        if best is None or end - start > best[0]:
            best = (end - start, start, key_line.group(1), end)
    if best is None:
        return None
    _, start, key, end = best
    first_item = _FIRST_ITEM.match(text, start)
    if first_item is None:
        return None
    cut = text.find(f"\n{first_item.group(1)}- ", start + (end - start) // 2, end)
    if cut < first_item.end():
        return None   # not found (-1), or the first item: nothing to share out
    cut += 1          # the cut is at the start of the item's line
    return key, text[:cut], f"{key}:\n{text[cut:end]}", text[end:]
