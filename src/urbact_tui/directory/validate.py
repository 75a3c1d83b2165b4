"""Checking parsed YAML against the schema before anything touches the database.

The checks run on plain data (fast); only the first problem is then located in
the file (line and column), because locating means re-reading the file with
PyYAML's composer.  The error also says how many further problems were found,
so a user fixing a file knows how far they are from done.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema
from .errors import DirectoryError
from .yamlfile import SourceFile
from .yamlplaces import excerpt, locate, source_line

Path_ = tuple[str | int, ...]


@dataclass
class Problem:
    keys: Path_ | None        # where in the document, e.g. ("contacts", 3, "phones", 0)
    message: str
    hint: str | Callable[[], str] | None = None  # a callable: worked out only if shown
    kind: str | None = None
    item_id: str | None = None
    field: str | None = None
    other: Path_ | None = None  # another place the message names as "{other}" (e.g. a first use)
    quote: bool = False         # the hint should show the value, quoted, as written in the file


def validate(data: Any, source: SourceFile) -> dict[str, list[dict]]:
    """Return the items by kind (plural key), or raise a located DirectoryError.
    (`source` is the file `data` was parsed from: its text locates a problem.)"""
    problems: list[Problem] = []
    items = _check_top_level(data, problems)
    ids: dict[str, set[str]] = {}
    if not problems:
        for kind in schema.KINDS:
            ids[kind.name] = _check_items(kind, items.get(kind.plural, []), problems)
        for kind in schema.KINDS:
            kind_items = items.get(kind.plural, [])
            if problems or not _references_known(kind, kind_items, ids):
                for index, item in enumerate(kind_items):
                    _check_references(kind, index, item, ids, problems)
    if not problems and not any(items.get(kind.plural) for kind in schema.KINDS):
        problems.append(Problem(
            None, "the directory has no items: every list is empty or missing",
            hint="add at least one item, e.g. `cities:` with a `- id: ...` line under it "
                 "(the existing database is kept until then)"))
    if problems:
        raise _located(problems, source.text, source.path)
    return {kind.plural: items.get(kind.plural, []) for kind in schema.KINDS}


def _located(problems: list[Problem], text: str, path: Path) -> DirectoryError:
    first = problems[0]
    where = locate(text, first.keys) if first.keys is not None else None
    line, column = where if where else (None, None)
    message = first.message
    if first.other is not None:
        other = locate(text, first.other)
        message = message.replace("{other}", f" (on line {other[0]})" if other else "")
    hint = first.hint() if callable(first.hint) else first.hint
    if first.quote and line is not None:
        written = _written_value(source_line(text, line), column)
        if written:
            hint = f'put the value in quotes exactly as written: "{written}"'
    if len(problems) > 1:
        more = len(problems) - 1
        message += f"  ({more} more problem{'s' if more > 1 else ''} after this one)"
    return DirectoryError(
        message, path=path, line=line, column=column, kind=first.kind,
        item_id=first.item_id, field=first.field, hint=hint,
        excerpt=excerpt(text, line, column),
    )


def _written_value(shown: str, column: int | None) -> str | None:
    """The value as typed on a displayed source line (`  12 | key: value`), for hints."""
    if column is None or " | " not in shown:
        return None
    rest = shown.split(" | ", 1)[1][column - 1:]
    if rest.startswith("- "):
        rest = rest[2:]
    elif ":" in rest:
        rest = rest.split(":", 1)[1]
    rest = rest.split(" #", 1)[0].strip()
    return rest if rest and not rest.startswith(("[", "{", '"', "'")) and '"' not in rest else None


def _check_top_level(data: Any, problems: list[Problem]) -> dict[str, list]:
    if not isinstance(data, dict):
        problems.append(Problem(
            (), f"the top level is {_describe_value(data)}, but a directory is a mapping of lists",
            hint="start the file with `cities:`, `contacts:`, `networks:` and `meetings:` keys",
        ))
        return {}
    items: dict[str, list] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            problems.append(Problem(
                (), f"unknown kind {_describe_value(key)} at the top level",
                hint="allowed: " + ", ".join(schema.KIND_BY_PLURAL),
            ))
        elif key not in schema.KIND_BY_PLURAL:
            problems.append(Problem(
                (key,), f"unknown kind {key!r}",
                hint=_suggest(key, list(schema.KIND_BY_PLURAL), plural_hint=True),
            ))
        elif value is None:
            items[key] = []
        elif not isinstance(value, list):
            problems.append(Problem(
                (key,), f"{key!r} must be a list of items, not {_describe_value(value)}",
                hint=f"write each {schema.KIND_BY_PLURAL[key].name} as an item starting with "
                     f"`- id: ...`, indented under `{key}:`",
            ))
        else:
            items[key] = value
    return items


def _check_items(kind: schema.Kind, items: list, problems: list[Problem]) -> set[str]:
    fine = _all_fine(kind, items)
    if fine is not None:
        return fine
    seen: dict[str, int] = {}
    fields = _ALL_FIELDS[kind.name]
    fields_ok = _fast_check(fields)
    match_id = schema.ID_PATTERN.match
    for index, item in enumerate(items):
        if item.__class__ is dict:  # the fast path: a well-formed item, checked without detail
            item_id = item.get("id")
            if item_id.__class__ is str and item_id not in seen and match_id(item_id) \
                    and fields_ok(item):
                seen[item_id] = index
                continue
        keys: Path_ = (kind.plural, index)
        if not isinstance(item, dict):
            problems.append(Problem(keys, f"each {kind.name} must be a mapping, not {_describe_value(item)}",
                                    kind=kind.name, hint="write the item as `- id: ...` followed by its fields"))
            continue
        item_id = item.get("id")
        label = item_id if isinstance(item_id, str) else None
        if "id" not in item:
            problems.append(Problem(keys, f"this {kind.name} has no id", kind=kind.name, field="id",
                                    hint="add `id: some-slug` (lower-case letters, digits and "
                                         "hyphens), unique among the " + kind.plural))
        elif not isinstance(item_id, str) or not schema.ID_PATTERN.match(item_id):
            problems.append(Problem(
                (*keys, "id"), f"the id {_show(item_id)} is not a valid id", kind=kind.name, field="id",
                hint="use lower-case letters, digits and single hyphens, e.g. loule-city",
            ))
        elif item_id in seen:
            problems.append(Problem(
                (*keys, "id"), f"the id {item_id!r} is already used by another {kind.name}{{other}}",
                kind=kind.name, item_id=item_id, field="id", other=(kind.plural, seen[item_id], "id"),
                hint=f"give each {kind.name} its own id (or, if both are the same {kind.name}, "
                     "merge them into one)",
            ))
        else:
            seen[item_id] = index
        _check_fields(fields, item, keys, kind, label, "", problems)
    return set(seen)


def _all_fine(kind: schema.Kind, items: list) -> set[str] | None:
    """The items' ids if every item is surely fine, else None (then each item is
    checked on its own, and every problem found).

    Each step is one C loop over all the items (types, ids, duplicates, the ids'
    format, the fields): a Python loop per item was a third of checking 100k
    contacts."""
    if set(map(type, items)) - {dict}:
        return None
    ids = list(map(dict.get, items, itertools.repeat("id")))
    if set(map(type, ids)) - {str}:
        return None
    unique = set(ids)
    if len(unique) != len(ids) or not _well_formed("\n".join(ids), len(ids)):
        return None
    return unique if all(map(_fast_check(_ALL_FIELDS[kind.name]), items)) else None


_ID_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789-\n"


def _well_formed(joined: str, count: int) -> bool:
    """Do the ids, joined one a line, all match `schema.ID_PATTERN`?  (Lower-case
    letters, digits and single inner hyphens: a few C scans of the text, where the
    pattern over 100k ids took 75 ms.)"""
    return bool(joined) and joined.count("\n") == count - 1 \
        and not joined.encode().translate(None, _ID_BYTES) \
        and not any(bad in joined for bad in ("--", "\n-", "-\n", "\n\n")) \
        and not joined.startswith(("-", "\n")) and not joined.endswith(("-", "\n"))


# --- the fast path ---------------------------------------------------------------
# A checker per field list answers only "is this surely fine?".  True means the
# detailed checks below would find nothing; False (or any doubt) sends the item
# to them, so every message, and the order of the problems, comes from one place.
# Each checker is compiled into one function, a test per field, with the fields
# of records and the elements of lists checked inline: a generic loop over the
# item's fields, a call per value, was most of the time of checking 100k
# contacts (and a compiled function per record or list, 4% more instructions).

_FAST: dict[int, tuple] = {}


def _fast_check(fields: tuple[schema.Field, ...]) -> Callable[[dict], bool]:
    cached = _FAST.get(id(fields))
    if cached is not None and cached[1] is fields:
        return cached[0]
    namespace: dict[str, Any] = {"isfinite": math.isfinite}
    lines = ["def fields_ok(item):"]
    _fast_record(fields, "item", 1, lines, namespace, top=True)
    lines.append("    return True")
    exec(compile("\n".join(lines), "<fast check>", "exec"), namespace)  # noqa: S102
    fields_ok = namespace["fields_ok"]
    _FAST[id(fields)] = (fields_ok, fields)
    return fields_ok


def _fast_record(fields: tuple[schema.Field, ...], mapping: str, depth: int,
                 lines: list[str], namespace: dict[str, Any], top: bool = False) -> None:
    """Lines that return False unless the dict `mapping` surely holds `fields` well
    (at the top, the id is left to the caller)."""
    pad = "    " * depth
    known = f"KNOWN{len(namespace)}"
    namespace[known] = frozenset(field.name for field in fields)
    lines += [f"{pad}if not {mapping}.keys() <= {known}:",
              f"{pad}    return False  # an unknown field",
              f"{pad}get{depth} = {mapping}.get"]
    value = f"value{depth}"
    for field in fields:
        if top and field.name == "id":
            continue  # checked by the caller
        lines.append(f"{pad}{value} = get{depth}({field.name!r})")
        if field.required:
            lines += [f'{pad}if {value} is None or {value} == "":', f"{pad}    return False"]
        lines.append(f"{pad}if {value} is not None:")
        _fast_value(field.type, value, depth + 1, lines, namespace)


def _fast_value(ftype: schema.FieldType, value: str, depth: int, lines: list[str],
                namespace: dict[str, Any]) -> None:
    """Lines that return False unless the non-empty `value` is surely fine as `ftype`."""
    pad = "    " * depth
    if isinstance(ftype, (schema.Text, schema.Ref)):
        test = f"{value}.__class__ is str"
        if isinstance(ftype, schema.Text) and ftype.choices:
            choices = f"CHOICES{len(namespace)}"
            namespace[choices] = frozenset(ftype.choices)
            test += f" and {value} in {choices}"
        lines += [f"{pad}if not ({test}):", f"{pad}    return False"]
    elif isinstance(ftype, (schema.Integer, schema.Number)):
        test = f"{value}.__class__ is int"
        if isinstance(ftype, schema.Number):
            test = f"({test} or {value}.__class__ is float and isfinite({value}))"
        if ftype.minimum is not None:
            test += f" and {value} >= {ftype.minimum!r}"
        if ftype.maximum is not None:
            test += f" and {value} <= {ftype.maximum!r}"
        lines += [f"{pad}if not ({test}):", f"{pad}    return False"]
    elif isinstance(ftype, schema.ListOf):
        element = f"element{depth}"
        lines += [f"{pad}if {value}.__class__ is not list:", f"{pad}    return False",
                  f"{pad}for {element} in {value}:",
                  f"{pad}    if {element} is not None:"]
        _fast_value(ftype.item, element, depth + 2, lines, namespace)
    elif isinstance(ftype, schema.Record):
        lines += [f"{pad}if {value}.__class__ is not dict:", f"{pad}    return False"]
        _fast_record(ftype.fields, value, depth, lines, namespace)
    elif isinstance(ftype, schema.TextMap):
        lines += [f"{pad}if {value}.__class__ is not dict:", f"{pad}    return False",
                  f"{pad}for key{depth}, text{depth} in {value}.items():",
                  f"{pad}    if key{depth}.__class__ is not str or text{depth}.__class__ is not str:",
                  f"{pad}        return False"]
    else:
        lines.append(f"{pad}return False  # a type this path does not know: check it in detail")


_PLANS: dict[int, tuple] = {}
_ALL_FIELDS = {kind.name: kind.all_fields for kind in schema.KINDS}  # one tuple per kind


def _plan(fields: tuple[schema.Field, ...]) -> tuple:
    """Per field list, once: fields by name, the plain-text ones, the required ones."""
    plan = _PLANS.get(id(fields))
    if plan is None or plan[3] is not fields:
        plain = frozenset(f.name for f in fields if isinstance(f.type, schema.Ref) or (
            isinstance(f.type, schema.Text) and not f.type.choices))
        required = tuple(f for f in fields if f.required and f.name != "id")
        plan = _PLANS[id(fields)] = ({f.name: f for f in fields}, plain, required, fields)
    return plan


def _check_fields(fields: tuple[schema.Field, ...], item: dict, keys: Path_, kind: schema.Kind,
                  item_id: str | None, prefix: str, problems: list[Problem]) -> None:
    known, plain, required, _ = _plan(fields)
    for name, value in item.items():
        if value.__class__ is str and name in plain:
            continue  # the common case, checked without a call (100k items: 3x faster)
        field = known.get(name)
        dotted = f"{prefix}{name}"
        if field is None:
            shown = _show(name) if isinstance(name, str) else _describe_value(name)
            problems.append(Problem(
                (*keys, name) if isinstance(name, str) else keys, f"unknown field {shown}",
                kind=kind.name, item_id=item_id, field=dotted if isinstance(name, str) else None,
                hint=_suggest(str(name), list(known)),
            ))
        elif name != "id":
            _check_value(field.type, value, (*keys, name), kind, item_id, dotted, problems)
    for field in required:
        if item.get(field.name) in (None, ""):
            problems.append(Problem(
                keys, f"the required field {field.name!r} is missing", kind=kind.name,
                item_id=item_id, field=f"{prefix}{field.name}",
                hint=f"add a `{field.name}:` line to "
                     + (f"this {kind.name}" if not prefix else f"`{prefix[:-1]}`")
                     + f" ({field.type.describe()}: {field.doc})",
            ))


def _check_value(ftype: schema.FieldType, value: Any, keys: Path_, kind: schema.Kind,
                 item_id: str | None, dotted: str, problems: list[Problem]) -> None:
    def problem(message: str, hint: str | None = None, quote: bool = False) -> None:
        problems.append(Problem(keys, message, kind=kind.name, item_id=item_id, field=dotted,
                                hint=hint or f"write {ftype.describe()}", quote=quote))

    if value is None:
        return  # an empty field is the same as a missing one
    if isinstance(ftype, schema.Text) or isinstance(ftype, schema.Ref):
        if not isinstance(value, str):
            scalar = isinstance(value, (int, float))  # bools too: `yes`, `no`, `on`
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}",
                    f'put the value in quotes: "{value}"' if scalar and not isinstance(value, bool)
                    else 'put the value in quotes' if scalar
                    else "write it as plain text (one value, not a list or mapping); put it in "
                         'quotes if it contains ": " or starts with [ or {', quote=scalar)
        elif isinstance(ftype, schema.Text) and ftype.choices and value not in ftype.choices:
            problem(f"{value!r} is not one of the allowed values",
                    f"write {ftype.describe()}" + _did_you_mean(value, ftype.choices))
    elif isinstance(ftype, (schema.Integer, schema.Number)):
        number_types = (int,) if isinstance(ftype, schema.Integer) else (int, float)
        if isinstance(value, bool) or not isinstance(value, number_types):
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}")
        elif isinstance(value, float) and not math.isfinite(value):
            problem(f"expected {ftype.describe()}, got {value}")
        elif (ftype.minimum is not None and value < ftype.minimum) or (
                ftype.maximum is not None and value > ftype.maximum):
            problem(f"{value} is out of range", f"write {ftype.describe()}")
    elif isinstance(ftype, schema.ListOf):
        if not isinstance(value, list):
            problem(f"expected a list, got {_describe_value(value)}",
                    f"write one `- ` line per value ({ftype.item.describe()})")
            return
        if ftype.item.__class__ is schema.Text and not ftype.item.choices and all(
                element.__class__ is str for element in value):
            return  # a list of text, all fine
        for index, element in enumerate(value):
            _check_value(ftype.item, element, (*keys, index), kind, item_id, f"{dotted}[{index}]", problems)
    elif isinstance(ftype, schema.Record):
        if not isinstance(value, dict):
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}")
            return
        _check_fields(ftype.fields, value, keys, kind, item_id, f"{dotted}.", problems)
    elif isinstance(ftype, schema.TextMap):
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}",
                    "write `field: basis for adding it` lines")


def _reference_fields(kind: schema.Kind) -> tuple[tuple[str, bool, str], ...]:
    """(field name, is a list, target kind) for each field of `kind` that holds ids."""
    return tuple((field.name, isinstance(field.type, schema.ListOf), field.target_kind)
                 for field in kind.fields if field.target_kind is not None)


_REFERENCES = {kind.name: _reference_fields(kind) for kind in schema.KINDS}


def _references_known(kind: schema.Kind, items: list[dict], ids: dict[str, set[str]]) -> bool:
    """Does every id the items refer to exist?  Set operations over all items at once,
    in C loops (the items are well-formed: their fields were checked first); only a
    False sends them through `_check_references`, which says which reference is wrong
    and where."""
    for name, many, target_kind in _REFERENCES[kind.name]:
        values = map(dict.get, items, itertools.repeat(name))
        referred = set(itertools.chain.from_iterable(filter(None, values)) if many else values)
        referred.discard(None)
        if not ids[target_kind].issuperset(referred):
            return False
    return True


def _check_references(kind: schema.Kind, index: int, item: Any, ids: dict[str, set[str]],
                      problems: list[Problem]) -> None:
    if not isinstance(item, dict):
        return
    for name, many, target_kind in _REFERENCES[kind.name]:
        value = item.get(name)
        if value is None:
            continue
        known = ids[target_kind]
        if not many:
            if isinstance(value, str) and value not in known:
                _missing_reference(kind, index, item, (name,), name, value, target_kind, ids,
                                   problems)
        elif isinstance(value, list):
            for position, ref in enumerate(value):
                if isinstance(ref, str) and ref not in known:
                    _missing_reference(kind, index, item, (name, position), f"{name}[{position}]",
                                       ref, target_kind, ids, problems)


def _missing_reference(kind: schema.Kind, index: int, item: dict, where: tuple, dotted: str,
                       ref: str, target_kind: str, ids: dict[str, set[str]],
                       problems: list[Problem]) -> None:
    item_id = item.get("id") if isinstance(item.get("id"), str) else None
    plural = schema.KIND_BY_NAME[target_kind].plural
    if ref.strip():
        message = f"there is no {target_kind} with the id {ref!r}"
        hint: str | Callable[[], str] = lambda: (
            f"use the id of one of the {plural}" + _did_you_mean(ref, ids[target_kind])
            + f", or add a {target_kind} with this id")
    else:
        message = f"the {target_kind} id is empty"
        hint = f"write the id of one of the {plural}, or remove the empty value"
    problems.append(Problem((kind.plural, index, *where), message, kind=kind.name,
                            item_id=item_id, field=dotted, hint=hint))


def _did_you_mean(value: str, options) -> str:
    options = list(options)
    if len(options) > 500:  # difflib takes ~10 s over 100k ids; rapidfuzz ~20 ms
        from rapidfuzz import fuzz, process

        best = process.extractOne(value, options, scorer=fuzz.ratio, score_cutoff=60)
        close = [best[0]] if best else []
    else:
        close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _suggest(name: str, options: list[str], plural_hint: bool = False) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if plural_hint and name in schema.KIND_BY_NAME:
        close = [schema.KIND_BY_NAME[name].plural]
    if close:
        return f"did you mean {close[0]!r}? Allowed: " + ", ".join(options)
    return "allowed: " + ", ".join(options)


def _show(value: Any) -> str:
    """A value quoted for a message, cut short if long."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe_value(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int):
        return f"a number ({value})"
    if isinstance(value, float):
        return f"a number ({value:g})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, tuple):
        return "a list used as a key"
    return type(value).__name__
