"""Parsing a large directory file in two threads: its longest list cut in two.

Parsing is the one step of a load that nothing else can overlap (everything
after it needs the data).  yaml-rs lets other threads run for much of a parse,
so a large file's longest top-level list (the contacts, in practice) is cut at
an item in its middle and a thread parses the second half while this one
parses the rest; the halves are joined as they are, nothing is copied.  (A
forked child that sent its half back was tried before: sending it back cost
what the second core saved.)

The cut is only made where it cannot change what the file means: at a line
that starts an item of that list, in a file without directives, document
markers, anchors or aliases (the alias limits then apply to the whole file, as
in one parse).  A scalar or a bracketed list that spans the cut makes one of
the parts fail to parse; then, as for any doubt, `loads_in_two` returns None
and the caller parses the file whole, which also reports any error exactly as
a one-part parse does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

# Patterns start with a newline (the regex engine then skips ahead to each one; a
# ^ in MULTILINE mode is tried at every character: 1.4 s over a 38 MB file).
# Everything here reads the file's bytes (see `yamlfile.SourceFile`).
_KEY_LINE = re.compile(rb"([A-Za-z_][\w-]*)[ \t]*:[ \t]*(?:#[^\n]*)?\n")
_TOP_LINE = re.compile(rb"\n(?=---|[^\s#-])")   # a top-level line (or a document marker)
_UNSPLITTABLE = (b"%", b"---", b"...")          # directives and document markers
_FIRST_ITEM = re.compile(rb"(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ")
_BEFORE_NODE = frozenset(b" \t\n\r[{,-:?")     # what may precede an anchor or an alias
_NOT_A_NAME = frozenset(b" \t\n\r,[]{}")       # what cannot start an anchor's name


def loads_in_two(body: bytes, loads: Callable[[bytes], Any]) -> Any | None:
    """`loads(body)`, done as two parts in two threads, or None if the file is not cut
    (no safe cut) or a part does not parse as it should."""
    if _may_have_anchors(body):
        return None
    parts = _cut(body)
    if parts is None:
        return None
    key, head, tail, rest = parts
    second: list[Any] = []

    def parse_tail() -> None:
        try:
            parsed = loads(tail)
        except Exception:  # noqa: BLE001 - the whole file is parsed again, and says what is wrong
            return
        second.append(parsed)

    thread = threading.Thread(target=parse_tail, name="parse the second part", daemon=True)
    thread.start()
    try:
        first = loads(head)
        after = loads(rest) if rest.strip() else {}
    except Exception:  # noqa: BLE001 - (as above)
        return None
    finally:
        thread.join()
    if not (isinstance(first, dict) and isinstance(first.get(key), list)
            and isinstance(after, dict) and not first.keys() & after.keys()):
        return None
    if not (second and isinstance(second[0], dict) and list(second[0]) == [key]
            and isinstance(second[0][key], list)):
        return None
    first[key].extend(second[0][key])
    first.update(after)
    return first


def _may_have_anchors(body: bytes) -> bool:
    """True if an `&` or a `*` in the file could be an anchor or an alias (one that
    can only be text, e.g. "A & B", does not count)."""
    for mark in b"&*":
        at = body.find(mark)
        while at != -1:
            if (at == 0 or body[at - 1] in _BEFORE_NODE) and \
                    at + 1 < len(body) and body[at + 1] not in _NOT_A_NAME:
                return True
            at = body.find(mark, at + 1)
    return False


def _cut(body: bytes) -> tuple[str, bytes, bytes, bytes] | None:
    """(key, head, tail, rest): the longest top-level block list `key` cut at an item
    line near its middle.  `head` is the file up to the cut, `tail` the list's
    items from the cut on (under their key), `rest` the file after the list."""
    tops = [0] if body[:1] not in (b"", b" ", b"\t", b"\n", b"\r", b"#", b"-") else []
    tops += [match.end() for match in _TOP_LINE.finditer(body)]
    if body.startswith(_UNSPLITTABLE) or any(body.startswith(_UNSPLITTABLE, top) for top in tops):
        return None
    best: tuple[int, int, bytes, int] | None = None   # (length, start, key, end)
    for number, top in enumerate(tops):
        key_line = _KEY_LINE.match(body, top)
        if key_line is None:
            continue
        start, end = key_line.end(), tops[number + 1] if number + 1 < len(tops) else len(body)
        if best is None or end - start > best[0]:
            best = (end - start, start, key_line.group(1), end)
    if best is None:
        return None
    _, start, key, end = best
    first_item = _FIRST_ITEM.match(body, start)
    if first_item is None:
        return None
    cut = body.find(b"\n" + first_item.group(1) + b"- ", start + (end - start) // 2, end)
    if cut < first_item.end():
        return None   # not found (-1), or the first item: nothing to share out
    cut += 1          # the cut is at the start of the item's line
    return key.decode("ascii"), body[:cut], key + b":\n" + body[cut:end], body[end:]
