"""How each kind of record reads in a result list and what text finds it.

One place decides an item's title, its one-line subtitle (`display_rows`) and
the text the search index holds for it (`build_entries`), so the CLI, the app
and the index agree.  The two are apart because a large load may make them
in two processes at once (see `loader._index_and_blocks`).
"""

from __future__ import annotations

import calendar
import re
from operator import itemgetter
from typing import Any

from .schema import KIND_BY_PLURAL
from .search import Entry

Items = dict[str, list[dict[str, Any]]]
_RAW = itemgetter("raw")
_NOT_DIGIT = re.compile(r"\D")
_ASCII_NOT_DIGIT = bytes(c for c in range(128) if not chr(c).isdigit())


def _digits(raw: str) -> str:
    """The digits of a phone number as one word ("+351 289 400 600" -> "351289400600"):
    bytes.translate deleting the rest for ASCII (every printed number, in practice:
    half the time of str.translate with a mapping), the regex otherwise."""
    if raw.isascii():
        return raw.encode("ascii").translate(None, _ASCII_NOT_DIGIT).decode("ascii")
    return _NOT_DIGIT.sub("", raw)


def month_label(meeting: dict[str, Any]) -> str:
    """A meeting's date as precise as the data is: "Sep 2017", "Sep (year 2?)", "?"."""
    month = meeting.get("month")
    label = calendar.month_abbr[month] if month else ""
    if meeting.get("year"):
        inferred = "year" in (meeting.get("added") or {})
        return f"{label} {meeting['year']}{'?' if inferred else ''}".strip()
    if meeting.get("project_year"):
        return f"{label} (year {meeting['project_year']}?)".strip()
    return label or "date unknown"


ENTRY_ORDER = ("cities", "networks", "contacts", "meetings", "documents")
"""The kinds in the order `display_rows` and `build_entries` number their items
(cities first: the order browsing shows); within a kind, the items are in their
order in the file."""


def entry_offsets(items: Items) -> dict[str, int]:
    """The entry number of each kind's first item, by kind name: an item's entry is
    then found from its place in its kind (see `store.Directory.summary`)."""
    offsets, number = {}, 0
    for plural in ENTRY_ORDER:
        offsets[KIND_BY_PLURAL[plural].name] = number
        number += len(items[plural])
    return offsets


def display_rows(items: Items) -> list[tuple[str, str, str]]:
    """(id, title, subtitle) of every item, in ENTRY_ORDER: what a result list shows."""
    networks = {n["id"]: n for n in items["networks"]}
    city_names = {city["id"]: city["name"] for city in items["cities"]}
    contact_names = {contact["id"]: contact["name"] for contact in items["contacts"]}
    rows = [(city["id"], city["name"], _join(city.get("country"), city.get("name_en")))
            for city in items["cities"]]
    rows += [(network["id"], network["name"],
              _join(network.get("type"), network.get("theme") or network.get("programme")))
             for network in items["networks"]]
    joined = _SEPARATOR.join  # (`_join` inline: most items are contacts)
    for contact in items["contacts"]:
        get = contact.get
        parent = get("parent")
        rows.append((contact["id"], contact["name"], joined(filter(None, (
            get("role"), get("organisation") or (contact_names.get(parent) if parent else None),
            city_names.get(get("city") or ""))))))
    for meeting in items["meetings"]:
        network = networks.get(meeting.get("network") or "")
        rows.append((meeting["id"], meeting["title"],
                     _join(network["name"] if network else None, month_label(meeting),
                           city_names.get(meeting.get("city") or "") or meeting.get("place"))))
    for document in items["documents"]:
        network = networks.get(document.get("network") or "")
        authors = [contact_names[a] for a in document.get("authors") or []]
        rows.append((document["id"], document["title"],
                     _join(document.get("type"), network["name"] if network else None,
                           ", ".join(authors) or None)))
    return rows


