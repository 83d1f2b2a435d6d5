"""Mainland China mobile numbers: normalise what people type, refuse what cannot be a phone."""

import re

from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import InvalidInput
from gonghui.core.text import to_half_width

_MOBILE = re.compile(r"1[3-9][0-9]{9}")  # ASCII digits only (\d would take any script's digits)


class InvalidPhone(InvalidInput):
    code = "phone_invalid"
    default_message = _("The mobile number must be 11 digits starting with 13–19, e.g. 13812345678.")


_PHONE_NOISE = re.compile(r"[\s\-()]")


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    # Plain ASCII digits (nearly every value) need no clean-up.
    digits = raw if raw.isdigit() and raw.isascii() else _PHONE_NOISE.sub("", to_half_width(raw))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.fullmatch(digits):
        raise InvalidPhone(field=field)
    return digits
