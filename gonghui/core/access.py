"""Shared access helper: the object if the scoped queryset holds it, else NotFound (never a 403 that
would tell an outsider the record exists)."""

from typing import Any

from django.db.models import Model, QuerySet

from gonghui.core.errors import NotFound

# Ids are 64-bit: anything outside cannot exist, and a bigger number would overflow the database's
# integer type (a 500 on PostgreSQL) before it could be not found.
MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """An id from a form or query string, or None: ASCII digits in the 64-bit range only ("²" is a
    digit to str.isdigit() but not to int())."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def get_in_scope[M: Model](queryset: QuerySet[M], object_id: Any) -> M:
    pk = object_id if isinstance(object_id, int) and not isinstance(object_id, bool) else parse_id(object_id)
    if pk is None or not 0 < pk <= MAX_ID:
        raise NotFound()
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj
