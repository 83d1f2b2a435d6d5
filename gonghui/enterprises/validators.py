"""统一社会信用代码 (GB 32100-2015) validation.

python-stdnum's cn.uscc insists the first eight characters are digits, but the standard's first
character is the registering authority code and the second the organisation type, both drawn from the
code alphabet: 农业 (N), 其他 (Y) and others are letters. So: stdnum's alphabet and check character,
the standard's own rule for the format.
"""

from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.util import clean

from gonghui.core.errors import InvalidInput
from gonghui.core.text import to_half_width

ALPHABET = stdnum_uscc._alphabet
# GB 32100-2015 §4: registering authority codes (position 1).
AUTHORITY_CODES = frozenset("123456789ANY")


class InvalidUscc(InvalidInput):
    code = "uscc_invalid"
    default_message = _("The unified social credit code is not valid.")


def normalise_uscc(raw: str) -> str:
    return clean(to_half_width(raw), " -").strip().upper()


def validate_uscc(raw: str) -> str:
    """Return the normalised code or raise InvalidUscc with a reason the person can act on."""
    code = normalise_uscc(raw)
    if len(code) != 18:
        raise InvalidUscc(
            _("The unified social credit code must have 18 characters; this one has %(n)d."),
            field="uscc",
            n=len(code),
        )
    if code[0] not in AUTHORITY_CODES:
        raise InvalidUscc(
            _("The first character of the unified social credit code (registering authority) is not valid."),
            field="uscc",
        )
    if not code[2:8].isdigit():
        raise InvalidUscc(
            _("Characters 3 to 8 of the unified social credit code must be the region code (digits)."),
            field="uscc",
        )
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        raise InvalidUscc(
            _("The unified social credit code contains “%(char)s”; I, O, S, V and Z are never used."),
            field="uscc",
            char=bad[0],
        )
    if stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        raise InvalidUscc(
            _("The check character of the unified social credit code is wrong; please check for a typo."),
            field="uscc",
        )
    return code


def with_check_character(first17: str) -> str:
    """Complete a 17-character code with its check character (demo data and tests)."""
    return first17 + stdnum_uscc.calc_check_digit(first17)
