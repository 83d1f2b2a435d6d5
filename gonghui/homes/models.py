"""职工之家: a grassroots union's Workers' Home, its facilities, the standards it is measured against and the
levels it holds.

Facility types, their checklists and the standards are data (rows loaded from a file, extended by
officers), not code: the federation changes its standard by publishing a new version, and applications
keep pointing at the version they were made under.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityType(models.Model):
    """母婴室, 职工书屋, 暖心驿站 …: a list officers can extend. `min_area_m2` is the type's own floor."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    min_area_m2 = models.DecimalField(_("minimum area (m²)"), max_digits=8, decimal_places=1, default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_area_m2__gte=0), name="facilitytype_area_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One line of a facility type's checklist: a thing it must have (a fridge, a lockable door) or a
    number it must reach (books ≥ 1000)."""

    class Kind(models.TextChoices):
        HAS = "HAS", _("Has it")
        AT_LEAST = "AT_LEAST", _("At least a number")

    facility_type = models.ForeignKey(FacilityType, on_delete=models.CASCADE, related_name="checklist_items")
    code = models.CharField(max_length=40)
    text = models.CharField(_("item"), max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.HAS)
    min_value = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility_type", "code"], name="checklistitem_unique_code"),
            models.CheckConstraint(
                condition=models.Q(kind="HAS") | models.Q(min_value__isnull=False),
                name="checklistitem_number_has_minimum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_type.code}/{self.code}"

    def is_met(self, value: object) -> bool:
        if self.kind == self.Kind.HAS:
            return value is True
        return isinstance(value, int) and not isinstance(value, bool) and value >= (self.min_value or 0)


class WorkersHome(models.Model):
    """The Workers' Home of one grassroots (or joint) union."""

    union = models.OneToOneField("orgs.OrgUnit", on_delete=models.PROTECT, related_name="workers_home")
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    home = models.ForeignKey(WorkersHome, on_delete=models.PROTECT, related_name="facilities")
    facility_type = models.ForeignKey(FacilityType, on_delete=models.PROTECT, related_name="facilities")
    name = models.CharField(_("name"), max_length=100)
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=1)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    # {checklist item code: true/false or a whole number}; checked against the type's items by the action.
    equipment = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(area_m2__gt=0), name="facility_area_positive"),
            models.UniqueConstraint(fields=["home", "name"], name="facility_unique_name_per_home"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.home.name}）"


class FacilityPhoto(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="homes/photos/%Y/%m/")
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"photo #{self.pk} of facility #{self.facility_id}"


