"""Shared access helper: the object if the scoped queryset holds it, else NotFound (never a 403 that
would tell an outsider the record exists)."""

from typing import Any

from django.db.models import Model, QuerySet

from gonghui.core.errors import NotFound


def get_in_scope[M: Model](queryset: QuerySet[M], object_id: Any) -> M:
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj
