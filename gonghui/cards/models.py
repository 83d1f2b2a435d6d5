"""Member service cards (工会会员互助服务卡) issued by a partner bank: branches, their operators and
card boxes, applications with a timestamp per state, cards, and the partner API's keys and nonces."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import BlindIndexField, EncryptedTextField


class BankBranch(models.Model):
    """A bank branch (网点) that issues cards. It serves the subtree of one union (e.g. 潞城镇总工会):
    applications of members under it are routed to it. `authoriser_secret` is the HMAC key held by the
    branch's fingerprint device: the pad's authorising step needs a confirmation signed with it, a
    credential the operator's password cannot stand in for."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    bank_name = models.CharField(_("bank"), max_length=100)
    name = models.CharField(_("branch"), max_length=100)
    serves_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="bank_branches", verbose_name=_("serves")
    )
    bin_prefix = models.CharField(_("card BIN"), max_length=10)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock warning below"), default=20)
    authoriser_device_id = models.CharField(max_length=64)
    authoriser_secret = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.bank_name}{self.name}"


class BranchOperator(models.Model):
    """Ties a bank-operator login to the one branch whose queue it works (the role says what the user
    is; this says where)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_branch_link"
    )
    branch = models.ForeignKey(BankBranch, on_delete=models.PROTECT, related_name="operators")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"operator #{self.user_id} @ {self.branch.code}"


class CardApplication(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "SUBMITTED", _("Submitted")
        ROUTED = "ROUTED", _("Routed to a branch")
        CALLED = "CALLED", _("Called up")
        ID_VERIFIED = "ID_VERIFIED", _("ID card verified")
        AUTHORISED = "AUTHORISED", _("Authorised")
        ISSUED = "ISSUED", _("Card issued")
        ACTIVATED = "ACTIVATED", _("Card activated")
        REJECTED = "REJECTED", _("Rejected")
        CANCELLED = "CANCELLED", _("Cancelled")

    class Source(models.TextChoices):
        OFFICER = "OFFICER", _("Officer")
        BULK = "BULK", _("Bulk for a union")
        SELF_SERVICE = "SELF_SERVICE", _("Member self-service")
        REPLACEMENT = "REPLACEMENT", _("Replacement card")

    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="card_applications")
    union = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    branch = models.ForeignKey(
        BankBranch, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.ForeignKey(
        "Card", null=True, blank=True, on_delete=models.PROTECT, related_name="replacement_applications"
    )
    submitted_at = models.DateTimeField()
    routed_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    id_verified_at = models.DateTimeField(null=True, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    # The pad's "done": the operator handed the card over (and linked 医保 if asked). Per-card time on
    # the pad is completed_at - called_at.
    completed_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=32, blank=True)
    reject_note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # A person has at most one application waiting for a card, whichever way it came in (once
            # issued, Card's own constraint allows one live card per person).
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["SUBMITTED", "ROUTED", "CALLED", "ID_VERIFIED", "AUTHORISED"]),
                name="cardapplication_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="REJECTED") | ~models.Q(reject_reason=""),
                name="cardapplication_rejected_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["branch", "status"])]

    def __str__(self) -> str:
        return f"card application #{self.pk} {self.status}"


class CardStock(models.Model):
    """A branch's card box (卡箱). Its blank cards are CardBlank rows, one per card number."""

    branch = models.ForeignKey(BankBranch, on_delete=models.PROTECT, related_name="stocks")
    label = models.CharField(_("label"), max_length=100)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"card box #{self.pk} {self.label}"


class CardBlank(models.Model):
    class Status(models.TextChoices):
        FREE = "FREE", _("In the box")
        ISSUED = "ISSUED", _("Issued")
        VOID = "VOID", _("Voided")

    stock = models.ForeignKey(CardStock, on_delete=models.PROTECT, related_name="blanks")
    number = EncryptedTextField()
    # One card number exists once in all boxes of all branches.
    number_index = BlindIndexField(source="number", purpose="card_number", unique=True)
    # The last four digits, for the operator to find a damaged card in the box without decrypting.
    last4 = models.CharField(max_length=4)
    batch = models.CharField(max_length=40)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.FREE)
    loaded_at = models.DateTimeField()
    issued_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["stock", "status"])]

    def __str__(self) -> str:
        return f"blank card ****{self.last4}"


class Card(models.Model):
    class Status(models.TextChoices):
        ISSUED = "ISSUED", _("Issued")
        ACTIVE = "ACTIVE", _("Active")
        LOST = "LOST", _("Reported lost")
        CANCELLED = "CANCELLED", _("Cancelled")

    application = models.OneToOneField(CardApplication, on_delete=models.PROTECT, related_name="card")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="cards")
    branch = models.ForeignKey(BankBranch, on_delete=models.PROTECT, related_name="cards")
    # From the pad's box; empty when the bank's back office issued the card itself (partner API).
    blank = models.OneToOneField(
        CardBlank, null=True, blank=True, on_delete=models.PROTECT, related_name="card"
    )
    number = EncryptedTextField()
    # A card number is issued at most once: the database refuses a second card with it.
    number_index = BlindIndexField(source="number", purpose="card_number", unique=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    issued_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    medical_account = EncryptedTextField(null=True, blank=True)
    medical_linked_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["ISSUED", "ACTIVE"]),
                name="card_one_live_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"card #{self.pk} {self.status}"


class PartnerKey(models.Model):
    """A key of a branch's back office for signing partner API requests. Rotating issues a new key and
    lets the old one work until `expires_at` (the overlap window); revoking ends it at once."""

    branch = models.ForeignKey(BankBranch, on_delete=models.PROTECT, related_name="partner_keys")
    key_id = models.CharField(max_length=40, unique=True)
    secret = EncryptedTextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"partner key {self.key_id}"


class PartnerNonce(models.Model):
    """Nonces seen in signed requests, kept past the five-minute window so a replay is refused by the
    unique constraint; rows older than `expires_at` are purged."""

    key = models.ForeignKey(PartnerKey, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "nonce"], name="partnernonce_unique_per_key")]

    def __str__(self) -> str:
        return f"nonce {self.nonce[:8]}…"
