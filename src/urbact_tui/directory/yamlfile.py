"""Reading a directory file safely: bytes → text → plain Python data.

Parsing uses yaml-rs (a Rust YAML 1.2 parser, about twenty times faster than
PyYAML's C loader on large files) with duplicate keys rejected and alias
expansion bounded; cheap scans of the bytes before it refuse what it must not
see (nesting deep enough to overflow its stack, unsafe tags).  Where a problem
is, and how to say it, is `yamlplaces`' concern.  Nothing here ever constructs
arbitrary Python objects.
"""

from __future__ import annotations

import itertools
import re
import stat
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml_rs

from .errors import DirectoryError
from .yamlplaces import (
    DOCUMENT_LINE,
    MAX_INDENT,
    excerpt_bytes,
    position,
    reject_several_documents,
    reject_unsafe_tags,
    syntax_error,
    too_deep,
)

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Larger than any real directory (a million contacts is about 200 MB)."""


_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=200_000,
    max_replay_stack_depth=32,
)


# Cheap pre-check: a "!" where a tag could start.  Only when it matches do we
# pay for PyYAML's composer to find out whether it really is a tag.  The pattern
# starts with the literal "!" so the regex engine can skip ahead to each one
# (an alternation first was forty times slower: 2.7 s on an 88 MB file).
_MAYBE_TAG = re.compile(rb"!(?<=[\s\[\{,:?-]!)")


class SourceFile:
    """A directory file as read: its bytes, their SHA-256, and its text when needed.

    yaml-rs parses the bytes (checking they are UTF-8 as it goes), so a load never
    decodes the file: decoding 38 MB to text and handing the text back to yaml-rs,
    which re-encodes it, was ~0.35 s of CPU in a 100k-contact load.  The text is
    decoded on first use (an error message, a located item), with the same
    error as ever if it is not UTF-8.
    """

    def __init__(self, path: Path, data: bytes, text: str | None = None):
        self.path = path
        self.data = data
        if text is not None:
            self.__dict__["text"] = text

    @classmethod
    def of_text(cls, text: str, path: Path) -> SourceFile:
        return cls(path, text.encode("utf-8"), text)

    @cached_property
    def body(self) -> bytes:
        """The bytes without a UTF-8 byte-order mark (what is parsed; a copy only when
        there is a mark)."""
        return self.data[3:] if self.data.startswith(_BOM) else self.data

    @cached_property
    def digest(self) -> str:
        import hashlib  # (~5 ms: the load hashes while the file is parsed)

        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def text(self) -> str:
        try:
            text = self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(self.data, exc, self.path) from None
        return text.removeprefix("\ufeff")


_BOM = b"\xef\xbb\xbf"


def read_source(path: Path) -> SourceFile:
    """Read `path` (not decoded yet: see `SourceFile`), with a located error for every
    failure found on the way."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DirectoryError(
            "no such file", path=path,
            hint="check the path; `urbact-tui load` with no path loads the bundled directory",
        ) from None
    except OSError as exc:
        raise DirectoryError(f"cannot read the file: {exc.strerror}", path=path,
                             hint="check the path and its permissions") from None
    if stat.S_ISDIR(info.st_mode):
        raise DirectoryError(
            "this is a folder, not a directory file", path=path,
            hint="give the path of the .yaml file inside it",
        )
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) or stat.S_ISSOCK(info.st_mode):
        raise DirectoryError("this is a device or socket, not a directory file", path=path,
                             hint="give the path of a .yaml file")
    if info.st_size > MAX_FILE_BYTES:
        raise _too_large(path, info.st_size)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded: a pipe may never end
    except OSError as exc:
        raise DirectoryError(f"cannot read the file: {exc.strerror}", path=path,
                             hint="check the path and its permissions") from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(path, len(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DirectoryError(
            "the file is saved as UTF-16, but a directory file must be UTF-8", path=path,
            hint="save the file as UTF-8 (most editors offer this under 'Save with encoding')",
        )
    if b"\x00" in data:
        line, column = (None, None) if _looks_binary(data) else position(data, data.index(b"\x00"))
        raise DirectoryError(
            "the file contains binary data (a NUL byte), so it is not a YAML text file",
            path=path, line=line, column=column,
            hint="check that this is the directory .yaml file and not a database, "
                 "archive or image",
        )
    return SourceFile(path, data)


def _not_utf8(data: bytes, exc: UnicodeDecodeError, path: Path) -> DirectoryError:
    if _looks_binary(data):
        return DirectoryError(
            "the file contains binary data, so it is not a YAML text file", path=path,
            hint="check that this is the directory .yaml file and not a database, "
                 "archive or image",
        )
    line, column = position(data, exc.start)
    return DirectoryError(
        f"byte 0x{data[exc.start]:02x} is not valid UTF-8 (the file is probably saved "
        "in another encoding, such as Latin-1 or Windows-1252)",
        path=path, line=line, column=column,
        excerpt=excerpt_bytes(data, exc.start),
        hint="save the file as UTF-8 (most editors offer this under 'Save with encoding')",
    )


def _looks_binary(data: bytes) -> bool:
    """Many control characters near the start: not text in any encoding."""
    head = data[:8192]
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    return controls > len(head) // 100


def _too_large(path: Path, size: int) -> DirectoryError:
    return DirectoryError(
        f"the file is {size / 1024**2:,.0f} MB, too large to be a directory "
        f"(the limit is {MAX_FILE_BYTES // 1024**2:,} MB)",
        path=path, hint="check that this is the right file",
    )


def parse(source: SourceFile) -> Any:
    """Parse a directory file into plain data, rejecting tags, duplicate keys and
    alias bombs.  (Bytes that are not UTF-8 get the UTF-8 error, before any other.)"""
    body, path = source.body, source.path
    _reject_deep_nesting(source)
    if _may_have_tag(body):
        reject_unsafe_tags(source.text, path)
    data = None
    if len(body) >= SPLIT_FROM:
        from .split_parse import loads_in_two  # only large files need it

        data = loads_in_two(body, _loads)
    try:
        if data is None:
            data = _loads(body)
    except yaml_rs.YAMLDecodeError as exc:  # (bytes that are not UTF-8 are told first)
        raise syntax_error(str(exc), source.text, path) from None
    except RecursionError:
        raise too_deep(path, None) from None
    if data is None:
        raise DirectoryError(
            "the file is empty (it holds no YAML data, only blank lines or comments)", path=path,
            hint="a directory starts with `cities:`, `contacts:`, `networks:` and `meetings:` lists",
        )
    if isinstance(data, list) and _DOCUMENT_MARKER.search(body):
        reject_several_documents(source.text, path)
    return data


def parse_text(text: str, path: Path) -> Any:
    """`parse` for text already in hand."""
    return parse(SourceFile.of_text(text, path))


SPLIT_FROM = 4_000_000
"""Files of at least this many bytes are parsed in two parts at once (see
`split_parse`); a 10k-contact file is ~3.6 MB."""


def _loads(body: bytes) -> Any:
    return yaml_rs.load(body, parse_datetime=False, encoding="utf-8", encoder_errors="strict",
                        alias_limits=_ALIAS_LIMITS,
                        duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)


_MAYBE_DEEP = re.compile(rb"\n[ \t?:-]{%d}" % MAX_INDENT)  # literal first: fast


_BLOCK_PREFIX = re.compile(rb"[ \t]*(?:[?:-][ \t]+)*")


_DOCUMENT_MARKER = re.compile(DOCUMENT_LINE.pattern.encode(), re.MULTILINE)  # (in bytes)


_ANCHOR_BEFORE = re.compile(r"&\S+$")


def _may_have_tag(body: bytes) -> bool:
    """Is there a "!" where a YAML tag could start (after an indicator or at a line
    start, maybe behind an anchor)?  "Welcome !" in a value is not one.  Only
    then is the file composed to check its tags (a minute for 40 MB)."""
    for match in _MAYBE_TAG.finditer(body):
        line_start = body.rfind(b"\n", 0, match.start()) + 1
        line = body[line_start:match.start()].decode("utf-8", errors="replace")
        before = _ANCHOR_BEFORE.sub("", line.rstrip(" \t")).rstrip(" \t")
        if not before or before[-1] in ":?-,[{" or before.endswith("---"):
            return True
    return body.startswith(b"!")


def _reject_deep_nesting(source: SourceFile) -> None:
    """Refuse block nesting deep enough to overflow the parser's stack (cheap: one regex)."""
    body = source.body
    starts = (match.start() + 1 for match in _MAYBE_DEEP.finditer(body))
    for start in itertools.chain([0], starts):
        if _BLOCK_PREFIX.match(body, start).end() - start >= MAX_INDENT:
            source.text  # noqa: B018 - text that is not UTF-8 is told first
            line = body.count(b"\n", 0, start) + 1
            raise too_deep(source.path, line)
