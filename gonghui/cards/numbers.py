"""Card numbers: Luhn-valid, under the bank's BIN (python-stdnum's `luhn`)."""

from stdnum import luhn
from stdnum.exceptions import ValidationError

from gonghui.core.text import to_half_width

MIN_LENGTH = 16
MAX_LENGTH = 19


def clean_card_number(value: str) -> str:
    """Digits only (spaces and full-width digits from a pasted list are normalised)."""
    return "".join(to_half_width(value).split()).replace("-", "")


def card_number_problem(number: str, *, bin_prefix: str) -> str | None:
    """None if `number` can be a card of this bank, else a short code of what is wrong."""
    if not number.isascii() or not number.isdigit():
        return "not_digits"
    if not MIN_LENGTH <= len(number) <= MAX_LENGTH:
        return "length"
    if not number.startswith(bin_prefix):
        return "bin"
    try:
        luhn.validate(number)
    except ValidationError:
        return "check_digit"
    return None


def sequential_card_numbers(*, bin_prefix: str, start: int, count: int, length: int = 16) -> list[str]:
    """`count` consecutive account numbers from `start`, each completed with its Luhn check digit — how
    a bank's card batch is numbered."""
    body_digits = length - len(bin_prefix) - 1
    numbers = []
    for serial in range(start, start + count):
        body = f"{bin_prefix}{serial:0{body_digits}d}"
        numbers.append(body + luhn.calc_check_digit(body))
    return numbers


def mask_card_number(number: str | None) -> str:
    """6217 **** **** 1234: BIN start and last four, as printed on receipts."""
    if not number:
        return ""
    return f"{number[:4]} **** **** {number[-4:]}"
