"""Where something is in a YAML file, and what is wrong there, in words.

A load parses with yaml-rs (see `yamlfile`), which builds no line marks; when
something is wrong, this module finds the place: PyYAML's composer keeps line
and column marks without building objects (an unsafe tag, a duplicate key, a
second document, the item or field named by a validation error), and the text
itself tells an unclosed bracket or quote.  In a large file only the item at
fault is composed (composing 40 MB takes PyYAML about a minute).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..lazy import LazyModule
from .errors import DirectoryError

if TYPE_CHECKING:
    import yaml
else:  # PyYAML, imported on first use (~20 ms): only to locate a problem in the file
    yaml = LazyModule("yaml", globals(), "yaml")


# Standard tags a hand-written directory may use explicitly (e.g. !!str "0123").
_SAFE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary",
                 "merge", "omap", "pairs", "set", "value")
}


_RS_LOCATION = re.compile(r"line (\d+), column (\d+)")


def _loader() -> type:
    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def locate(text: str, keys: tuple[str | int, ...]) -> tuple[int, int] | None:
    """Line and column (1-based) of the node at `keys`, or of its nearest parent.

    Composing a whole 40 MB file takes PyYAML about a minute, so in a large file
    only the one item named by `keys` is composed (found by its indentation).
    """
    if len(text) > FULL_COMPOSE_LIMIT and keys:
        found = _locate_in_item(text, keys)
        if found is not None:
            return found
    return _locate_in(_compose(text), keys, 0)


def _locate_in(node: yaml.Node | None, keys: tuple, line_offset: int) -> tuple[int, int] | None:
    if node is None:
        return None
    best = node
    for key in keys:
        child = _child(node, key)
        if child is None:
            break
        key_node, node = child
        best = key_node if isinstance(key, str) else node
    return best.start_mark.line + 1 + line_offset, best.start_mark.column + 1


def _locate_in_item(text: str, keys: tuple) -> tuple[int, int] | None:
    kind_key = _top_level_key(text, keys[0]) if isinstance(keys[0], str) else None
    if kind_key is None:
        return None
    if len(keys) == 1:
        return text.count("\n", 0, kind_key) + 1, 1
    if not isinstance(keys[1], int):
        return None
    chunk = _item_chunk(text, kind_key, keys[1])
    if chunk is None:
        return None
    start, end = chunk
    node = _compose(text[start:end])
    if not isinstance(node, yaml.SequenceNode) or len(node.value) != 1:
        return None
    return _locate_in(node, (0, *keys[2:]), text.count("\n", 0, start))


FULL_COMPOSE_LIMIT = 1_000_000
"""Above this many characters, errors are located by composing one item, not the file."""


_ITEM_START = re.compile(r"^( *)-(?=[ \t\r\n]|$)", re.MULTILINE)


_TOP_LEVEL_LINE = re.compile(r"^(?:[^\s#-]|-(?:--|\.\.))", re.MULTILINE)


def _top_level_key(text: str, key: str) -> int | None:
    """Offset of `key:` written at the start of a line, in block style (not `key: [`)."""
    match = re.search(r"^%s[ \t]*:[ \t]*(?:#.*)?\r?$" % re.escape(key), text, re.MULTILINE)
    return match.start() if match else None


def _item_starts(text: str, kind_key: int):
    """Offsets where the items of the list under the top-level key at `kind_key` start,
    and the offset where the list ends."""
    region = text.find("\n", kind_key) + 1
    if region == 0:
        return [], len(text)
    following = _TOP_LEVEL_LINE.search(text, region)
    end = following.start() if following else len(text)
    first = _ITEM_START.search(text, region, end)
    if first is None:
        return [], end
    same_indent = re.compile(r"^%s-(?=[ \t\r\n]|$)" % first.group(1), re.MULTILINE)
    return (m.start() for m in same_indent.finditer(text, region, end)), end


def _item_chunk(text: str, kind_key: int, index: int) -> tuple[int, int] | None:
    starts, end = _item_starts(text, kind_key)
    found = None
    for number, start in enumerate(starts):
        if found is not None:
            return found, start
        if number == index:
            found = start
    return (found, end) if found is not None else None


def source_line(text: str, line: int) -> str:
    """One line of the file, trimmed for display."""
    lines = excerpt(text, line)
    return lines[0] if lines else ""


def excerpt(text: str, line: int | None, column: int | None = None) -> list[str]:
    """The source line `line` (numbered) and, when `column` is known, a caret under it."""
    if line is None or line < 1:
        return []
    start = 0
    for _ in range(line - 1):  # find the line without splitting a 200 MB file
        start = text.find("\n", start) + 1
        if start == 0:
            return []
    end = text.find("\n", start)
    return _show_line(text[start: end if end != -1 else len(text)], line, column)


MAX_INDENT = 200
"""Deepest indentation (columns) accepted: yaml-rs recurses once per nesting level
and overflows the C stack (a segfault, not an exception) at about ten thousand
levels, so deeper files are refused before parsing.  Flow nesting ([ and {) is
bounded by yaml-rs itself; block nesting needs one more column per level."""


DOCUMENT_LINE = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)", re.MULTILINE)


_SHOWN_WIDTH = 100


_LEADING_TAB = re.compile(r"^[ ]*\t", re.MULTILINE)


def _show_line(raw: str, line: int, column: int | None) -> list[str]:
    raw = raw.rstrip("\r").replace("\t", " ")
    offset = 0
    if len(raw) > _SHOWN_WIDTH:
        if column is not None and column > _SHOWN_WIDTH - 20:
            offset = column - 1 - (_SHOWN_WIDTH // 2)
            raw = "…" + raw[offset + 1: offset + _SHOWN_WIDTH]
        else:
            raw = raw[:_SHOWN_WIDTH - 1] + "…"
    width = max(5, len(str(line)))
    lines = [f"{line:>{width}} | {raw}".rstrip()]
    if column is not None and 1 <= column - offset <= len(raw) + 1:
        lines.append(" " * width + " | " + " " * (column - offset - 1) + "^")
    return lines


def _compose(text: str) -> yaml.Node | None:
    """PyYAML's node tree (with line marks), or None if it cannot read the text."""
    try:
        return yaml.compose(text, Loader=_loader())
    except (yaml.YAMLError, RecursionError):
        return None


def _child(node: yaml.Node | None, key: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == key:
                return key_node, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item = node.value[key]
        return item, item
    return None


def _walk(node: yaml.Node, keys: tuple = ()):
    """Every node once, with its path (aliases share nodes, so an alias bomb stays small)."""
    seen: set[int] = set()
    stack = [(node, keys)]
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current, path
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in reversed(current.value):
                key = getattr(key_node, "value", None)
                stack.append((value_node, (*path, key if isinstance(key, str) else "?")))
                stack.append((key_node, path))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in reversed(list(enumerate(current.value))))


def too_deep(path: Path, line: int | None, brackets: bool = False) -> DirectoryError:
    if brackets:
        why = " (brackets [ ] or { } nested hundreds of levels deep)"
    elif line:
        why = f" (this line is indented by more than {MAX_INDENT} columns)"
    else:
        why = ""
    return DirectoryError(
        "the YAML is nested far too deeply" + why, path=path, line=line,
        hint="a directory needs only a few levels of nesting; check that this is the right file")


def reject_several_documents(text: str, path: Path) -> None:
    try:
        if len(text) > FULL_COMPOSE_LIMIT:  # count the `---` lines instead of composing
            content = re.search(r"^(?![ \t]*(?:#|%|---|\r?$))", text, re.MULTILINE)
            first = content.start() if content else len(text)
            markers = [m for m in re.finditer(r"^---(?:[ \t]|\r?$)", text, re.MULTILINE)
                       if m.start() > first]
            documents = [None] * (len(markers) + 1)
        else:
            documents = list(yaml.compose_all(text, Loader=_loader()))
    except (yaml.YAMLError, RecursionError):
        return
    if len(documents) > 1:
        second = documents[1]
        line = second.start_mark.line + 1 if second is not None else None
        marker = next(DOCUMENT_LINE.finditer(text, 1), None)
        if marker is not None:
            line = text.count("\n", 0, marker.start()) + 1
        raise DirectoryError(
            f"the file holds {len(documents)} YAML documents (separated by `---`), "
            "but a directory is one document",
            path=path, line=line, excerpt=excerpt(text, line),
            hint="remove the `---` line and merge the lists into one set of "
                 "`cities:`, `contacts:`, ... keys",
        )


_UNSAFE_TAG_FALLBACK = re.compile(
    r"!!(?!(?:str|int|float|bool|null|map|seq|timestamp|binary|merge|omap|pairs|set|value)\b)"
    r"[\w/.:-]+|!<[^>]*>|^%TAG", re.MULTILINE)


def reject_unsafe_tags(text: str, path: Path) -> None:
    root = _compose(text)
    if root is None:
        # PyYAML cannot read it (a syntax error, or YAML 1.2 it does not know): still
        # refuse anything that looks like an object tag, by its text.
        match = _UNSAFE_TAG_FALLBACK.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - text.rfind("\n", 0, match.start())
            raise _tag_error(match.group(0), text, path, line, column)
        return
    for node, _ in _walk(root):
        if node.tag not in _SAFE_TAGS:
            line, column = node.start_mark.line + 1, node.start_mark.column + 1
            raise _tag_error(node.tag.replace("tag:yaml.org,2002:", "!!"), text, path, line, column)


def _tag_error(tag: str, text: str, path: Path, line: int, column: int) -> DirectoryError:
    return DirectoryError(
        f"the tag {tag!r} is not allowed: a directory holds plain data only "
        "(text, numbers, lists and mappings), and tags like this one could make a "
        "YAML loader run code",
        path=path, line=line, column=column, excerpt=excerpt(text, line, column),
        hint="remove the tag (the word starting with '!') and keep the plain value",
    )


# yaml-rs reasons → what a person editing the file should read.
_INDENT_HINT = ("line this up with the lines above it: items of one list start with `-` "
                "in the same column, and the fields of an item line up under its first field")


_QUOTE_HINT = 'if the value itself contains ": " or starts with a special character, put it in quotes'


_REASONS = (
    ("tab", "a tab is used for indentation",
     "indent with spaces; YAML does not allow tabs for indentation"),
    ("did not find expected '-' indicator", "this line is not indented like the list it is in",
     _INDENT_HINT),
    ("did not find expected key", "this line is not indented like the mapping it is in",
     _INDENT_HINT),
    ("mapping values are not allowed", "unexpected ':' (a second `key:` on one line, or a line "
     "that is indented too far)", _QUOTE_HINT + "; otherwise check the indentation"),
    ("simple key expect ':'", "this line has no `key:` (a line without a colon inside a mapping)",
     "write `key: value`, or indent the line further if it continues the value above"),
    ("misplaced bracket", "a closing bracket without an opening one",
     "remove the extra ']' or '}', or add the missing '[' or '{'"),
    ("unknown anchor", "an alias (*name) refers to an anchor (&name) that does not exist",
     "write the value out instead of using *name"),
    ("unexpected character", "a value starts with a character that YAML reserves",
     'put the value in quotes, e.g. "@handle"'),
)


def syntax_error(message: str, text: str, path: Path) -> DirectoryError:
    lines = message.strip().splitlines()
    first = lines[0] if lines else "invalid YAML"
    reason = lines[-1] if lines else first
    if first.startswith("duplicate mapping key"):
        return _duplicate_key_error(first.split(":", 1)[1].strip().strip("'\""), text, path)
    if "alias" in first.lower() and ("limit" in first.lower() or "exceed" in first.lower()):
        return _alias_error(path)
    match = _RS_LOCATION.search(first)
    if match is None:
        if "alias" in first.lower():
            return _alias_error(path)
        return DirectoryError(f"YAML syntax error: {first}", path=path,
                              hint="check brackets, quotes and indentation")
    line, column = int(match.group(1)), int(match.group(2))
    if "recursion limit" in reason:
        return too_deep(path, line, brackets=True)
    opened = _unclosed_quote(text, line) if "quoted scalar" in reason else None
    opened = opened or _unclosed(text, line)
    if opened is not None:
        what, (line, column) = opened
        closing = {"'['": "']'", "'{'": "'}'"}.get(what)
        return DirectoryError(
            f"YAML syntax error: this {what} is never closed",
            path=path, line=line, column=column, excerpt=excerpt(text, line, column),
            hint=(f"add the closing {closing} (and check for a missing comma between values)"
                  if closing else f"add the closing {what} at the end of the value"),
        )
    if "tab" in reason:
        tab = _LEADING_TAB.search(text)
        if tab is not None:
            line = text.count("\n", 0, tab.start()) + 1
            column = tab.end() - tab.start()
    detail, hint = reason if reason != first else "invalid YAML", \
        "check brackets, quotes and indentation (spaces only, no tabs) on this line or the one above"
    for needle, plain, plain_hint in _REASONS:
        if needle in reason:
            detail, hint = plain, plain_hint
            break
    return DirectoryError(f"YAML syntax error: {detail}", path=path, line=line,
                          column=column, excerpt=excerpt(text, line, column), hint=hint)


def _unclosed(text: str, error_line: int) -> tuple[str, tuple[int, int]] | None:
    """If the error is an unclosed bracket or quote, what it is and where it opened.

    In a large file only a window is composed: from the start of the item (or
    top-level key) above the error line to just after it.
    """
    offset = 0
    if len(text) > FULL_COMPOSE_LIMIT:
        lines_before = _line_starts_before(text, error_line + 2)
        start = next((at for at in reversed(lines_before[:-3] or lines_before[:1])
                      if _WINDOW_START.match(text, at)), 0)
        offset = text.count("\n", 0, start)
        text = text[start:lines_before[-1]] if len(lines_before) > 1 else text[start:]
    try:
        yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        context, mark = exc.context or "", exc.context_mark
        if mark is None:
            return None
        where = (mark.line + 1 + offset, mark.column + 1)
        if context.startswith("while parsing a flow sequence"):
            return "'['", where
        if context.startswith("while parsing a flow mapping"):
            return "'{'", where
        if context.startswith("while scanning a quoted scalar"):
            quote = text.splitlines()[mark.line][mark.column:mark.column + 1] or '"'
            return ("'\"'" if quote == '"' else "quote (')"), where
    except (yaml.YAMLError, RecursionError, IndexError):
        return None
    return None


_QUOTED_VALUE = re.compile(r"""[ \t]*(?:-[ \t]+)*(?:[^"'#\n]*?:[ \t]+)?(["'])([^\n]*)""")


def _unclosed_quote(text: str, error_line: int) -> tuple[str, tuple[int, int]] | None:
    """The line above the error where a quoted value opens and does not close."""
    starts = _line_starts_before(text, error_line, limit=200)
    for number, start in zip(range(error_line, 0, -1), reversed(starts)):
        match = _QUOTED_VALUE.match(text, start)
        if match is None or number == error_line:
            continue
        quote, rest = match.group(1), match.group(2)
        closed = (re.search(r'(?<!\\)"', rest) if quote == '"'
                  else re.search(r"'(?!')", rest.replace("''", "")))
        if not closed:
            return ("'\"'" if quote == '"' else "quote (')"), (number, match.start(1) - start + 1)
    return None


_WINDOW_START = re.compile(r"[^\s#-]| {0,4}-[ \t]")


def _line_starts_before(text: str, line: int, limit: int = 2000) -> list[int]:
    """Offsets of the starts of up to `limit` lines before `line` (1-based), in order."""
    position = 0
    for _ in range(line - 1):  # the start of `line`
        found = text.find("\n", position)
        if found == -1:
            break
        position = found + 1
    starts = [position]
    while position > 0 and len(starts) < limit:
        position = text.rfind("\n", 0, position - 1) + 1
        starts.append(position)
    return starts[::-1]


def _alias_error(path: Path) -> DirectoryError:
    return DirectoryError(
        "anchors and aliases (&name / *name) expand to too much data", path=path,
        hint="write the values out; a directory has no need for aliases",
    )


def _duplicate_key_error(key: str, text: str, path: Path) -> DirectoryError:
    found = _find_duplicate_key(text, key)
    if found is None:
        return DirectoryError(f"the key {key!r} appears twice in the same mapping", path=path,
                              hint="keep one of the two values and delete the other")
    (line, column), first_line, keys, item_id = found
    where = f" (first on line {first_line})"
    kind = field = None
    from . import schema  # the schema knows which top-level keys are kinds

    if not keys:
        message = f"the kind {key!r} appears twice at the top level{where}"
        hint = f"merge the two `{key}:` lists into one"
    elif len(keys) >= 2 and keys[0] in schema.KIND_BY_PLURAL and isinstance(keys[1], int):
        kind = schema.KIND_BY_PLURAL[keys[0]].name
        dotted = _dotted(keys[2:])
        field = f"{dotted}.{key}" if dotted else key
        message = f"the field {key!r} appears twice in this {kind}{where}"
        hint = "keep one of the two values and delete the other line"
    else:
        message = f"the key {key!r} appears twice in the same mapping{where}"
        hint = "keep one of the two values and delete the other"
    return DirectoryError(message, path=path, line=line, column=column, kind=kind,
                          item_id=item_id, field=field, excerpt=excerpt(text, line, column),
                          hint=hint)


def _dotted(keys: tuple) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _find_duplicate_key(text: str, key: str | None = None):
    """((line, column), first line, path of the mapping, item id) of the first repeated key."""
    if key is not None and len(text) > FULL_COMPOSE_LIMIT:
        return _find_duplicate_key_by_item(text, key)
    return _duplicate_in(_compose(text), (), 0)


def _find_duplicate_key_by_item(text: str, key: str):
    """The same for a large file, composing only the items where `key:` appears twice."""
    top = [m.start() for m in re.finditer(r"^%s[ \t]*:" % re.escape(key), text, re.MULTILINE)]
    if len(top) > 1:
        line = text.count("\n", 0, top[1]) + 1
        return (line, 1), text.count("\n", 0, top[0]) + 1, (), None
    occurrences = re.compile(r"^[ -]*%s[ \t]*:" % re.escape(key), re.MULTILINE)
    for kind in re.finditer(r"^([^\s#:-][^:\n]*?)[ \t]*:[ \t]*(?:#.*)?\r?$", text, re.MULTILINE):
        starts, end = _item_starts(text, kind.start())
        previous = None
        for index, start in enumerate(itertools.chain(starts, [end])):
            if previous is not None:
                item_start, item_index = previous
                if len(occurrences.findall(text, item_start, start)) > 1:
                    offset = text.count("\n", 0, item_start)
                    node = _compose(text[item_start:start])
                    if isinstance(node, yaml.SequenceNode) and len(node.value) == 1:
                        found = _duplicate_in(node.value[0], (kind.group(1), item_index), offset,
                                              root_item=node.value[0])
                        if found is not None:
                            return found
            previous = (start, index)
    return _duplicate_in(_compose(text), (), 0)


def _duplicate_in(root: yaml.Node | None, prefix: tuple, line_offset: int, root_item=None):
    if root is None:
        return None
    for node, keys in _walk(root, prefix):
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                key = getattr(key_node, "value", None)
                if not isinstance(key, str):
                    continue
                if key in seen:
                    item_id = None
                    if root_item is not None:
                        item = (root_item, root_item)
                    elif len(keys) >= 2:
                        kind_list = _child(root, keys[0])
                        item = _child(kind_list[1], keys[1]) if kind_list else None
                    else:
                        item = None
                    id_node = _child(item[1], "id") if item else None
                    if id_node is not None and isinstance(id_node[1], yaml.ScalarNode):
                        item_id = id_node[1].value
                    return ((key_node.start_mark.line + 1 + line_offset,
                             key_node.start_mark.column + 1),
                            seen[key], keys, item_id)
                seen[key] = key_node.start_mark.line + 1 + line_offset
    return None


def position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (1-based, in characters) of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def excerpt_bytes(data: bytes, offset: int) -> list[str]:
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    raw = data[start: end if end != -1 else len(data)]
    line, column = position(data, offset)
    return _show_line(raw.decode("utf-8", errors="replace"), line, column)
