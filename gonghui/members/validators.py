"""公民身份号码 and the other personal fields of the national real-name collection form.

Resident IDs arrive with spaces, full-width digits, a lower-case x, or — from Excel — as a number that has
lost its last digits. The first three are normalised; the last is refused with a message that says so.
Length, checksum and date failures are hard errors; an area code unknown for the birth year is only a
warning an officer may override (real IDs issued after re-districting do this).
"""

import datetime
import functools
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

from gonghui.core.errors import InvalidInput
from gonghui.core.text import to_half_width

WARNING_AREA_UNKNOWN = "resident_id_area_unknown"


class InvalidResidentId(InvalidInput):
    code = "resident_id_invalid"
    default_message = _("The resident ID number is not valid.")


class ResidentIdLength(InvalidResidentId):
    code = "resident_id_length"
    default_message = _(
        "A resident ID number has 18 characters; this one has %(n)d. Check for missing digits."
    )


class ResidentIdFormat(InvalidResidentId):
    code = "resident_id_format"
    default_message = _("A resident ID number is 17 digits followed by a digit or X.")


class ResidentIdChecksum(InvalidResidentId):
    code = "resident_id_checksum"
    default_message = _(
        "The last character of the resident ID number does not match the others; a digit was probably mistyped."
    )


class ResidentIdDate(InvalidResidentId):
    code = "resident_id_birth_date"
    default_message = _("Characters 7 to 14 of the resident ID number are not a real birth date.")


class ResidentIdFromExcelNumber(InvalidResidentId):
    code = "resident_id_excel_number"
    default_message = _(
        "This resident ID number was stored by Excel as a number and has lost its last digits. "
        "Format the column as Text, type the IDs again, and re-upload."
    )


@dataclass
class CheckedResidentId:
    number: str
    birth_date: datetime.date
    gender: str  # "M" or "F": the 17th digit is odd for men, even for women
    warnings: list[str] = field(default_factory=list)


_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_EXCEL_FLOAT = re.compile(r"^[0-9](\.[0-9]+)?E\+?[0-9]+$|^[0-9]{15,18}\.0+$")


@functools.lru_cache(maxsize=65536)
def _area_known(area: str, year: int) -> bool:
    """Whether the area code was assigned in that year. Only these two parts matter to stdnum's lookup,
    which is slow (a table walk): a roster import asks for the same few areas and years again and again."""
    try:
        ric.get_birth_place(f"{area}{year:04d}0101000X")
    except stdnum_exceptions.ValidationError:
        return False
    return True


_ID_NOISE = re.compile(r"[\s\-]")


def normalise_resident_id(raw: str) -> str:
    text = str(raw)
    if text.isalnum() and text.isascii():  # nearly every value: nothing to strip or widen
        return text.upper()
    return _ID_NOISE.sub("", to_half_width(text)).upper()


def check_resident_id(raw: str, *, today: datetime.date | None = None) -> CheckedResidentId:
    number = normalise_resident_id(raw)
    if _EXCEL_FLOAT.match(number):
        raise ResidentIdFromExcelNumber(field="resident_id")
    if len(number) != 18:
        raise ResidentIdLength(field="resident_id", n=len(number))
    # ASCII digits only: str.isdigit() and int() also accept e.g. Arabic-Indic digits, which would make a
    # second, different-looking key for the same person.
    if not _ID_SHAPE.fullmatch(number):
        raise ResidentIdFormat(field="resident_id")
    if ric.calc_check_digit(number) != number[17]:
        # Excel keeps 15 significant digits and pads with zeros: "...000" with a bad check is that.
        if number.endswith("000"):
            raise ResidentIdFromExcelNumber(field="resident_id")
        raise ResidentIdChecksum(field="resident_id")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdDate(field="resident_id") from None
    today = today or datetime.date.today()
    if birth > today or birth.year < 1900:
        raise ResidentIdDate(field="resident_id")
    warnings = [] if _area_known(number[:6], birth.year) else [WARNING_AREA_UNKNOWN]
    return CheckedResidentId(
        number=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F", warnings=warnings
    )
