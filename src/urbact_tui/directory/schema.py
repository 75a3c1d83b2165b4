"""The directory's schema: every kind, its fields and their types, in one place.

The YAML file is edited by hand, so the schema is data rather than code: the
validator walks it, the loader derives tables from it and `docs/data-model.md`
documents it.  Changing a field here changes all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SCHEMA_VERSION = "5"
"""Bumped whenever the database layout changes; older databases are rebuilt."""

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # (\Z: "$" would let "loule\n" through)

# --- field types -----------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A string; `choices` restricts it to a fixed vocabulary."""

    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return "text"


@dataclass(frozen=True)
class Integer:
    minimum: int | None = None
    maximum: int | None = None

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a whole number from {self.minimum} to {self.maximum}"
        return "a whole number"


@dataclass(frozen=True)
class Number:
    minimum: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a number from {self.minimum:g} to {self.maximum:g}"
        return "a number"


@dataclass(frozen=True)
class Ref:
    """The id of an item of another kind (a foreign key)."""

    kind: str

    def describe(self) -> str:
        return f"the id of a {self.kind}"


@dataclass(frozen=True)
class ListOf:
    item: FieldType

    def describe(self) -> str:
        return f"a list of {self.item.describe()} items"


@dataclass(frozen=True)
class Record:
    """A nested mapping with fixed fields (an address, a phone)."""

    name: str
    fields: tuple[Field, ...]

    def describe(self) -> str:
        return f"a mapping ({self.name}) with fields " + ", ".join(f.name for f in self.fields)

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class TextMap:
    """A mapping of field name to free text (used for `added` bases)."""

    def describe(self) -> str:
        return "a mapping of field name to text"


FieldType = Text | Integer | Number | Ref | ListOf | Record | TextMap


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    doc: str
    required: bool = False

    @property
    def target_kind(self) -> str | None:
        """The kind this field refers to by id (a Ref or a list of them), else None."""
        if isinstance(self.type, Ref):
            return self.type.kind
        if isinstance(self.type, ListOf) and isinstance(self.type.item, Ref):
            return self.type.item.kind
        return None


# --- shared pieces -----------------------------------------------------------

ADDRESS = Record(
    "address",
    (
        Field("raw", Text(), "the address exactly as printed in the source", required=True),
        Field("street", Text(), "street and number"),
        Field("postcode", Text(), "postal code, kept as text (leading zeros)"),
        Field("locality", Text(), "town or city as written in the address"),
        Field("region", Text(), "province or region"),
        Field("country", Text(), "country as written"),
    ),
)

PHONE = Record(
    "phone",
    (
        Field("raw", Text(), "the number exactly as printed, quoted", required=True),
        Field("ext", Text(), "extension, e.g. 1801"),
        Field("label", Text(), "what the number reaches, e.g. switchboard"),
    ),
)

SOCIAL = Record(
    "social",
    (
        Field("service", Text(("twitter", "facebook", "linkedin", "instagram", "youtube", "other")),
              "which service", required=True),
        Field("handle", Text(), "handle as written, e.g. @Tech_RevEu"),
        Field("url", Text(), "address of the profile, when the source gives one"),
        Field("label", Text(), "the link text as printed"),
    ),
)

LINK = Record(
    "link",
    (
        Field("title", Text(), "the link text as printed", required=True),
        Field("url", Text(), "address, when the source gives one"),
        Field("kind", Text(("website", "toolkit", "video", "guide", "social", "email", "other")),
              "what sort of resource"),
    ),
)

LOCATION = Record(
    "location",
    (
        Field("lat", Number(-90, 90), "latitude in degrees", required=True),
        Field("lon", Number(-180, 180), "longitude in degrees", required=True),
        Field("wkt", Text(), "the WKT text as printed, e.g. POINT (lon lat)"),
    ),
)

COMMON_FIELDS: tuple[Field, ...] = (
    Field("id", Text(), "unique within its kind: lower-case letters, digits and hyphens",
          required=True),
    Field("added", TextMap(), "fields not in the source pages, each with the basis for adding it"),
    Field("warnings", ListOf(Text()), "data-quality notes shown to users"),
    Field("source", Text(), "where in the source pages the item comes from"),
    Field("notes", Text(), "free notes for editors"),
)


@dataclass(frozen=True)
class Kind:
    """One kind of item: a top-level list in the YAML and a table in SQLite."""

    name: str          # singular, as the CLI and search results name it
    plural: str        # the YAML key and the table name
    title_field: str   # the field shown as the item's title
    fields: tuple[Field, ...] = field(default=())

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.all_fields if f.name == name), None)

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return COMMON_FIELDS + self.fields


