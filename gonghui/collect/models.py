import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CollectorDevice(models.Model):
    """A field collector's phone, bound to an ECDSA P-256 key generated on the phone itself.

    The private key never leaves the phone (WebCrypto, non-extractable); the server keeps the public key
    and checks every upload's signature against it. Revoking the device makes the key worthless here.
    """

    class Status(models.TextChoices):
        PENDING_PAIRING = "PENDING_PAIRING", _("Waiting for the phone to scan")
        ACTIVE = "ACTIVE", pgettext_lazy("collector device", "Active")
        REVOKED = "REVOKED", pgettext_lazy("collector device", "Revoked")

    # The id the phone sends: random, so device ids cannot be guessed or enumerated from the console's pks.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collector_devices"
    )
    # The street federation or union the phone collects for; a record picks a union in its subtree.
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="collector_devices")
    name = models.CharField(_("device name"), max_length=100)
    public_key = models.TextField(blank=True)  # PEM (SubjectPublicKeyInfo) once paired
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAIRING)
    # SHA-256 of the one-time pairing token; cleared when the phone pairs, so the token dies with use.
    pairing_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    paired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            # An active device can always verify a signature; a pending one has nothing to verify with.
            models.CheckConstraint(
                condition=~models.Q(status="ACTIVE") | ~models.Q(public_key=""),
                name="collectordevice_active_has_key",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        # Not the free-text name: __str__ reaches the audit table, which must never hold personal numbers.
        return f"collector device #{self.pk}"


class DeviceUpload(models.Model):
    """One upload attempt by a device that proved its key: what came of it, so officers see refusals."""

    class Outcome(models.TextChoices):
        ACCEPTED = "ACCEPTED", _("Accepted")
        REJECTED = "REJECTED", _("Rejected (record)")
        REFUSED = "REFUSED", _("Refused (device)")

    device = models.ForeignKey(CollectorDevice, on_delete=models.PROTECT, related_name="uploads")
    client_uuid = models.UUIDField()
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # An enrolment outcome kind (created, replayed, ...) when accepted, else the error's stable code.
    code = models.CharField(max_length=64)
    message = models.CharField(max_length=300, blank=True)
    membership = models.ForeignKey(
        "members.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["device", "-received_at"]),
            models.Index(fields=["client_uuid"]),
        ]

    def __str__(self) -> str:
        return f"upload {self.client_uuid} {self.outcome}"
