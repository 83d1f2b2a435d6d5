"""The audit helper every action calls exactly once."""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from gonghui.core.models import AuditEvent

if TYPE_CHECKING:
    from gonghui.accounts.models import User
    from gonghui.orgs.models import OrgUnit

# A resident ID (17 digits + check) or a mainland mobile number must never reach the audit table.
_PERSONAL_NUMBER = re.compile(r"\d{17}[\dXx]|(?<!\d)1[3-9]\d{9}(?!\d)")


class AuditPayloadError(ValueError):
    """Raised when an action tries to put something that looks like personal data into the audit log."""


def _check_no_personal_data(value: Any) -> None:
    if isinstance(value, str):
        if _PERSONAL_NUMBER.search(value):
            raise AuditPayloadError("audit payload contains what looks like a resident ID or phone number")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_no_personal_data(key)
            _check_no_personal_data(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            _check_no_personal_data(item)


def record_event(
    *,
    acting_user: "User | None",
    event_type: str,
    obj: models.Model | None = None,
    unit: "OrgUnit | None" = None,
    acting_unit: "OrgUnit | None" = None,
    changed_fields: Iterable[str] = (),
    details: dict[str, Any] | None = None,
    now: Any = None,
) -> AuditEvent:
    details = details or {}
    fields = sorted(changed_fields)
    label = str(obj)[:200] if obj is not None else ""
    _check_no_personal_data([details, fields, label])
    if acting_unit is None and acting_user is not None and unit is not None:
        from gonghui.accounts.scope import acting_unit_for

        acting_unit = acting_unit_for(acting_user, unit)
    return AuditEvent.objects.create(
        created_at=now or timezone.now(),
        actor=acting_user if acting_user is not None and acting_user.pk else None,
        acting_unit=acting_unit,
        unit=unit,
        unit_path=unit.path if unit is not None else "",
        event_type=event_type,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=label,
        changed_fields=fields,
        details=details,
    )
