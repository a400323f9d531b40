"""Made-up but realistic UK business names, people, addresses and staff for the sandbox data set.

A few customer names are hard on purpose: an apostrophe, non-ASCII text, a name that starts with ``=``
(formula injection) and one holding ``/`` and ``..\\`` (file-name safety).
"""

from __future__ import annotations

import random
import re
import unicodedata

HARD_NAMES: tuple[str, ...] = (
    "O'Brien & Sons Ltd",
    "Zürich Café GmbH",
    '=HYPERLINK("http://evil.example","Click") Ltd',
    "Smith/Jones ..\\ Partners LLP",
)
PARTNER_NAMES: tuple[str, ...] = ("Northwind Channel Ltd", "Bluewater Partners Ltd", "Keystone Resellers Ltd")

_WORDS_A = (
    "Acme", "Apex", "Beacon", "Birch", "Bright", "Castle", "Cedar", "Clear", "Copper", "Crown", "Delta",
    "Eagle", "Elm", "Falcon", "Forge", "Granite", "Green", "Harbour", "Hazel", "Iron", "Kestrel", "Lark",
    "Maple", "Meadow", "Merlin", "Moor", "North", "Oak", "Orchard", "Pennine", "Pioneer", "Quay", "Raven",
    "Ridge", "River", "Rowan", "Silver", "Stone", "Summit", "Thames", "Tudor", "Union", "Vale", "Willow",
)  # fmt: skip
_WORDS_B = (
    "Accountants", "Analytics", "Architects", "Builders", "Catering", "Clinic", "Consulting", "Dental",
    "Design", "Engineering", "Estates", "Foods", "Freight", "Holdings", "Insurance", "Joinery", "Legal",
    "Logistics", "Media", "Motors", "Opticians", "Pharmacy", "Plumbing", "Print", "Recruitment", "Solicitors",
    "Surveyors", "Textiles", "Travel", "Vets",
)  # fmt: skip
_SUFFIXES = ("Ltd", "Ltd", "LLP", "& Co", "Group Ltd", "Services Ltd")
_FIRST = (
    "Ann", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack", "Katie", "Liam", "Mia",
    "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tom", "Uma", "Vikram", "Will", "Zara", "Aisha",
    "Callum", "Niamh", "Oskar", "Siobhan", "Yusuf",
)  # fmt: skip
_LAST = (
    "Lee", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Patel", "Khan", "Walker",
    "Wright", "Hughes", "Green", "Hall", "Wood", "Clarke", "Murphy", "Kelly", "Price", "Ward", "Nowak",
    "Byrne", "Okafor", "Fraser", "Reid",
)  # fmt: skip
_PLACES = (
    ("Leeds", "West Yorkshire", "LS"), ("Manchester", "Greater Manchester", "M"), ("Bristol", "Bristol", "BS"),
    ("Birmingham", "West Midlands", "B"), ("York", "North Yorkshire", "YO"), ("Norwich", "Norfolk", "NR"),
    ("Exeter", "Devon", "EX"), ("Cardiff", "South Glamorgan", "CF"), ("Edinburgh", "Midlothian", "EH"),
    ("Nottingham", "Nottinghamshire", "NG"), ("Reading", "Berkshire", "RG"), ("Leicester", "Leicestershire", "LE"),
)  # fmt: skip
_STREETS = (
    "High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road", "King Street",
    "Queens Road", "Market Place", "Bridge Street",
)  # fmt: skip
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_STAFF = ("j.smith", "a.patel", "m.jones", "s.wright", "provisioning.bot")
_ROLES = ("User", "User", "User", "Admin")


def company_name(rng: random.Random) -> str:
    """Like ``Maple Dental Services Ltd``."""
    return f"{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)} {rng.choice(_SUFFIXES)}"


def mailbox(rng: random.Random) -> str:
    """The local part of a user's e-mail address, like ``ann.lee``."""
    return f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}".lower()


def staff(rng: random.Random) -> str:
    """The MSP user (or robot) who actioned a change."""
    return rng.choice(_STAFF)


def role(rng: random.Random) -> str:
    """A user's role in the tenant."""
    return rng.choice(_ROLES)


def address(rng: random.Random) -> tuple[str, str | None, str, str, str]:
    """A UK address: line 1, line 2 (often None), city, region, postcode."""
    city, region, area = rng.choice(_PLACES)
    line1 = f"{rng.randint(1, 240)} {rng.choice(_STREETS)}"
    line2 = f"Unit {rng.randint(1, 30)}" if rng.random() < 0.3 else None
    inward = f"{rng.randint(1, 9)}{rng.choice(_POSTCODE_LETTERS)}{rng.choice(_POSTCODE_LETTERS)}"
    return line1, line2, city, region, f"{area}{rng.randint(1, 20)} {inward}"


def slug(text: str) -> str:
    """Up to two ASCII words of ``text`` run together, lower case: ``Zürich Café GmbH`` -> ``zurichcafe``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(re.findall(r"[a-z0-9]+", ascii_text)[:2]) or "customer"
