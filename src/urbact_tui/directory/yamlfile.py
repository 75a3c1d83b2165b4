"""Reading a directory file safely: bytes → text → plain Python data.

Parsing uses yaml-rs (a Rust YAML 1.2 parser, about twenty times faster than
PyYAML's C loader on large files) with duplicate keys rejected and alias
expansion bounded.  PyYAML is used only to *locate* things — an unsafe tag, a
duplicate key, the line of an item or field named in a validation error —
because its composer keeps line and column marks without building objects.
Nothing here ever constructs arbitrary Python objects.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from .errors import DirectoryError

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Larger than any real directory (a million contacts is about 200 MB)."""

_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=200_000,
    max_replay_stack_depth=32,
)

# Standard tags a hand-written directory may use explicitly (e.g. !!str "0123").
_SAFE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary",
                 "merge", "omap", "pairs", "set", "value")
}
# Cheap pre-check: a "!" where a tag could start.  Only when it matches do we
# pay for PyYAML's composer to find out whether it really is a tag.
_MAYBE_TAG = re.compile(r"(?:^|[\s\[\{,:?-])!", re.MULTILINE)
_RS_LOCATION = re.compile(r"line (\d+), column (\d+)")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: Path) -> tuple[str, str]:
    """Read `path` as UTF-8 text and its SHA-256, with a located error for every failure."""
    if not path.exists():
        raise DirectoryError(
            "no such file", path=path,
            hint="check the path; `urbact-tui load` with no path loads the bundled directory",
        )
    if path.is_dir():
        raise DirectoryError(
            "this is a folder, not a directory file", path=path,
            hint="give the path of the .yaml file inside it",
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DirectoryError(
            f"the file is {size / 1024**2:,.0f} MB, too large to be a directory "
            f"(the limit is {MAX_FILE_BYTES // 1024**2} MB)",
            path=path, hint="check that this is the right file",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DirectoryError(f"cannot read the file: {exc.strerror}", path=path) from None
    if b"\x00" in data:
        line, column = _position(data, data.index(b"\x00"))
        raise DirectoryError(
            "the file contains binary data (a NUL byte), not YAML text",
            path=path, line=line, column=column,
            hint="check that this is the directory file and not a database or archive",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise DirectoryError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
            path=path, line=line, column=column,
            excerpt=[_excerpt_line(data, exc.start)],
            hint="save the file as UTF-8 (most editors offer this under 'Save with encoding')",
        ) from None
    return text.removeprefix("\ufeff"), hashlib.sha256(data).hexdigest()


def parse(text: str, path: Path) -> Any:
    """Parse YAML text into plain data, rejecting tags, duplicate keys and alias bombs."""
    if _MAYBE_TAG.search(text):
        _reject_unsafe_tags(text, path)
    try:
        data = yaml_rs.loads(
            text,
            parse_datetime=False,
            alias_limits=_ALIAS_LIMITS,
            duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
        )
    except yaml_rs.YAMLDecodeError as exc:
        raise _syntax_error(str(exc), text, path) from None
    except RecursionError:
        raise DirectoryError("the YAML is nested too deeply", path=path,
                             hint="a directory needs only a few levels of nesting") from None
    if data is None:
        raise DirectoryError(
            "the file is empty", path=path,
            hint="a directory starts with `cities:`, `contacts:`, `networks:` and `meetings:` lists",
        )
    return data


def locate(text: str, keys: tuple[str | int, ...]) -> tuple[int, int] | None:
    """Line and column (1-based) of the node at `keys`, or of its nearest parent."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    best = node
    for key in keys:
        child = _child(node, key)
        if child is None:
            break
        key_node, node = child
        best = key_node if isinstance(key, str) else node
    if best is None:
        return None
    return best.start_mark.line + 1, best.start_mark.column + 1


def source_line(text: str, line: int) -> str:
    """One line of the file, trimmed for display."""
    lines = text.splitlines()
    if 1 <= line <= len(lines):
        return f"{line:>5} | {lines[line - 1][:100]}"
    return ""


# --- helpers ------------------------------------------------------------------


def _child(node: yaml.Node | None, key: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == key:
                return key_node, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item = node.value[key]
        return item, item
    return None


def _walk(node: yaml.Node):
    """Every node once (aliases share nodes, so an alias bomb stays small)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                stack.extend((key_node, value_node))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _reject_unsafe_tags(text: str, path: Path) -> None:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return  # a syntax error; the main parser reports it with its own location
    if root is None:
        return
    for node in _walk(root):
        if node.tag not in _SAFE_TAGS:
            line = node.start_mark.line + 1
            raise DirectoryError(
                f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed: "
                "a directory holds plain data only, and tags could make a loader run code",
                path=path, line=line, column=node.start_mark.column + 1,
                excerpt=[source_line(text, line)],
                hint="remove the tag (the text starting with '!') and keep the value",
            )


def _syntax_error(message: str, text: str, path: Path) -> DirectoryError:
    first = message.splitlines()[0] if message else "invalid YAML"
    reason = message.strip().splitlines()[-1] if message.strip() else first
    match = _RS_LOCATION.search(first)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        detail = reason if reason != first else "invalid YAML"
        hint = "check brackets, quotes and indentation (spaces only, no tabs) on this line or the one above"
        if "tab" in detail:
            hint = "indent with spaces; YAML does not allow tabs for indentation"
        return DirectoryError(f"YAML syntax error: {detail}", path=path, line=line,
                              column=column, excerpt=[source_line(text, line)], hint=hint)
    if first.startswith("duplicate mapping key"):
        key = first.split(":", 1)[1].strip().strip("'\"")
        where = _find_duplicate_key(text)
        line, column = where if where else (None, None)
        return DirectoryError(
            f"the key {key!r} appears twice in the same mapping", path=path,
            line=line, column=column,
            excerpt=[source_line(text, line)] if line else [],
            hint="keep one of the two values and delete the other",
        )
    if "alias" in first:
        return DirectoryError(
            "anchors and aliases (&name / *name) expand to too much data", path=path,
            hint="write the values out; a directory has no need for aliases",
        )
    return DirectoryError(f"YAML error: {first}", path=path)


def _find_duplicate_key(text: str) -> tuple[int, int] | None:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if root is None:
        return None
    for node in _walk(root):
        if isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, _ in node.value:
                key = getattr(key_node, "value", None)
                if isinstance(key, str) and key in seen:
                    return key_node.start_mark.line + 1, key_node.start_mark.column + 1
                if isinstance(key, str):
                    seen.add(key)
    return None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _excerpt_line(data: bytes, offset: int) -> str:
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    raw = data[start: end if end != -1 else len(data)]
    line, _ = _position(data, offset)
    return f"{line:>5} | {raw.decode('utf-8', errors='replace')[:100]}"
