"""The `urbact-tui` command: the app, and a scriptable CLI on the same core.

Exit codes are a contract for scripts: 0 success, 1 nothing found, 2 bad
input or usage.  Errors are one clear message on stderr, never a traceback.
Only the app imports Textual, so `search`, `show` and `card` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .directory import schema
from .directory.errors import DirectoryError
from .paths import bundled_seed, database_path

EXIT_OK, EXIT_NOT_FOUND, EXIT_BAD_INPUT = 0, 1, 2
KIND_NAMES = [k.name for k in schema.KINDS]


def run() -> NoReturn:
    """The `urbact-tui` command (`main` for the process as a whole).

    After a load, the process ends at once (`os._exit`, once the output is
    flushed): Python would otherwise free the parsed directory and every module
    object by object before exiting, 0.2 s for 100k contacts.  Nothing is left
    to clean up by then: the database is written and closed, the index helper
    reaped.  Other commands exit as usual (the app may still be handing text to
    the system clipboard in a thread).
    """
    global _WHOLE_PROCESS
    _WHOLE_PROCESS = True
    code = main()
    if _loaded:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # closed early (`| head`): nothing to deliver
                pass
        os._exit(code)
    sys.exit(code)


_WHOLE_PROCESS = False   # set by `run`: `main` is the whole process, which ends after it
_loaded = False          # a load finished


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = getattr(args, "handler", _run_app)
    try:
        return handler(args)
    except DirectoryError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `urbact-tui search x | head -1`
        return EXIT_OK
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("URBACT_TUI_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc}\n"
              "  please report it; set URBACT_TUI_DEBUG=1 to see the details", file=sys.stderr)
        return EXIT_BAD_INPUT


# --- commands -----------------------------------------------------------------------


def _run_app(args: argparse.Namespace) -> int:
    from .app import run_app

    return run_app(database_path(args.db))


def _load(args: argparse.Namespace) -> int:
    from .directory.loader import load

    source = Path(args.path) if args.path else bundled_seed()
    target = database_path(args.db)
    global _loaded
    counts = load(source, target, progress=_progress_printer(), exiting=_WHOLE_PROCESS)
    _loaded = True
    summary = ", ".join(f"{n} {schema.KIND_BY_NAME[k].plural if n != 1 else k}"
                        for k, n in counts.items())
    print(f"loaded {source} into {target}\n  {summary}")
    return EXIT_OK


def _search(args: argparse.Namespace) -> int:
    directory = _open(args)
    if args.stdin:
        for line in sys.stdin:
            hits = directory.search(line.rstrip("\n"), kind=args.kind, limit=args.limit)
            sys.stdout.write(json.dumps([h.as_json() for h in hits], ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return EXIT_OK
    if not args.query or not args.query.strip():
        print("error: give something to search for, e.g. `urbact-tui search loule`",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    hits = directory.search(args.query, kind=args.kind, limit=args.limit)
    if args.json:
        _print_json([h.as_json() for h in hits])
    else:
        width = _width()
        id_width = min(max((len(h.id) for h in hits), default=0), 30)
        for hit in hits:
            line = f"{hit.kind:<9}{hit.id:<{id_width}}  {hit.title}"
            if hit.subtitle:
                line += f" — {hit.subtitle}"
            print(_clip(line, width))
        if not hits:
            print(f"nothing matches {args.query!r}", file=sys.stderr)
    return EXIT_OK if hits else EXIT_NOT_FOUND


def _show(args: argparse.Namespace) -> int:
    record, code = _record(args, "show")
    if record is None:
        return code
    if args.json:
        _print_json(record)
    else:
        print(format_record(record, _width() if sys.stdout.isatty() else 80))
    return EXIT_OK


def _card(args: argparse.Namespace) -> int:
    from .directory.cards import render

    record, code = _record(args, "card")
    if record is None:
        return code
    sys.stdout.write(render(record, args.format))
    return EXIT_OK


def _timeline(args: argparse.Namespace) -> int:
    directory = _open(args)
    if args.network and directory.summary("network", args.network) is None:
        return _not_found("network", args.network)
    meetings = directory.timeline(args.network)
    if args.json:
        _print_json(meetings)
        return EXIT_OK if meetings else EXIT_NOT_FOUND
    network = None
    for meeting in meetings:
        if meeting["network_name"] != network:
            network = meeting["network_name"]
            print(("\n" if network is not meetings[0]["network_name"] else "") + (network or "No network"))
        place = meeting["city_name"] or meeting["place"] or ""
        print(f"  {meeting['order']:>2}  {meeting['date']:<16}{meeting['kind']:<15}{place}")
    if not meetings:
        print("no meetings", file=sys.stderr)
    return EXIT_OK if meetings else EXIT_NOT_FOUND


# --- helpers --------------------------------------------------------------------------


def _open(args: argparse.Namespace):
    from .directory.store import open_directory

    return open_directory(database_path(args.db), bundled_seed(), _progress_printer())


def _record(args: argparse.Namespace, command: str) -> tuple[dict[str, Any] | None, int]:
    """The record `args.kind` and `args.id` name, and EXIT_OK; or None and the exit
    code, with the reason on stderr.  A kind left out is the kind of the one item
    with the id (ids are unique within a kind only)."""
    directory = _open(args)
    kind = args.kind
    if kind is None:
        kinds = directory.kinds_of(args.id)
        if not kinds:
            print(f"nothing has the id {args.id!r}; find ids with `urbact-tui search`",
                  file=sys.stderr)
            return None, EXIT_NOT_FOUND
        if len(kinds) > 1:
            print(f"the id {args.id!r} is used by a {' and a '.join(kinds)}; say which, "
                  f"e.g. `urbact-tui {command} {kinds[0]} {args.id}`", file=sys.stderr)
            return None, EXIT_BAD_INPUT
        kind = kinds[0]
    record = directory.get(kind, args.id)
    if record is None:
        return None, _not_found(kind, args.id)
    return record, EXIT_OK


def _not_found(kind: str, item_id: str) -> int:
    print(f"no {kind} with the id {item_id!r}; find ids with `urbact-tui search`",
          file=sys.stderr)
    return EXIT_NOT_FOUND


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _width() -> int:
    return max(40, shutil.get_terminal_size((80, 24)).columns) if sys.stdout.isatty() else 10_000


def _clip(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _progress_printer() -> Callable[[str, int, int], None] | None:
    """A one-line progress display on stderr, only where a person is watching."""
    if not sys.stderr.isatty():
        return None

    def report(stage: str, done: int, total: int) -> None:
        if stage == "done":
            sys.stderr.write("\r\033[K")
        else:
            filled = int(24 * done / total) if total else 0
            sys.stderr.write(f"\r\033[K{stage:<9} [{'#' * filled}{'.' * (24 - filled)}] "
                             f"{done:,}/{total:,}")
        sys.stderr.flush()

    return report


LABELS = {"name_en": "English name", "country_code": "Country code", "project_year": "Project year",
          "raw": "As printed", "emails": "Email", "websites": "Web"}
HIDDEN = {"id", "added", "warnings", "notes", "source", "data"}


def format_record(record: dict[str, Any], width: int = 80) -> str:
    """A record as aligned, wrapped text for the terminal."""
    from .directory.cards import phone_dial

    width = min(width, 100)
    data = record["record"]
    kind = schema.KIND_BY_NAME[record["kind"]]
    lines = [f"{record['title']}  ({record['kind']} {record['id']})"]
    if record["subtitle"]:
        lines.append(record["subtitle"])
    lines.append("")
    label_width = 14

    def add(label: str, value: str) -> None:
        wrapped = textwrap.wrap(value, width - label_width - 2) or [""]
        lines.append(f"  {label:<{label_width}}{wrapped[0]}")
        lines.extend(" " * (label_width + 2) + w for w in wrapped[1:])

    for field in kind.fields:
        value = data.get(field.name)
        if value in (None, [], {}) or field.name in HIDDEN or field.target_kind:
            continue
        label = LABELS.get(field.name, field.name.replace("_", " ").capitalize())
        if field.name == "phones":
            for phone in record["record"]["phones"]:
                extra = f"  ({phone['label']})" if phone.get("label") else ""
                add("Phone", phone_dial(phone) + extra)
        elif field.name == "address":
            add("Address", value.get("raw", ""))
        elif field.name == "location":
            add("Location", f"{value['lat']}, {value['lon']}")
        elif field.name in ("social", "links"):
            for entry in value:
                add(label if field.name == "links" else entry.get("service", "").capitalize(),
                    " ".join(str(v) for k, v in entry.items() if k not in ("service", "kind") and v))
        elif isinstance(value, list):
            add(label, ", ".join(str(v) for v in value))
        else:
            add(label, str(value))
    for name, items in record["links"].items():
        lines.append("")
        lines.append(name.replace("_", " ").capitalize())
        for item in items:
            line = f"  {item['kind']:<9}{item['title']}"
            if item["subtitle"]:
                line += f" — {item['subtitle']}"
            lines.append(_clip(line, width))
    added = data.get("added") or {}
    if added:
        lines.append("")
        lines.append("Added (not in the source pages)")
        for name, basis in added.items():
            add(name, basis)
    if record["warnings"]:
        lines.append("")
        lines.append("Data-quality warnings")
        for warning in record["warnings"]:
            lines.extend(textwrap.wrap(warning["message"], width - 4, initial_indent="  ! ",
                                       subsequent_indent="    "))
    return "\n".join(lines)


# --- argument parsing ---------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    db_help = "database file (default: $URBACT_TUI_DB or the user data folder)"
    parser = argparse.ArgumentParser(
        prog="urbact-tui",
        description="Look up URBACT city-network contacts offline. "
                    "With no command, opens the app.",
        epilog="example: urbact-tui search loule",
    )
    parser.add_argument("--db", metavar="PATH", help=db_help)
    # Commands accept --db after their name too; SUPPRESS keeps a --db given before it.
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable, help_text: str, example: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[db], help=help_text, description=help_text,
                                  epilog=f"example: {example}",
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(handler=handler)
        return sub

    load = command("load", _load, "validate a directory YAML file and build the database",
                   "urbact-tui load my-directory.yaml --db /tmp/dir.db")
    load.add_argument("path", nargs="?", help="the YAML file (default: the bundled directory)")

    search = command("search", _search, "search cities, contacts, networks, meetings and documents",
                     'urbact-tui search "laura gijon" --json')
    search.add_argument("query", nargs="?", help="words to look for (typos and accents forgiven)")
    search.add_argument("--kind", choices=KIND_NAMES, help="only results of this kind")
    search.add_argument("--limit", type=_positive, default=20, metavar="N",
                        help="at most N results (default 20)")
    search.add_argument("--json", action="store_true", help="print a JSON array")
    search.add_argument("--stdin", action="store_true",
                        help="read one query per line, print one JSON array per line")

    show = command("show", _show, "show one record with its linked records",
                   "urbact-tui show contact loule-city")
    show.add_argument("kind", nargs="?", choices=KIND_NAMES,
                      help="the record's kind (may be left out when only one kind has the id)")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="print the record as JSON")

    card = command("card", _card, "print a contact card (vCard, text or JSON)",
                   "urbact-tui card contact martin-neubert > neubert.vcf")
    card.add_argument("kind", nargs="?", choices=KIND_NAMES,
                      help="the record's kind (may be left out when only one kind has the id)")
    card.add_argument("id")
    card.add_argument("--format", choices=("vcard", "text", "json"), default="vcard")

    timeline = command("timeline", _timeline, "list meetings in chronological order",
                       "urbact-tui timeline --network in-focus")
    timeline.add_argument("--network", metavar="ID", help="only this network's meetings")
    timeline.add_argument("--json", action="store_true", help="print a JSON array")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
