"""Fen shown as yuan: amounts are stored as integers of fen and shown with two decimals."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    if fen is None or fen == "":
        return "0.00"
    return f"{int(fen) / 100:,.2f}"
