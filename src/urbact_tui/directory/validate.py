"""Checking parsed YAML against the schema before anything touches the database.

The checks run on plain data (fast); only the first problem is then located in
the file (line and column), because locating means re-reading the file with
PyYAML's composer.  The error also says how many further problems were found,
so a user fixing a file knows how far they are from done.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema
from .errors import DirectoryError
from .yamlfile import locate, source_line

Path_ = tuple[str | int, ...]


@dataclass
class Problem:
    keys: Path_               # where in the document, e.g. ("contacts", 3, "phones", 0)
    message: str
    hint: str | None = None
    kind: str | None = None
    item_id: str | None = None
    field: str | None = None


def validate(data: Any, text: str, path: Path) -> dict[str, list[dict]]:
    """Return the items by kind (plural key), or raise a located DirectoryError."""
    problems: list[Problem] = []
    items = _check_top_level(data, problems)
    ids: dict[str, set[str]] = {}
    if not problems:
        for kind in schema.KINDS:
            ids[kind.name] = _check_items(kind, items.get(kind.plural, []), problems)
        for kind in schema.KINDS:
            for index, item in enumerate(items.get(kind.plural, [])):
                _check_references(kind, index, item, ids, problems)
    if problems:
        raise _located(problems, text, path)
    return {kind.plural: items.get(kind.plural, []) for kind in schema.KINDS}


def _located(problems: list[Problem], text: str, path: Path) -> DirectoryError:
    first = problems[0]
    where = locate(text, first.keys)
    line, column = where if where else (None, None)
    message = first.message
    if len(problems) > 1:
        more = len(problems) - 1
        message += f"  ({more} more problem{'s' if more > 1 else ''} after this one)"
    return DirectoryError(
        message, path=path, line=line, column=column, kind=first.kind,
        item_id=first.item_id, field=first.field, hint=first.hint,
        excerpt=[source_line(text, line)] if line else [],
    )


def _check_top_level(data: Any, problems: list[Problem]) -> dict[str, list]:
    if not isinstance(data, dict):
        problems.append(Problem(
            (), f"the top level is {_describe_value(data)}, but a directory is a mapping of lists",
            hint="start the file with `cities:`, `contacts:`, `networks:` and `meetings:` keys",
        ))
        return {}
    items: dict[str, list] = {}
    for key, value in data.items():
        if key not in schema.KIND_BY_PLURAL:
            problems.append(Problem(
                (str(key),), f"unknown kind {key!r}",
                hint=_suggest(str(key), list(schema.KIND_BY_PLURAL), plural_hint=True),
            ))
        elif value is None:
            items[key] = []
        elif not isinstance(value, list):
            problems.append(Problem(
                (key,), f"{key!r} must be a list of items, not {_describe_value(value)}",
                hint=f"write each {schema.KIND_BY_PLURAL[key].name} as an item starting with `- id: ...`",
                field=key,
            ))
        else:
            items[key] = value
    return items


def _check_items(kind: schema.Kind, items: list, problems: list[Problem]) -> set[str]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        keys: Path_ = (kind.plural, index)
        if not isinstance(item, dict):
            problems.append(Problem(keys, f"each {kind.name} must be a mapping, not {_describe_value(item)}",
                                    kind=kind.name, hint="write the item as `- id: ...` followed by its fields"))
            continue
        item_id = item.get("id")
        label = item_id if isinstance(item_id, str) else None
        if "id" not in item:
            problems.append(Problem(keys, f"this {kind.name} has no id", kind=kind.name, field="id",
                                    hint="add `id: some-slug`, unique among the " + kind.plural))
        elif not isinstance(item_id, str) or not schema.ID_PATTERN.match(item_id):
            problems.append(Problem(
                (*keys, "id"), f"the id {item_id!r} is not a valid id", kind=kind.name, field="id",
                hint="use lower-case letters, digits and single hyphens, e.g. loule-city",
            ))
        elif item_id in seen:
            problems.append(Problem(
                (*keys, "id"), f"the id {item_id!r} is already used by {kind.name} number {seen[item_id] + 1}",
                kind=kind.name, item_id=item_id, field="id",
                hint="give each " + kind.name + " its own id",
            ))
        else:
            seen[item_id] = index
        _check_fields(kind.all_fields, item, keys, kind, label, "", problems)
    return set(seen)


def _check_fields(fields: tuple[schema.Field, ...], item: dict, keys: Path_, kind: schema.Kind,
                  item_id: str | None, prefix: str, problems: list[Problem]) -> None:
    known = {f.name: f for f in fields}
    for name, value in item.items():
        field = known.get(name)
        dotted = f"{prefix}{name}"
        if field is None:
            problems.append(Problem(
                (*keys, str(name)), f"unknown field {name!r}", kind=kind.name, item_id=item_id,
                field=dotted, hint=_suggest(str(name), list(known)),
            ))
        elif name != "id":
            _check_value(field.type, value, (*keys, name), kind, item_id, dotted, problems)
    for field in fields:
        if field.required and field.name != "id" and (field.name not in item or item[field.name] in (None, "")):
            problems.append(Problem(
                keys, f"the required field {field.name!r} is missing", kind=kind.name,
                item_id=item_id, field=f"{prefix}{field.name}",
                hint=f"add `{field.name}:` with {field.type.describe()} ({field.doc})",
            ))


def _check_value(ftype: schema.FieldType, value: Any, keys: Path_, kind: schema.Kind,
                 item_id: str | None, dotted: str, problems: list[Problem]) -> None:
    def problem(message: str, hint: str | None = None) -> None:
        problems.append(Problem(keys, message, kind=kind.name, item_id=item_id, field=dotted,
                                hint=hint or f"write {ftype.describe()}"))

    if value is None:
        return  # an empty field is the same as a missing one
    if isinstance(ftype, schema.Text) or isinstance(ftype, schema.Ref):
        if not isinstance(value, str):
            quoted = f'"{value}"' if isinstance(value, (int, float)) else None
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}",
                    f"put the value in quotes: {quoted}" if quoted else None)
        elif isinstance(ftype, schema.Text) and ftype.choices and value not in ftype.choices:
            problem(f"{value!r} is not one of the allowed values",
                    f"write {ftype.describe()}" + _did_you_mean(value, ftype.choices))
    elif isinstance(ftype, (schema.Integer, schema.Number)):
        number_types = (int,) if isinstance(ftype, schema.Integer) else (int, float)
        if isinstance(value, bool) or not isinstance(value, number_types):
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}")
        elif (ftype.minimum is not None and value < ftype.minimum) or (
                ftype.maximum is not None and value > ftype.maximum):
            problem(f"{value} is out of range", f"write {ftype.describe()}")
    elif isinstance(ftype, schema.ListOf):
        if not isinstance(value, list):
            problem(f"expected a list, got {_describe_value(value)}",
                    f"write one `- ` line per value ({ftype.item.describe()})")
            return
        for index, element in enumerate(value):
            _check_value(ftype.item, element, (*keys, index), kind, item_id, f"{dotted}[{index}]", problems)
    elif isinstance(ftype, schema.Record):
        if not isinstance(value, dict):
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}")
            return
        _check_fields(ftype.fields, value, keys, kind, item_id, f"{dotted}.", problems)
    elif isinstance(ftype, schema.TextMap):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problem(f"expected {ftype.describe()}, got {_describe_value(value)}",
                    "write `field: basis for adding it` lines")


def _check_references(kind: schema.Kind, index: int, item: Any, ids: dict[str, set[str]],
                      problems: list[Problem]) -> None:
    if not isinstance(item, dict):
        return
    item_id = item.get("id") if isinstance(item.get("id"), str) else None
    for field in kind.fields:
        value = item.get(field.name)
        targets: list[tuple[Path_, str, Any]] = []
        if isinstance(field.type, schema.Ref):
            targets = [((kind.plural, index, field.name), field.name, value)]
            target_kind = field.type.kind
        elif isinstance(field.type, schema.ListOf) and isinstance(field.type.item, schema.Ref) \
                and isinstance(value, list):
            targets = [((kind.plural, index, field.name, i), f"{field.name}[{i}]", v)
                       for i, v in enumerate(value)]
            target_kind = field.type.item.kind
        for keys, dotted, ref in targets:
            if isinstance(ref, str) and ref not in ids[target_kind]:
                plural = schema.KIND_BY_NAME[target_kind].plural
                problems.append(Problem(
                    keys, f"there is no {target_kind} with the id {ref!r}", kind=kind.name,
                    item_id=item_id, field=dotted,
                    hint=f"use the id of one of the {plural}" + _did_you_mean(ref, ids[target_kind])
                    + f", or add a {target_kind} with this id",
                ))


def _did_you_mean(value: str, options) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _suggest(name: str, options: list[str], plural_hint: bool = False) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if plural_hint and name in schema.KIND_BY_NAME:
        close = [schema.KIND_BY_NAME[name].plural]
    if close:
        return f"did you mean {close[0]!r}? Allowed: " + ", ".join(options)
    return "allowed: " + ", ".join(options)


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
    return type(value).__name__
