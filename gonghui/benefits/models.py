"""二次报销: benefit plans as data, settlements from the medical-insurance feed, claims computed once from
them, each member's per-year accumulator, receipts of manual claims, and the feed's import jobs.

Money is integer fen everywhere (1 yuan = 100 fen); ratios are integer basis points (10000 = 100 %)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BenefitKind(models.TextChoices):
    INPATIENT = "INPATIENT", _("Inpatient")
    OUTPATIENT = "OUTPATIENT", _("Outpatient and emergency")


class HospitalLevel(models.TextChoices):
    LEVEL_1 = "LEVEL_1", _("Level 1 hospital")
    LEVEL_2 = "LEVEL_2", _("Level 2 hospital")
    LEVEL_3 = "LEVEL_3", _("Level 3 hospital")
    COMMUNITY = "COMMUNITY", _("Community health centre")
    UNRATED = "UNRATED", _("Unrated")


class BenefitPlan(models.Model):
    """The rules of one benefit for one year. A plan with claims is in use: its rules never change again;
    a new version supersedes it (claims keep pointing at the version they were computed with)."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("In force")
        SUPERSEDED = "SUPERSEDED", _("Superseded")

    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("benefit"), max_length=16, choices=BenefitKind.choices)
    name = models.CharField(_("name"), max_length=100)
    # The real figures were not found in public sources: a plan made up for the demo says so on every page.
    is_example = models.BooleanField(_("example data"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    version = models.PositiveSmallIntegerField(default=1)
    deductible_fen = models.PositiveBigIntegerField(_("deductible (fen)"))
    # [[upper bound in fen of the amount above the deductible, or null for "and above", ratio in basis
    # points], ...] ascending; checked by the action that stores it.
    bands = models.JSONField(_("ratio bands"))
    per_claim_cap_fen = models.PositiveBigIntegerField(_("cap per claim (fen)"))
    per_year_cap_fen = models.PositiveBigIntegerField(_("cap per year (fen)"))
    waiting_days = models.PositiveSmallIntegerField(_("waiting period after joining (days)"), default=0)
    eligible_levels = models.JSONField(_("eligible hospital levels"), default=list)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One plan in force per benefit and year: the feed never has to choose.
            models.UniqueConstraint(
                fields=["year", "kind"], condition=models.Q(status="ACTIVE"), name="benefitplan_one_active"
            ),
            models.UniqueConstraint(fields=["year", "kind", "version"], name="benefitplan_unique_version"),
            models.CheckConstraint(
                condition=models.Q(per_claim_cap_fen__lte=models.F("per_year_cap_fen")),
                name="benefitplan_claim_cap_within_year_cap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name} v{self.version}"


class Settlement(models.Model):
    """One medical-insurance settlement record as the feed sent it (its latest correction). The
    settlement id is unique: a re-sent record is found, never stored twice."""

    settlement_id = models.CharField(_("settlement number"), max_length=64, unique=True)
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="settlements")
    kind = models.CharField(max_length=16, choices=BenefitKind.choices)
    service_date = models.DateField(_("date of service"))
    hospital = models.CharField(_("hospital"), max_length=200)
    hospital_level = models.CharField(_("hospital level"), max_length=16, choices=HospitalLevel.choices)
    total_cost_fen = models.PositiveBigIntegerField(_("total cost (fen)"))
    covered_fen = models.PositiveBigIntegerField(_("paid by medical insurance (fen)"))
    self_paid_in_scope_fen = models.PositiveBigIntegerField(_("self-paid within the scope (fen)"))
    # What the feed said, hashed: the same record again is a no-op, a different one a correction.
    content_hash = models.CharField(max_length=64)
    corrections = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"settlement {self.settlement_id}"


class ReimbursementClaim(models.Model):
    """二次报销 for one settlement (from the feed) or one manual claim by a union officer."""

    class Status(models.TextChoices):
        APPROVED = "APPROVED", _("Approved")
        REVIEW = "REVIEW", _("Awaiting review")
        REFUSED = "REFUSED", _("Refused")
        PAYING = "PAYING", _("Sent to the bank")
        PAID = "PAID", _("Paid to the card")

    class Source(models.TextChoices):
        FEED = "FEED", _("Settlement feed")
        MANUAL = "MANUAL", _("Manual claim")

    settlement = models.OneToOneField(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="benefit_claims")
    membership = models.ForeignKey(
        "members.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The union whose officers see the claim (the membership's on the date of service, else the latest).
    union = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        BenefitPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    kind = models.CharField(_("benefit"), max_length=16, choices=BenefitKind.choices)
    service_date = models.DateField(_("date of service"))
    hospital = models.CharField(_("hospital"), max_length=200)
    hospital_level = models.CharField(_("hospital level"), max_length=16, choices=HospitalLevel.choices)
    total_cost_fen = models.PositiveBigIntegerField(_("total cost (fen)"))
    covered_fen = models.PositiveBigIntegerField(_("paid by medical insurance (fen)"))
    self_paid_in_scope_fen = models.PositiveBigIntegerField(_("self-paid within the scope (fen)"))
    # The calculation, step by step, as computed (deductible -> bands -> per-claim cap -> year cap).
    deductible_applied_fen = models.PositiveBigIntegerField(default=0)
    after_bands_fen = models.PositiveBigIntegerField(default=0)
    after_claim_cap_fen = models.PositiveBigIntegerField(default=0)
    payable_fen = models.PositiveBigIntegerField(_("payable (fen)"), default=0)
    # What this claim holds of its year accumulator: charged when approved (by the feed or a reviewer),
    # given back when a correction or a reviewer takes the approval away — never twice.
    accumulated_fen = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    refusal_code = models.CharField(max_length=32, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="REFUSED") | ~models.Q(refusal_code=""),
                name="claim_refused_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="REFUSED") | models.Q(payable_fen=0),
                name="claim_refused_pays_nothing",
            ),
            models.CheckConstraint(
                condition=models.Q(source="MANUAL", settlement__isnull=True)
                | models.Q(source="FEED", settlement__isnull=False),
                name="claim_feed_has_settlement",
            ),
        ]
        indexes = [
            models.Index(fields=["union", "status"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["person", "service_date"]),
        ]

    def __str__(self) -> str:
        return f"claim #{self.pk} {self.status}"


class ClaimAdjustment(models.Model):
    """A corrected settlement changed a claim: what it was, what it is, and why — kept, never overwritten."""

    claim = models.ForeignKey(ReimbursementClaim, on_delete=models.PROTECT, related_name="adjustments")
    previous_payable_fen = models.PositiveBigIntegerField()
    new_payable_fen = models.PositiveBigIntegerField()
    previous_status = models.CharField(max_length=8)
    new_status = models.CharField(max_length=8)
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"adjustment #{self.pk} of claim #{self.claim_id}"

    @property
    def delta_fen(self) -> int:
        return int(self.new_payable_fen) - int(self.previous_payable_fen)


class YearAccumulator(models.Model):
    """What a person has been granted under one benefit in one year. The database refuses a total above
    the cap, so no interleaving of imports can pay past it (the actions also lock the row)."""

    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=BenefitKind.choices)
    used_fen = models.PositiveBigIntegerField(default=0)
    cap_fen = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "kind"], name="accumulator_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(used_fen__lte=models.F("cap_fen")), name="accumulator_within_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"accumulator {self.year} {self.kind} of person #{self.person_id}"


