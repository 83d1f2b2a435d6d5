from django.conf import settings
from django.db import models

from gonghui.core.fields import BlindIndexField, EncryptedTextField


class AuditEvent(models.Model):
    """One row per action: who did what to which object, acting where. Never personal data."""

    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The OrgUnit whose role the actor used, and the OrgUnit the object belongs to. Reading is scoped by
    # that unit's current path (a join, not a copy), so moving a union moves its history with it.
    acting_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event_type = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event_type} {self.object_type}#{self.object_id}"


class SmsMessage(models.Model):
    """A text message the development outbox gateway "sent": staff read it in the console instead of a
    phone receiving it. A real provider's gateway stores nothing here. The text holds a verification code,
    so both the number and the text are encrypted at rest."""

    message_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_index=True)
    phone = EncryptedTextField()
    phone_index = BlindIndexField(source="phone", purpose="phone")
    text = EncryptedTextField()

    def __str__(self) -> str:
        # Never the number or the text: the text carries a code.
        return f"sms {self.message_id}"