class FacilityUsage(models.Model):
    """Visits in one month, entered by the chair (QR sign-in counts are added to the same row)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="usage")
    month = models.DateField(_("month"))  # the first day of the month
    visits = models.PositiveIntegerField(_("visits"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "month"], name="facilityusage_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="facilityusage_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.month:%Y-%m}: {self.visits}"


class Standard(models.Model):
    """A published version of a Workers' Home standard. `is_example` marks the worked example shipped with
    gonghui, to be replaced by the federation's own text."""

    code = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=200)
    is_example = models.BooleanField(default=False)
    source_note = models.TextField(blank=True)
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="standard_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class StandardLevel(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="levels")
    code = models.CharField(max_length=40)
    name = models.CharField(_("level"), max_length=100)
    rank = models.PositiveSmallIntegerField()  # higher is better
    pass_mark = models.PositiveIntegerField()
    validity_years = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="standardlevel_unique_code"),
            models.CheckConstraint(
                condition=models.Q(validity_years__gte=1), name="standardlevel_valid_a_year"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StandardItem(models.Model):
    """A gate item (must hold) or a scored item (0..points). With `facility_type` set, a gate item is met
    when the home has a facility of that type whose checklist is met."""

    class Kind(models.TextChoices):
        GATE = "GATE", _("Must hold")
        SCORED = "SCORED", _("Scored")

    level = models.ForeignKey(StandardLevel, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=40)
    text = models.CharField(_("item"), max_length=300)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    points = models.PositiveSmallIntegerField(default=0)
    facility_type = models.ForeignKey(
        FacilityType, null=True, blank=True, on_delete=models.PROTECT, related_name="standard_items"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="standarditem_unique_code"),
            models.CheckConstraint(
                condition=models.Q(kind="GATE", points=0) | models.Q(kind="SCORED", points__gt=0),
                name="standarditem_points_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level.code}/{self.code}"


class Step(models.TextChoices):
    """The four steps of a level application, each held by one role."""

    SELF = "SELF", _("Self-assessment")
    STREET = "STREET", _("Street recommendation")
    DISTRICT = "DISTRICT", _("District on-site check")
    CITY = "CITY", _("City approval")


class LevelApplication(models.Model):
    class Status(models.TextChoices):
        AT_STREET = "AT_STREET", _("Waiting for street recommendation")
        AT_DISTRICT = "AT_DISTRICT", _("Waiting for the district on-site check")
        AT_CITY = "AT_CITY", _("Waiting for city approval")
        APPROVED = "APPROVED", _("Approved")
        REFUSED = "REFUSED", _("Refused")

    OPEN = ("AT_STREET", "AT_DISTRICT", "AT_CITY")

    home = models.ForeignKey(WorkersHome, on_delete=models.PROTECT, related_name="applications")
    level = models.ForeignKey(StandardLevel, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(max_length=16, choices=Status.choices)
    self_score = models.PositiveIntegerField(default=0)
    check_score = models.PositiveIntegerField(null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # A level applied for twice is refused by the database too, not only by the action's check.
            models.UniqueConstraint(
                fields=["home", "level"],
                condition=models.Q(status__in=["AT_STREET", "AT_DISTRICT", "AT_CITY"]),
                name="levelapplication_one_open_per_level",
            )
        ]

    def __str__(self) -> str:
        return f"application #{self.pk}: {self.home.name} → {self.level.name}"

    @property
    def waiting_step(self) -> str | None:
        return {"AT_STREET": Step.STREET, "AT_DISTRICT": Step.DISTRICT, "AT_CITY": Step.CITY}.get(self.status)


class ItemScore(models.Model):
    """The self-assessment and the on-site check of one standard item in one application."""

    application = models.ForeignKey(LevelApplication, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="+")
    self_met = models.BooleanField(default=False)
    self_points = models.PositiveSmallIntegerField(default=0)
    check_met = models.BooleanField(null=True, blank=True)
    check_points = models.PositiveSmallIntegerField(null=True, blank=True)
    check_note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="itemscore_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.item_id}"


class StepDecision(models.Model):
    """Who moved an application past a step, or refused it there, and why: the history of the case."""

    class Outcome(models.TextChoices):
        PASSED = "PASSED", _("Passed")
        REFUSED = "REFUSED", _("Refused")

    application = models.ForeignKey(LevelApplication, on_delete=models.CASCADE, related_name="decisions")
    step = models.CharField(max_length=16, choices=Step.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "step"], name="stepdecision_one_per_step"),
            models.CheckConstraint(
                condition=~models.Q(outcome="REFUSED", reason=""), name="stepdecision_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.step} {self.outcome}"


class CheckPhoto(models.Model):
    """A photo taken at the district's on-site check."""

    application = models.ForeignKey(LevelApplication, on_delete=models.CASCADE, related_name="check_photos")
    file = models.FileField(upload_to="homes/checks/%Y/%m/")
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"check photo #{self.pk} of application #{self.application_id}"


class AwardedLevel(models.Model):
    """A level a home holds, from the application that won it, until `valid_until`. Lowering or expiry
    changes the status; the row stays as history."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Valid")
        LOWERED = "LOWERED", _("Lowered")
        EXPIRED = "EXPIRED", _("Expired")

    home = models.ForeignKey(WorkersHome, on_delete=models.PROTECT, related_name="awards")
    level = models.ForeignKey(StandardLevel, on_delete=models.PROTECT, related_name="awards")
    application = models.OneToOneField(LevelApplication, on_delete=models.PROTECT, related_name="award")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    awarded_date = models.DateField()
    valid_until = models.DateField()
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lowered_at = models.DateTimeField(null=True, blank=True)
    lowered_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("awarded_date")),
                name="awardedlevel_valid_after_award",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="LOWERED")
                | (models.Q(lowered_at__isnull=False) & ~models.Q(lowered_reason="")),
                name="awardedlevel_lowered_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home.name}: {self.level.name} ({self.awarded_date}–{self.valid_until})"


class AwardReview(models.Model):
    """The yearly review of a level held, or an upheld complaint: a failed one lowers the level."""

    class Kind(models.TextChoices):
        YEARLY = "YEARLY", _("Yearly review")
        COMPLAINT = "COMPLAINT", _("Upheld complaint")

    award = models.ForeignKey(AwardedLevel, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    passed = models.BooleanField()
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["award", "year"],
                condition=models.Q(kind="YEARLY"),
                name="awardreview_one_yearly_per_year",
            ),
            models.CheckConstraint(
                condition=models.Q(passed=True) | ~models.Q(note=""), name="awardreview_failure_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.year} of award #{self.award_id}"


# --- funding: 建家经费补助 --------------------------------------------------------------------------------


class Budget(models.Model):
    """A funder's building-subsidy budget for one district and year, in fen. `committed_fen` is what
    approved grants have taken from it; the database refuses a row whose commitments pass its total, so no
    two approvals at once can over-commit it (the action also locks the row)."""

    funder = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="homes_budgets_funded")
    district = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="homes_budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    total_fen = models.BigIntegerField(_("total (fen)"))
    committed_fen = models.BigIntegerField(default=0)
    disbursed_fen = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["funder", "district", "year"], name="budget_one_per_funder_district_year"
            ),
            models.CheckConstraint(
                condition=models.Q(committed_fen__gte=0), name="budget_committed_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(committed_fen__lte=models.F("total_fen")),
                name="budget_never_over_committed",
            ),
            models.CheckConstraint(
                condition=models.Q(disbursed_fen__gte=0, disbursed_fen__lte=models.F("committed_fen")),
                name="budget_disbursed_within_committed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder.name} → {self.district.name} {self.year}"

    @property
    def available_fen(self) -> int:
        return self.total_fen - self.committed_fen


class FundingApplication(models.Model):
    """A union's application for a building subsidy, tied to a facility or a level."""

    class Status(models.TextChoices):
        SUBMITTED = "SUBMITTED", _("Waiting for a decision")
        APPROVED = "APPROVED", _("Approved")
        REFUSED = "REFUSED", _("Refused")

    home = models.ForeignKey(WorkersHome, on_delete=models.PROTECT, related_name="funding_applications")
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="funding_applications"
    )
    level = models.ForeignKey(
        StandardLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="funding_applications"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    purpose = models.TextField(_("purpose"))
    amount_asked_fen = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField()
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="grants")
    amount_granted_fen = models.BigIntegerField(null=True, blank=True)
    # "A fixed sum per station that passes acceptance": nothing is paid before the facility is accepted.
    pays_after_acceptance = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    disbursed_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_asked_fen__gt=0), name="funding_asked_positive"),
            models.CheckConstraint(
                condition=models.Q(facility__isnull=False) | models.Q(level__isnull=False),
                name="funding_for_a_facility_or_a_level",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="APPROVED")
                | models.Q(budget__isnull=False, amount_granted_fen__gt=0),
                name="funding_approved_has_grant",
            ),
            models.CheckConstraint(
                condition=models.Q(disbursed_fen__gte=0)
                & (
                    models.Q(amount_granted_fen__isnull=True, disbursed_fen=0)
                    | models.Q(disbursed_fen__lte=models.F("amount_granted_fen"))
                ),
                name="funding_disbursed_within_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"funding #{self.pk}: {self.home.name}"


class FundingDocument(models.Model):
    """A quote sent with an application, or a receipt sent with the spending report."""

    class Kind(models.TextChoices):
        QUOTE = "QUOTE", _("Quote")
        RECEIPT = "RECEIPT", _("Receipt")

    application = models.ForeignKey(FundingApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to="homes/funding/%Y/%m/")
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} of funding #{self.application_id}"


class Disbursement(models.Model):
    """One instalment paid out of a grant."""

    application = models.ForeignKey(
        FundingApplication, on_delete=models.PROTECT, related_name="disbursements"
    )
    number = models.PositiveSmallIntegerField()
    amount_fen = models.BigIntegerField()
    paid_date = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="disbursement_unique_number"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="disbursement_positive"),
        ]

    def __str__(self) -> str:
        return f"funding #{self.application_id} instalment {self.number}"


class SpendingReport(models.Model):
    """What the union spent of a grant, with receipts (FundingDocument RECEIPT)."""

    application = models.ForeignKey(
        FundingApplication, on_delete=models.PROTECT, related_name="spending_reports"
    )
    spent_fen = models.BigIntegerField()
    note = models.TextField(blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(spent_fen__gte=0), name="spending_not_negative"),
        ]

    def __str__(self) -> str:
        return f"spending report #{self.pk} of funding #{self.application_id}"