class ClaimReceipt(models.Model):
    """A receipt scan of a manual claim (checked by core.uploads, served only after access is checked)."""

    claim = models.ForeignKey(ReimbursementClaim, on_delete=models.CASCADE, related_name="receipts")
    file = models.FileField(upload_to="benefits/receipts/", max_length=300)
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"receipt #{self.pk} of claim #{self.claim_id}"


class FeedImportJob(models.Model):
    """One uploaded settlement feed file: checked (dry run) first, then committed."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        CHECKING = "CHECKING", _("Checking")
        CHECKED = "CHECKED", _("Checked, ready to import")
        IMPORTING = "IMPORTING", _("Importing")
        DONE = "DONE", _("Imported")
        REFUSED = "REFUSED", _("Refused")
        FAILED = "FAILED", _("Failed")

    # The officer's area: only members under it are found in the feed.
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    original_name = models.CharField(max_length=200)
    file = models.FileField(upload_to="benefits/feeds/", max_length=300)
    committed = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    review = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    adjusted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    payable_fen = models.BigIntegerField(default=0)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    report_file = models.FileField(upload_to="benefits/reports/", max_length=300, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"settlement feed #{self.pk} ({self.original_name[:60]})"

    @property
    def percent(self) -> int:
        if self.status in (self.Status.CHECKED, self.Status.DONE):
            return 100
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.IMPORTING)


class FeedProblem(models.Model):
    """One problem of one row of a feed (row 0: the file as a whole)."""

    class Severity(models.TextChoices):
        ERROR = "ERROR", _("Error")
        DUPLICATE = "DUPLICATE", _("Duplicate")
        NOTE = "NOTE", _("Note")

    job = models.ForeignKey(FeedImportJob, on_delete=models.CASCADE, related_name="problems", db_index=False)
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=50, blank=True)
    code = models.CharField(max_length=50)
    message = models.CharField(max_length=300)
    severity = models.CharField(max_length=10, choices=Severity.choices)

    class Meta:
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"row {self.row} {self.code}"


class PayoutBatch(models.Model):
    """Approved claims sent together to one bank branch's back office (the branch of the members' cards).
    The bank pulls the batch's payouts over the signed partner API and posts each one's result."""

    class Status(models.TextChoices):
        SENT = "SENT", _("Sent to the bank")
        CLOSED = "CLOSED", _("Every payout answered")

    branch = models.ForeignKey("cards.BankBranch", on_delete=models.PROTECT, related_name="payout_batches")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENT)
    payouts_count = models.PositiveIntegerField(default=0)
    total_fen = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"payout batch #{self.pk}"

    @property
    def reference(self) -> str:
        return f"GHP{self.pk:08d}"


class Payout(models.Model):
    """One claim's money to one card. At most one payout of a claim is live or paid (a database
    constraint): a failed one may be followed by another, a paid one never."""

    class Status(models.TextChoices):
        SENT = "SENT", _("Awaiting the bank")
        PAID = "PAID", _("Paid")
        FAILED = "FAILED", _("Failed")

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="payouts")
    claim = models.ForeignKey(ReimbursementClaim, on_delete=models.PROTECT, related_name="payouts")
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="+")
    amount_fen = models.PositiveBigIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENT)
    bank_reference = models.CharField(max_length=64, blank=True)
    failure_code = models.CharField(max_length=32, blank=True)
    failure_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(status__in=["SENT", "PAID"]),
                name="payout_one_live_per_claim",
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payout_positive"),
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"payout #{self.pk} {self.status}"
