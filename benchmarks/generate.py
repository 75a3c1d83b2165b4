"""Generate deterministic directories of 10k, 100k and 1M contacts for the benchmark.

The files use the real YAML schema (see `src/urbact_tui/directory/schema.py`
and `data/seed.yaml`): cities with country codes, contacts with a name, type,
role, organisation, city, address, phones, e-mails and networks, plus
networks, meetings and documents.  Names are varied European names with
accents and letters that Unicode decomposition leaves alone (ø ł ß æ đ þ ı),
and each contact carries about 140 characters of text.  The same seed and
size always produce byte-identical files.

    python benchmarks/generate.py --sizes 10k,100k,1m
    → benchmarks/generated/contacts-10k.yaml, …-100k.yaml, …-1m.yaml
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "generated"
SEED = 20261128

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# (city, country, country code, phone prefix, English name or None)
CITIES = [
    ("Loulé", "Portugal", "PT", "+351 289", None), ("Lisboa", "Portugal", "PT", "+351 21", "Lisbon"),
    ("Porto", "Portugal", "PT", "+351 22", None), ("Amadora", "Portugal", "PT", "+351 21", None),
    ("Bilbao", "Spain", "ES", "+34 94", None), ("Gijón", "Spain", "ES", "+34 985", None),
    ("Málaga", "Spain", "ES", "+34 95", None), ("A Coruña", "Spain", "ES", "+34 981", None),
    ("Santiago de Compostela", "Spain", "ES", "+34 981", None), ("Córdoba", "Spain", "ES", "+34 957", None),
    ("Torino", "Italy", "IT", "+39 011", "Turin"), ("Udine", "Italy", "IT", "+39 0432", None),
    ("Genova", "Italy", "IT", "+39 010", "Genoa"), ("Forlì", "Italy", "IT", "+39 0543", None),
    ("Ljubljana", "Slovenia", "SI", "+386 1", None), ("Maribor", "Slovenia", "SI", "+386 2", None),
    ("Łódź", "Poland", "PL", "+48 42", None), ("Kraków", "Poland", "PL", "+48 12", "Cracow"),
    ("Wrocław", "Poland", "PL", "+48 71", None), ("Gdańsk", "Poland", "PL", "+48 58", None),
    ("Ostrava", "Czechia", "CZ", "+420 59", None), ("Brno", "Czechia", "CZ", "+420 5", None),
    ("Plzeň", "Czechia", "CZ", "+420 37", None), ("Frankfurt am Main", "Germany", "DE", "+49 69", None),
    ("München", "Germany", "DE", "+49 89", "Munich"), ("Düsseldorf", "Germany", "DE", "+49 211", None),
    ("Göttingen", "Germany", "DE", "+49 551", None), ("Bordeaux", "France", "FR", "+33 5", None),
    ("Grenoble", "France", "FR", "+33 4", None), ("Besançon", "France", "FR", "+33 3", None),
    ("Nîmes", "France", "FR", "+33 4", None), ("Antwerpen", "Belgium", "BE", "+32 3", "Antwerp"),
    ("Liège", "Belgium", "BE", "+32 4", None), ("Rotterdam", "Netherlands", "NL", "+31 10", None),
    ("Groningen", "Netherlands", "NL", "+31 50", None), ("København", "Denmark", "DK", "+45 3", "Copenhagen"),
    ("Århus", "Denmark", "DK", "+45 8", "Aarhus"), ("Tromsø", "Norway", "NO", "+47 77", None),
    ("Bodø", "Norway", "NO", "+47 75", None), ("Göteborg", "Sweden", "SE", "+46 31", "Gothenburg"),
    ("Malmö", "Sweden", "SE", "+46 40", None), ("Umeå", "Sweden", "SE", "+46 90", None),
    ("Reykjavík", "Iceland", "IS", "+354 5", None), ("Akureyri", "Iceland", "IS", "+354 46", None),
    ("Riga", "Latvia", "LV", "+371 67", None), ("Tartu", "Estonia", "EE", "+372 7", None),
    ("Vilnius", "Lithuania", "LT", "+370 5", None), ("Šiauliai", "Lithuania", "LT", "+370 41", None),
    ("Piraeus", "Greece", "GR", "+30 210", None), ("Thessaloniki", "Greece", "GR", "+30 2310", None),
    ("Athienou", "Cyprus", "CY", "+357 24", None), ("Bucureşti", "Romania", "RO", "+40 21", "Bucharest"),
    ("Cluj-Napoca", "Romania", "RO", "+40 264", None), ("Zagreb", "Croatia", "HR", "+385 1", None),
    ("Đakovo", "Croatia", "HR", "+385 31", None), ("Split", "Croatia", "HR", "+385 21", None),
    ("Beograd", "Serbia", "RS", "+381 11", "Belgrade"), ("İzmir", "Turkey", "TR", "+90 232", "Izmir"),
    ("Manchester", "United Kingdom", "GB", "+44 161", None), ("Cork", "Ireland", "IE", "+353 21", None),
    ("Győr", "Hungary", "HU", "+36 96", None), ("Pécs", "Hungary", "HU", "+36 72", None),
    ("Wien", "Austria", "AT", "+43 1", "Vienna"), ("Graz", "Austria", "AT", "+43 316", None),
    ("Zürich", "Switzerland", "CH", "+41 44", "Zurich"), ("Valletta", "Malta", "MT", "+356 21", None),
    ("Sofia", "Bulgaria", "BG", "+359 2", None), ("Trnava", "Slovakia", "SK", "+421 33", None),
    ("Espoo", "Finland", "FI", "+358 9", None), ("Jyväskylä", "Finland", "FI", "+358 14", None),
]

FIRST = [
    "Laura", "Ana", "João", "María", "José", "Lucía", "Íñigo", "Nuria", "Pedro", "Inês",
    "Giulia", "Francesca", "Lorenzo", "Matteo", "Chiara", "Niccolò", "François", "Amélie",
    "Hélène", "Jérôme", "Zoé", "Benoît", "Jürgen", "Jörg", "Günther", "Müller", "Ursula",
    "Björn", "Søren", "Ørjan", "Åsa", "Mette", "Bjørg", "Sigrún", "Þórdís", "Guðrún", "Æsa",
    "Łukasz", "Małgorzata", "Paweł", "Agnieszka", "Wojciech", "Zoë", "Tomáš", "Jiří", "Věra",
    "Dušan", "Đorđe", "Mirjana", "Nikša", "Ivana", "Zoltán", "Réka", "Ágnes", "Gábor",
    "Ľubomír", "Eglė", "Jānis", "Līga", "Kadri", "Aino", "Väinö", "Dimitris", "Eleni",
    "Yiannis", "Nikos", "Ayşe", "Işıl", "Ilkka", "Seán", "Siobhán", "Aoife", "Oliver",
    "Emma", "Hannah", "Lena", "Marta", "Sofia", "Elena", "Andrés", "Raúl", "Sebastián",
]
LAST = [
    "González Méndez", "Fernández", "Rodríguez", "Martínez", "López", "Sánchez", "Peña",
    "Gonçalves", "Conceição", "Simões", "Magalhães", "Rossi", "Bianchi", "Ferrari", "Esposito",
    "Lefèvre", "Dubois", "Mercier", "Girard", "Schäfer", "Müller", "Groß", "Weiß", "Straßer",
    "Kößler", "Jørgensen", "Sørensen", "Løkke", "Bjørnstad", "Ødegård", "Kjærgaard",
    "Guðmundsdóttir", "Þórsson", "Jóhannsson", "Kowalski", "Wiśniewski", "Łukaszewicz",
    "Wójcik", "Michałowski", "Dvořák", "Novák", "Procházková", "Černý", "Đurić", "Petrović",
    "Kovačević", "Babić", "Nagy", "Szabó", "Tóth", "Kovács", "Bērziņš", "Kalniņa",
    "Jankauskas", "Tamm", "Virtanen", "Mäkinen", "Papadopoulos", "Georgiou", "Yılmaz",
    "Aydın", "Ó Briain", "Mac Cárthaigh", "Neubert", "van der Berg", "De Vries", "Jansen",
    "Peeters", "Claes", "Æbelø", "Strøm", "Lindqvist", "Öberg", "Åkesson", "Grünwald",
]
# Synthetic surnames (roots × endings, several thousand) so the vocabulary of
# names is as varied as a real directory's, which is what typo matching scans.
ROOTS = [
    "Kowal", "Nowak", "Wiśn", "Lewand", "Zieliń", "Szyman", "Dąbr", "Kozł", "Jankow", "Mazur",
    "Krawc", "Piotrow", "Grabow", "Pawłow", "Michal", "Król", "Wieczor", "Jabłoń", "Wróbl",
    "Fern", "Rodr", "Gonz", "Sánch", "Pér", "Martín", "Góm", "Díaz", "Herr", "Muñ", "Álvar",
    "Romer", "Alons", "Gutiérr", "Navarr", "Torr", "Domíng", "Vázqu", "Ramír", "Serr", "Blanc",
    "Suár", "Molin", "Ortega", "Delgad", "Castr", "Rubi", "Marín", "Núñ", "Iglesi", "Medin",
    "Garrid", "Cortés", "Castill", "Lozan", "Guerr", "Priet", "Müll", "Schmid", "Schneid",
    "Fisch", "Web", "Mey", "Wagn", "Beck", "Schulz", "Hoffm", "Schäf", "Koch", "Richt", "Klein",
    "Wolf", "Schröd", "Neum", "Schwarz", "Zimmerm", "Braun", "Krüg", "Hartm", "Lang", "Werner",
    "Krause", "Lehm", "Köhl", "Maier", "König", "Jør", "Søren", "Niel", "Hans", "Peder", "Ander",
    "Christ", "Lars", "Rasmus", "Ols", "Thom", "Poul", "Johan", "Møll", "Morten", "Kristen",
    "Jakob", "Mad", "Friis", "Dahl", "Lund", "Holm", "Strøm", "Bjørn", "Løv", "Berg", "Hauk",
    "Sæth", "Solb", "Þórð", "Guðm", "Magnú", "Jóns", "Đur", "Petrov", "Jovan", "Nikol", "Marko",
    "Stojan", "Popesc", "Ionesc", "Dumitr", "Stan", "Georgi", "Papad", "Nikolaid", "Dimitr",
    "Novotn", "Svobod", "Dvořá", "Čern", "Procházk", "Kučer", "Veselý", "Horák", "Němec",
    "Nagy", "Szab", "Horváth", "Kiss", "Molnár", "Varga", "Farkas", "Balog", "Papp", "Takács",
    "Rossi", "Russo", "Ferrar", "Espos", "Bianch", "Roman", "Colomb", "Ricci", "Marin", "Greco",
    "Bruno", "Gallo", "Conti", "Costa", "Giordan", "Mancin", "Lombard", "Moretti", "Barbier",
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvr", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Virtan", "Korhon", "Mäkin", "Nieminen", "Mäkel", "Hämäläin", "Laine", "Heikkin", "Koskin",
]
ENDINGS = ["", "ski", "ska", "wicz", "czyk", "ez", "es", "er", "mann", "sen", "son", "dóttir",
           "ović", "ić", "escu", "ou", "idis", "ak", "ová", "inen", "el", "ini", "etti", "ano",
           "ière", "eau", "gaard", "strand", "ø", "ß"]
SURNAMES = LAST + [root + ending for root in ROOTS for ending in ENDINGS]

ROLES = [
    "Project coordinator", "Head of European affairs", "Urban planner", "Policy officer",
    "Deputy mayor for economic development", "Communication officer", "Local group coordinator",
    "Lead expert", "Programme manager", "Director of innovation", "Senior advisor on mobility",
    "Housing officer", "Climate adaptation lead", "Culture and tourism manager",
    "Smart city strategist", "Social inclusion officer", "Youth employment advisor",
]
ORG_PATTERNS = [
    "City of {city}", "Municipality of {city}", "{city} City Council", "Câmara Municipal de {city}",
    "Ayuntamiento de {city}", "Comune di {city}", "Stadt {city}", "Mairie de {city}",
    "{city} Development Agency", "University of {city}", "{city} Chamber of Commerce",
    "{city} Innovation Cluster", "Urban Lab {city}", "{city} Housing Association",
]
CONTACT_TYPES = ["person"] * 8 + ["office", "council", "department", "agency", "organisation",
                                  "cluster", "ngo", "university"]
STREETS = ["Rua", "Calle", "Via", "Rue", "Straße", "ulica", "Avenida", "Plaza", "Piazza", "Boulevard",
           "Gade", "Gatan", "utca", "iela", "Náměstí"]
STREET_NAMES = ["da Liberdade", "Mayor", "Garibaldi", "de la République", "Hauptbahnhof", "Długa",
                "dos Aliados", "del Carmen", "Roma", "Victor Hugo", "Kongens", "Drottning", "Váci",
                "Brīvības", "Svobody", "Skanderbeg", "Ørsted", "Łąkowa"]
THEMES = ["Smart specialisation", "Circular economy", "Urban mobility", "Affordable housing",
          "Heritage and tourism", "Digital transformation", "Food systems", "Green infrastructure",
          "Active inclusion", "Public procurement", "Night-time economy", "Retail revitalisation"]
NETWORK_WORDS = ["Focus", "Revolution", "Cities", "Loop", "Bridge", "Pulse", "Roots", "Hub", "Lab",
                 "Tandem", "Compass", "Harbour", "Commons", "Spark", "Weave", "Mosaic"]
MEETING_KINDS = ["kick-off", "transnational", "workshop", "final-event"]
TAGS = ["clusters", "innovation", "mobility", "housing", "climate", "culture", "youth", "jobs"]


def slug(text: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    folded = folded.translate(str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss",
                                             "æ": "ae", "Æ": "ae", "đ": "d", "Đ": "d", "þ": "th",
                                             "Þ": "th", "ð": "d", "ı": "i"}))
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def generate(n_contacts: int, path: Path, seed: int = SEED) -> None:
    rng = random.Random(seed)
    out: list[str] = ["# Generated by benchmarks/generate.py — deterministic benchmark data.\n"]
    w = out.append

    # cities: the real ones, then numbered districts so bigger directories have more cities
    n_cities = max(len(CITIES), n_contacts // 100)
    cities = []
    for i in range(n_cities):
        name, country, code, prefix, name_en = CITIES[i % len(CITIES)]
        if i >= len(CITIES):
            name = f"{name} {['Nord', 'Sud', 'Centro', 'Ost', 'West', 'Vest', 'Øst'][i % 7]} {i // len(CITIES)}"
            name_en = None
        cities.append((f"{slug(name)}", name, country, code, prefix))
        if i == 0:
            w("cities:\n")
        w(f"  - id: {slug(name)}\n    name: {q(name)}\n")
        if name_en:
            w(f"    name_en: {q(name_en)}\n")
        w(f"    country: {q(country)}\n    country_code: \"{code}\"\n")

    n_networks = max(8, n_contacts // 1000)
    networks = []
    w("networks:\n")
    for i in range(n_networks):
        name = f"{rng.choice(NETWORK_WORDS)} {rng.choice(NETWORK_WORDS)} {i + 1}"
        nid = slug(name)
        networks.append((nid, name))
        members = sorted({rng.randrange(n_cities) for _ in range(6)})
        w(f"  - id: {nid}\n    name: {q(name)}\n    type: network\n"
          f"    theme: {q(rng.choice(THEMES))}\n    programme: URBACT III\n    cities:\n")
        w("".join(f"      - {cities[c][0]}\n" for c in members))

    w("contacts:\n")
    contact_names = []
    for i in range(n_contacts):
        city_id, city_name, country, code, prefix = cities[rng.randrange(n_cities)]
        kind = rng.choice(CONTACT_TYPES)
        org = rng.choice(ORG_PATTERNS).format(city=city_name)
        if kind == "person":
            name = f"{rng.choice(FIRST)} {rng.choice(LAST if rng.random() < 0.3 else SURNAMES)}"
        else:
            name = org if rng.random() < 0.5 else f"{rng.choice(THEMES)} office, {city_name}"
        cid = f"{slug(name)[:24].strip('-')}-{i}"
        contact_names.append((cid, name))
        street = f"{rng.choice(STREETS)} {rng.choice(STREET_NAMES)}, {rng.randint(1, 240)}"
        postcode = f"{rng.randint(1000, 99999)}"
        digits = "".join(str(rng.randrange(10)) for _ in range(7))
        phone = f"{prefix} {digits[:3]} {digits[3:]}"
        local = slug(name).split("-")[0] or "info"
        w(f"  - id: {cid}\n    name: {q(name)}\n    type: {kind}\n")
        if kind == "person":
            w(f"    role: {q(rng.choice(ROLES))}\n")
        w(f"    organisation: {q(org)}\n    city: {city_id}\n"
          f"    address:\n      raw: {q(f'{street}, {postcode} {city_name}')}\n"
          f"    phones:\n      - raw: \"{phone}\"\n"
          f"    emails:\n      - {q(f'{local}.{i}@{slug(city_name)}.example.eu')}\n")
        if rng.random() < 0.6:
            w(f"    networks:\n      - {networks[rng.randrange(n_networks)][0]}\n")

    w("meetings:\n")
    for nid, name in networks:
        for order, mkind in enumerate(MEETING_KINDS, 1):
            city_id, city_name, *_ = cities[rng.randrange(n_cities)]
            title = f"{mkind.replace('-', ' ').capitalize()} meeting, {city_name}"
            w(f"  - id: {nid}-{order:02d}-{mkind}\n    title: {q(title)}\n"
              f"    network: {nid}\n    kind: {mkind}\n    city: {city_id}\n    place: {q(city_name)}\n"
              f"    month: {rng.randint(1, 12)}\n    year: {2016 + order}\n    order: {order}\n")

    w("documents:\n")
    for i in range(max(10, n_contacts // 500)):
        nid, nname = networks[rng.randrange(n_networks)]
        theme = rng.choice(THEMES)
        author = contact_names[rng.randrange(len(contact_names))][0]
        city_id, city_name, *_ = cities[rng.randrange(n_cities)]
        w(f"  - id: doc-{i}\n    title: {q(f'{theme} in {city_name}: lessons from {nname}')}\n"
          f"    type: article\n    network: {nid}\n    authors:\n      - {author}\n"
          f"    summary: {q(f'How {city_name} and the {nname} partners worked on {theme.lower()}.')}\n"
          f"    cities:\n      - {city_id}\n    tags:\n      - {rng.choice(TAGS)}\n")

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(out), encoding="utf-8")
    temporary.replace(path)


def path_for(size: str) -> Path:
    return OUT / f"contacts-{size}.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k,100k,1m")
    parser.add_argument("--force", action="store_true", help="regenerate existing files")
    args = parser.parse_args(argv)
    for size in args.sizes.split(","):
        path = path_for(size)
        if path.exists() and not args.force:
            print(f"{path} exists (use --force to regenerate)")
            continue
        start = time.perf_counter()
        generate(SIZES[size], path)
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
