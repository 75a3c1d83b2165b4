"""Contact cards: vCard 3.0 for address books, plain text for e-mails, JSON for scripts.

vCards are written with vobject (it handles escaping, line folding and the
structured N/ADR properties that hand-written vCards get wrong) and read back
by address books such as Apple Contacts, Outlook and Thunderbird.  Phones use
the normalised international form where the number is valid, the printed
form otherwise, and keep their extension.
"""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("vcard", "text", "json")


def render(record: dict[str, Any], fmt: str) -> str:
    """Render a record from `Directory.get` as a card in `fmt`."""
    if fmt == "vcard":
        return vcard(record)
    if fmt == "text":
        return text_card(record)
    if fmt == "json":
        return json.dumps(card_data(record), ensure_ascii=False, indent=2)
    raise ValueError(f"unknown card format {fmt!r}")


def card_data(record: dict[str, Any]) -> dict[str, Any]:
    """The facts on a card, in one shape shared by every format."""
    data = record["record"]
    links = record.get("links", {})
    city = (links.get("city") or [None])[0]
    address = data.get("address") or {}
    return {
        "kind": record["kind"],
        "id": record["id"],
        "name": record["title"],
        "role": data.get("role"),
        "organisation": data.get("organisation") or _first_title(links.get("parent")),
        "type": data.get("type"),
        "address": address.get("raw"),
        "address_parts": {k: v for k, v in address.items() if k != "raw"} or None,
        "city": city["title"] if city else None,
        "country": (city or {}).get("subtitle", "").split(" · ")[0] or address.get("country"),
        "phones": [_phone(p) for p in data.get("phones") or []],
        "emails": list(data.get("emails") or []),
        "websites": list(data.get("websites") or []),
        "social": [s.get("handle") or s.get("url") or s.get("label") for s in data.get("social") or []],
        "networks": [n["title"] for n in links.get("networks") or []],
        "warnings": [w["message"] for w in record.get("warnings") or []],
    }


def vcard(record: dict[str, Any]) -> str:
    """A vCard 3.0 for a contact (or any record with a name)."""
    import vobject

    data = card_data(record)
    card = vobject.vCard()
    card.add("fn").value = data["name"]
    person = data["type"] == "person"
    if person:
        given, _, family = data["name"].partition(" ")
        card.add("n").value = vobject.vcard.Name(family=family, given=given)
    else:
        card.add("n").value = vobject.vcard.Name(family=data["name"])
    organisation = data["organisation"] if person else data["name"]
    if organisation:
        card.add("org").value = [organisation]
    if data["role"]:
        card.add("title").value = data["role"]
    parts = data["address_parts"] or {}
    if data["address"]:
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(
            street=parts.get("street") or (data["address"] if not parts else ""),
            city=parts.get("locality") or data["city"] or "",
            region=parts.get("region") or "",
            code=parts.get("postcode") or "",
            country=parts.get("country") or data["country"] or "",
        )
        adr.type_param = "WORK"
        card.add("label").value = data["address"]
    for phone in data["phones"]:
        tel = card.add("tel")
        tel.value = phone["dial"]
        tel.type_param = "WORK"
    for email in data["emails"]:
        item = card.add("email")
        item.value = email
        item.type_param = "INTERNET"
    for website in data["websites"]:
        card.add("url").value = website
    notes = []
    if data["networks"]:
        notes.append("Networks: " + ", ".join(data["networks"]))
    if data["social"]:
        notes.append("Social: " + ", ".join(s for s in data["social"] if s))
    notes.extend(f"Data note: {w}" for w in data["warnings"])
    if notes:
        card.add("note").value = "\n".join(notes)
    card.add("uid").value = f"urn:urbact-tui:{record['kind']}:{record['id']}"
    return card.serialize()


def vcards(records: list[dict[str, Any]]) -> str:
    """Several vCards in one file, which address books import at once."""
    return "".join(vcard(r) for r in records)


def text_card(record: dict[str, Any]) -> str:
    """A plain-text card to paste into an e-mail."""
    data = card_data(record)
    lines = [data["name"]]
    for label in ("role", "organisation"):
        if data[label] and data[label] != data["name"]:
            lines.append(data[label])
    if data["address"]:
        lines.append(data["address"])
    elif data["city"]:
        lines.append(", ".join(p for p in (data["city"], data["country"]) if p))
    lines += [f"Tel: {p['dial']}" for p in data["phones"]]
    lines += [f"Email: {e}" for e in data["emails"]]
    lines += [f"Web: {w}" for w in data["websites"]]
    lines += [f"Social: {s}" for s in data["social"] if s]
    if data["networks"]:
        lines.append("Networks: " + ", ".join(data["networks"]))
    if record["kind"] != "contact":
        subtitle = record.get("subtitle")
        if subtitle:
            lines.insert(1, subtitle)
    return "\n".join(lines) + "\n"


def phone_dial(phone: dict[str, Any]) -> str:
    """What to dial: the normalised number (the printed one if invalid), with its extension."""
    dial = phone.get("international") or phone["raw"]
    return f"{dial} ext. {phone['ext']}" if phone.get("ext") else dial


def _phone(phone: dict[str, Any]) -> dict[str, Any]:
    return {"raw": phone["raw"], "e164": phone.get("e164"), "ext": phone.get("ext"),
            "label": phone.get("label"), "dial": phone_dial(phone)}


def _first_title(items: list[dict] | None) -> str | None:
    return items[0]["title"] if items else None