def build_entries(items: Items) -> list[Entry]:
    """Search entries for every item, in ENTRY_ORDER."""
    cities = {c["id"]: c for c in items["cities"]}
    networks = {n["id"]: n for n in items["networks"]}
    contacts = {c["id"]: c for c in items["contacts"]}

    def city_words(city_id: str | None) -> list[str]:
        city = cities.get(city_id or "")
        if not city:
            return []
        return [city["name"], city.get("name_en") or "", *(city.get("aliases") or []),
                city.get("country") or ""]

    def network_words(ids: list[str]) -> list[str]:
        words: list[str] = []
        for network_id in ids:
            network = networks.get(network_id)
            if network:
                words += [network["name"], *(network.get("aliases") or [])]
        return words

    entries: list[Entry] = []
    for city in items["cities"]:
        entries.append(Entry(
            "city", city["id"], city["name"],
            _text(city.get("name_en"), city.get("aliases"), city.get("country"),
                  city.get("country_code"), city.get("region")),
            _text(city.get("notes")),
        ))
    for network in items["networks"]:
        entries.append(Entry(
            "network", network["id"], network["name"],
            _text(network.get("aliases"), network.get("theme"), network.get("programme"),
                  network.get("type"), [cities[c]["name"] for c in network.get("cities") or []],
                  [s.get("handle") for s in network.get("social") or []],
                  network.get("emails"), [link["title"] for link in network.get("links") or []]),
            _text(network.get("description")),
        ))
    # Contacts are most of a large directory: each city's and network's words are
    # joined once and, with a contact's role, organisation, type and e-mail domain,
    # shared by the contacts that have them (the index tokenises each distinct
    # text once); the contact's own parts are gathered without helper calls.
    city_text = {city_id: " ".join(w for w in city_words(city_id) if isinstance(w, str))
                 for city_id in cities}
    network_text = {network_id: " ".join(w for w in network_words([network_id])
                                         if isinstance(w, str)) for network_id in networks}
    for contact in items["contacts"]:
        get = contact.get
        city_id = get("city")
        parent_id = get("parent")
        parent = contacts.get(parent_id) if parent_id else None
        parent_name = parent["name"] if parent else None
        shared = list(filter(None, (get("role"), get("organisation"), get("type"))))
        if city_id in cities:
            shared.append(city_text[city_id])
        parts = [parent_name] if isinstance(parent_name, str) else []
        address = (get("address") or {}).get("raw")
        if isinstance(address, str):
            parts.append(address)
        phones = get("phones")
        if phones:
            raws = list(map(_RAW, phones))
            parts.extend(raws)
            parts.extend(map(_digits, raws))
        emails = get("emails")
        if emails:
            for email in emails:
                if isinstance(email, str):  # the domain is shared by a city's addresses
                    local, at, domain = email.rpartition("@")
                    if at:
                        parts.append(local)
                        shared.append(domain)
                    else:
                        parts.append(email)
        websites = get("websites")
        if websites:
            parts.extend(v for v in websites if isinstance(v, str))
        social = get("social")
        if social:
            parts.extend(h for h in (s.get("handle") or s.get("label") for s in social)
                         if isinstance(h, str))
        for network_id in get("networks") or []:
            if network_id in networks:
                shared.append(network_text[network_id])
        notes = get("notes")
        entries.append(Entry(
            "contact", contact["id"], contact["name"],
            " ".join(parts),
            notes if isinstance(notes, str) else "",
            tuple(shared),
        ))
    for meeting in items["meetings"]:
        month = meeting.get("month")
        entries.append(Entry(
            "meeting", meeting["id"], meeting["title"],
            _text(meeting.get("kind"), meeting.get("place"), city_words(meeting.get("city")),
                  network_words([meeting["network"]] if meeting.get("network") else []),
                  [calendar.month_name[month], calendar.month_abbr[month]] if month else None,
                  str(meeting["year"]) if meeting.get("year") else None),
            _text(meeting.get("raw")),
        ))
    for document in items["documents"]:
        network = networks.get(document.get("network") or "")
        authors = [contacts[a]["name"] for a in document.get("authors") or []]
        entries.append(Entry(
            "document", document["id"], document["title"],
            _text(document.get("type"), network["name"] if network else None, authors,
                  document.get("tags"), document.get("organisations")),
            _text(document.get("summary"), document.get("body"),
                  [cities[c]["name"] for c in document.get("cities") or []],
                  [contacts[c]["name"] for c in document.get("contacts") or []]),
        ))
    return entries


_SEPARATOR = " · "


def _join(*parts: str | None) -> str:
    return _SEPARATOR.join(filter(None, parts))


def _text(*parts: Any) -> str:
    """Flatten strings and lists of strings into one space-separated text."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, list):
            out.extend(p for p in part if isinstance(p, str))
    return " ".join(out)
