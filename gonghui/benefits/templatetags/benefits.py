"""Money on pages: integer fen shown as yuan with two decimals and thousands separators."""

from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    value = int(fen or 0)
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    return f"{sign}{whole:,}.{cents:02d}"