CITY = Kind(
    "city", "cities", "name",
    (
        Field("name", Text(), "the name as the pages use it (usually the local name)",
              required=True),
        Field("name_en", Text(), "English name where it differs (Turin, Genoa)"),
        Field("aliases", ListOf(Text()), "other spellings found in the pages, misspellings included"),
        Field("country", Text(), "country name in English"),
        Field("country_code", Text(), "ISO 3166-1 alpha-2 code"),
        Field("region", Text(), "region or province"),
        Field("location", LOCATION, "coordinates"),
    ),
)

CONTACT = Kind(
    "contact", "contacts", "name",
    (
        Field("name", Text(), "a person's or an organisation's name", required=True),
        Field("type", Text(("person", "office", "council", "department", "agency",
                            "organisation", "cluster", "ngo", "university")),
              "what sort of contact"),
        Field("role", Text(), "a person's role or title"),
        Field("organisation", Text(), "the organisation a person or department belongs to"),
        Field("parent", Ref("contact"), "the contact this one is part of"),
        Field("city", Ref("city"), "the city the contact is in"),
        Field("address", ADDRESS, "postal address"),
        Field("phones", ListOf(PHONE), "telephone numbers"),
        Field("emails", ListOf(Text()), "e-mail addresses"),
        Field("websites", ListOf(Text()), "web addresses"),
        Field("social", ListOf(SOCIAL), "social-media accounts"),
        Field("networks", ListOf(Ref("network")), "networks the contact belongs to"),
    ),
)

NETWORK = Kind(
    "network", "networks", "name",
    (
        Field("name", Text(), "the network's or programme's name", required=True),
        Field("type", Text(("network", "programme", "initiative")), "network or programme"),
        Field("aliases", ListOf(Text()), "abbreviations and other names (ICC)"),
        Field("theme", Text(), "what the network works on"),
        Field("programme", Text(), "the programme it belongs to, e.g. URBACT III"),
        Field("description", Text(), "a short description from the pages"),
        Field("cities", ListOf(Ref("city")), "partner cities"),
        Field("links", ListOf(LINK), "resources and web pages"),
        Field("social", ListOf(SOCIAL), "social-media accounts"),
        Field("emails", ListOf(Text()), "contact e-mail addresses"),
    ),
)

MEETING = Kind(
    "meeting", "meetings", "title",
    (
        Field("title", Text(), "e.g. Kick-off meeting, Ostrava", required=True),
        Field("network", Ref("network"), "the network that met"),
        Field("kind", Text(("kick-off", "transnational", "final-event", "workshop", "other")),
              "what sort of meeting", required=True),
        Field("city", Ref("city"), "where it was held"),
        Field("place", Text(), "the place as written in the source"),
        Field("year", Integer(1900, 2100), "calendar year, only where known"),
        Field("month", Integer(1, 12), "month number"),
        Field("order", Integer(1, 1000), "position in the network's sequence of meetings",
              required=True),
        Field("project_year", Integer(1, 20),
              "year of the network's cycle (1 = first), inferred from the month sequence"),
        Field("raw", Text(), "the sentence from the source, as written"),
    ),
)

DOCUMENT = Kind(
    "document", "documents", "title",
    (
        Field("title", Text(), "the title as printed", required=True),
        Field("type", Text(("article", "good-practice", "resource", "toolkit", "video",
                            "guide", "page", "social")), "what sort of document"),
        Field("network", Ref("network"), "the network it belongs to"),
        Field("authors", ListOf(Ref("contact")), "who wrote it"),
        Field("summary", Text(), "a short summary in the pages' words"),
        Field("body", Text(), "longer text or key passages from the source"),
        Field("cities", ListOf(Ref("city")), "cities it mentions"),
        Field("contacts", ListOf(Ref("contact")), "people and organisations it mentions"),
        Field("networks", ListOf(Ref("network")), "networks it mentions"),
        Field("organisations", ListOf(Text()), "organisations it names that have no contact entry"),
        Field("tags", ListOf(Text()), "topics"),
        Field("links", ListOf(LINK), "links it offers"),
    ),
)

KINDS: tuple[Kind, ...] = (CITY, CONTACT, NETWORK, MEETING, DOCUMENT)
KIND_BY_PLURAL = {k.plural: k for k in KINDS}
KIND_BY_NAME = {k.name: k for k in KINDS}
REQUIRED_KINDS = ("cities", "contacts", "networks", "meetings")
