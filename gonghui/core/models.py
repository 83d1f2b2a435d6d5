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


class PhoneCode(models.Model):
    """One SMS code texted to a mobile number, for any flow that needs "prove this number is yours"
    (gonghui/core/phone_codes.py holds the mechanics). It lives in core, not in members or cards, because
    both the join page (members) and the card self-service page (cards) use it and core is the one app
    both depend on without a cycle.

    `purpose` keeps the flows apart (limits are counted per purpose, a ticket is good only for its own);
    `scope` is an opaque key inside a purpose — the join link's id, so a ticket from one poster does not
    work on another; empty where the flow has no such unit. Only keyed hashes of the code and of the
    ticket it turns into are kept."""

    class Purpose(models.TextChoices):
        JOIN = "JOIN", "join"
        CARD_SELF = "CARD_SELF", "card self-service"

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    scope = models.CharField(max_length=64, blank=True)
    phone = EncryptedTextField()
    phone_index = BlindIndexField(source="phone", purpose="phone")
    code_hash = models.CharField(max_length=64)
    # Keyed hash of the address that asked (core/http.py client_ip): the per-address limits count it.
    address_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    ticket_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Set when a single-use flow spends the ticket (the join form: one application per text message).
    ticket_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["purpose", "phone_index", "created_at"]),
            models.Index(fields=["purpose", "scope", "created_at"]),
            models.Index(fields=["purpose", "address_key", "created_at"]),
        ]
        constraints = [
            # A ticket exists only for a verified code, and only an issued ticket can be spent.
            models.CheckConstraint(
                condition=models.Q(ticket_hash__isnull=True) | models.Q(verified_at__isnull=False),
                name="phonecode_ticket_needs_verified",
            ),
            models.CheckConstraint(
                condition=models.Q(ticket_used_at__isnull=True) | models.Q(ticket_hash__isnull=False),
                name="phonecode_used_needs_ticket",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=["JOIN", "CARD_SELF"]), name="phonecode_purpose_known"
            ),
        ]

    def __str__(self) -> str:
        # Never the number: __str__ reaches the audit table.
        return f"phone code #{self.pk} ({self.purpose})"
