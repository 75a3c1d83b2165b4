"""Phone numbers: normalised with phonenumbers, raw value kept, oddities flagged.

Numbers in the source pages are printed by hand and sometimes wrong (a
Belgian country code on a Spanish city, a trunk 0 after +44).  We never fix
them silently: the raw text stays, a normalised form is added where the number
is valid, and anything odd becomes a data-quality warning the app shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import PhoneNumberFormat

# Keep every compiled metadata pattern instead of going through re's own cache on
# each use (ten look-ups a number; about a tenth of the time of a check).  Newer
# phonenumbers releases only (it is not in 9.0.0); the results are the same.
if hasattr(phonenumbers, "enable_pattern_cache"):
    phonenumbers.enable_pattern_cache()


@dataclass
class NormalisedPhone:
    raw: str
    e164: str | None            # +351289400600, only for a valid number
    international: str | None   # +351 289 400 600, only for a valid number
    region: str | None          # ISO code of the country the number belongs to
    warnings: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        return self.international or self.raw


def normalise(raw: str, city_country: str | None = None, city_name: str | None = None) -> NormalisedPhone:
    """Parse `raw` (as printed) for the city's country; explain anything odd."""
    warnings: list[str] = []
    number, valid = _parse(raw, city_country)
    if number is None:
        return NormalisedPhone(raw, None, None, None,
                               [f"{raw!r} could not be read as a phone number"])
    if _matched_text_is_partial(raw, number, city_country):
        warnings.append(f"{raw!r} holds more than one number; only the first is dialable as written")
    region = phonenumbers.region_code_for_number(number)
    country_code = number.country_code
    digits_after_code = _digits_after_country_code(raw, country_code)
    if digits_after_code.startswith("0") and not number.italian_leading_zero:
        dial = (phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL) if valid
                else f"+{country_code} {digits_after_code[1:]}")
        warnings.append(f"trunk 0 after the country code +{country_code}: dial {dial}")
    if city_country and raw.strip().startswith("+") and region and region != city_country.upper():
        place = f"{city_name} is in" if city_name else "the city is in"
        warnings.append(f"country code +{country_code} belongs to {region}, but {place} "
                        f"{city_country.upper()}")
    if not valid:
        warnings.append(f"{raw!r} is not a valid number for +{country_code}")
        return NormalisedPhone(raw, None, None, region, warnings)
    return NormalisedPhone(
        raw,
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        region,
        warnings,
    )


MAX_DIGITS = 15
"""E.164 numbers have at most 15 digits; more in one printed value means several numbers."""


def _parse(raw: str, region: str | None) -> tuple[phonenumbers.PhoneNumber | None, bool]:
    """The number and whether it is valid.  The slow matcher (which finds the first of
    several numbers in one text) runs only when the text cannot be one number."""
    region = region.upper() if region else None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return number, True
    if number is not None and sum(c.isdigit() for c in raw) <= MAX_DIGITS:
        return number, False  # one number, invalid as printed: keep it and say so
    matches = list(phonenumbers.PhoneNumberMatcher(raw, region or "ZZ",
                                                   leniency=phonenumbers.Leniency.POSSIBLE))
    if matches:
        return matches[0].number, phonenumbers.is_valid_number(matches[0].number)
    return number, False


def _matched_text_is_partial(raw: str, number: phonenumbers.PhoneNumber, region: str | None) -> bool:
    digits = "".join(c for c in raw if c.isdigit())
    national = str(number.national_number)
    return len(digits) > len(str(number.country_code)) + len(national) + 2


def _digits_after_country_code(raw: str, country_code: int) -> str:
    text = raw.strip()
    if not text.startswith("+"):
        return ""
    digits = "".join(c for c in text if c.isdigit())
    return digits[len(str(country_code)):]
