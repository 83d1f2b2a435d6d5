"""Which characters text may hold, decided once for every form, schema, import and action.

Two layers:

- `refuse_unstorable` — for every string that enters the system (the input middleware runs it over every
  query value, form field and JSON string or key): a lone surrogate cannot be encoded (PostgreSQL and
  SQLite both fail deep inside a save, and every page that later shows the value fails too), and control
  characters other than tab and line breaks (terminal escapes, BEL, DEL, the C1 block) have no business in
  any input. NUL keeps its own older code (core/middleware.py).
- `clean_text(value, kind)` — what a kind of field may hold. A NAME, an ADDRESS or a LABEL is one line of
  visible text: line breaks are refused, and so are invisible format characters (zero-width spaces and
  joiners, bidirectional overrides and isolates, the BOM, soft hyphens), which make two names that look
  the same different, or make a name display as something else. Other white space (tabs, no-break and
  ideographic spaces) becomes one ordinary space and the ends are trimmed. FREE_TEXT (notes, answers,
  descriptions) keeps line breaks (as \\n) and tabs, and an emoji's zero-width joiner, but refuses the
  rest of the same set. Every refusal is a DomainError with a stable code, so the API answers 400
  {"code", "message", "field"} and forms show the message on the field.

Small normalisers shared by the validators (IDs, codes, phones arrive in many shapes) live here too.
"""

import enum
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import InvalidInput

_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}


def to_half_width(value: str) -> str:
    """Full-width ASCII (from Chinese input methods, Word, PDFs) to ordinary characters."""
    # str.translate: the same mapping, in C (a roster import calls this a dozen times per row).
    return value.translate(_HALF_WIDTH)


class NulCharacter(InvalidInput):
    code = "nul_character"
    default_message = _("The input contains an invisible NUL character; remove it and submit again.")


class TextUnencodable(InvalidInput):
    code = "text_unencodable"
    default_message = _(
        "The text contains a broken character (half of an emoji or of a rare character) that cannot be "
        "saved; type it again."
    )


class TextControlCharacter(InvalidInput):
    code = "text_control_character"
    default_message = _(
        "The text contains an invisible control character (such as a terminal escape); remove it and "
        "submit again."
    )


class TextLineBreak(InvalidInput):
    code = "text_line_break"
    default_message = _("This field is a single line: remove the line break.")


class TextInvisibleCharacter(InvalidInput):
    code = "text_invisible_character"
    default_message = _(
        "The text contains an invisible character (a zero-width space or a text-direction mark) that "
        "would make it look different from what it is; remove it and submit again."
    )


class TextKind(enum.StrEnum):
    NAME = "NAME"  # a person's, a union's, an enterprise's name
    ADDRESS = "ADDRESS"
    LABEL = "LABEL"  # a poster label, a questionnaire choice, a title
    FREE_TEXT = "FREE_TEXT"  # notes, descriptions, free answers: may span lines


SINGLE_LINE = frozenset({TextKind.NAME, TextKind.ADDRESS, TextKind.LABEL})

# C0 controls except tab, LF, VT, FF, CR (VT and FF are refused as line breaks where lines matter), DEL
# and the C1 block; lone surrogates; the two noncharacters of the BMP.
_UNSTORABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x85\u2028\u2029]")
# Invisible format characters refused in every kind: bidirectional embeddings, overrides and isolates
# (U+202A-202E, U+2066-2069), marks (U+200E/F, U+061C), zero-width space and no-break space (U+200B,
# U+2060, U+FEFF), soft hyphen, the invisible operators (U+2061-2064) and the tag block.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\U000e0000-\U000e007f]"
)
# Names, addresses and labels also refuse the joiners (U+200C/D), which free text keeps for emoji.
_JOINERS = re.compile("[\u200c\u200d]")


def refuse_unstorable(value: str, *, field: str | None = None) -> None:
    """Raise if `value` holds a character no input may hold (see the module docstring)."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return
    char = match.group()
    if "\ud800" <= char <= "\udfff" or char in "\ufffe\uffff":
        raise TextUnencodable(field=field)
    if char == "\x00":
        raise NulCharacter(field=field)
    raise TextControlCharacter(field=field)


def clean_text(value: str, kind: TextKind, *, field: str | None = None) -> str:
    """The value as it may be stored for a field of `kind`, or a refusal naming `field`."""
    refuse_unstorable(value, field=field)
    if _INVISIBLE.search(value):
        raise TextInvisibleCharacter(field=field)
    # NFC: the same name typed with a combining accent or a precomposed one is stored alike.
    value = unicodedata.normalize("NFC", value)
    if kind in SINGLE_LINE:
        value = value.strip()
        if _LINE_BREAK.search(value):
            raise TextLineBreak(field=field)
        if _JOINERS.search(value):
            raise TextInvisibleCharacter(field=field)
        return " ".join(value.split())
    # Free text: one kind of line break, no trailing blanks at the ends.
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")
    value = (
        value.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x0b", "\n").replace("\x0c", "\n")
    )
    return value.strip()


def clean_optional_text(value: str | None, kind: TextKind, *, field: str | None = None) -> str:
    return clean_text(value or "", kind, field=field)


# A resident ID (17 digits + check) or a mainland mobile number must never reach the audit table or a
# log line.
_PERSONAL_NUMBER = re.compile(r"\d{17}[\dXx]|(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub(value: Any) -> Any:
    """Mask anything shaped like a resident ID or mobile number. Labels and details come from what
    people typed (a union named after a phone number, an all-digit code), so this masks rather than
    refuses: an audit row or a log line must never stop the work it records, nor carry personal data."""
    if isinstance(value, str):
        return _PERSONAL_NUMBER.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), value)
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [scrub(item) for item in value]
    return value
