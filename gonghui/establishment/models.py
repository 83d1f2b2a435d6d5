from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import BlindIndexField, EncryptedTextField


class Stage(models.TextChoices):
    """The 建会 stages of DESIGN §3, in order."""

    IDENTIFIED = "IDENTIFIED", _("Identified")
    VISITED = "VISITED", _("Visited")
    ENTERPRISE_MEETING = "ENTERPRISE_MEETING", _("Enterprise meeting held")
    INTENT_SIGNED = "INTENT_SIGNED", _("Letter of intent signed")
    PREPARATORY_GROUP = "PREPARATORY_GROUP", _("Preparatory group formed")
    APPROVED_BY_SUPERIOR = "APPROVED_BY_SUPERIOR", _("Approved by the superior union")
    FOUNDING_ASSEMBLY = "FOUNDING_ASSEMBLY", _("Founding assembly held")
    REGISTERED = "REGISTERED", _("Registered as a legal person")
    ESTABLISHED = "ESTABLISHED", _("Established")


STAGE_ORDER: list[str] = list(Stage.values)


def stage_index(stage: str) -> int:
    return STAGE_ORDER.index(stage)


class UnionPath(models.TextChoices):
    """Trade Union Law art. 11: which way the enterprise's workers organise."""

    COMMITTEE = "COMMITTEE", _("Own union with a committee")
    SMALL_OWN = "SMALL_OWN", _("Fewer than 25 members: own union all the same")
    JOINT = "JOINT", _("Fewer than 25 members: join or form a joint grassroots union")
    ORGANISER = "ORGANISER", _("Fewer than 25 members: elect an organiser")


class EstablishmentRules(models.Model):
    """The thresholds the 建会 checks use, as data: the law and the ACFTU rules set them, and places
    publish their own readings (a district may count 100+ enterprises from 50). The row with no region
    is the default; a district's row overrides it for the enterprises in that district."""

    region = models.OneToOneField(
        "orgs.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_employee_count = models.PositiveIntegerField(
        _("enterprises counted from (employees)"), default=100
    )
    committee_member_threshold = models.PositiveIntegerField(_("members for a committee"), default=25)
    preparatory_group_min = models.PositiveSmallIntegerField(default=3)
    preparatory_group_max = models.PositiveSmallIntegerField(default=5)
    # Quorum of the founding assembly as a fraction of the members: present * denominator >= total * numerator
    # when `quorum_inclusive`, strictly greater otherwise.
    quorum_numerator = models.PositiveSmallIntegerField(default=1)
    quorum_denominator = models.PositiveSmallIntegerField(default=2)
    quorum_inclusive = models.BooleanField(default=False)
    # [[up to members, min size, max size], ...] ascending; the last band's bound may be null (no limit).
    committee_size_bands = models.JSONField(default=list)
    women_committee_threshold = models.PositiveIntegerField(
        _("women members for a women's committee"), default=10
    )
    allowed_terms = models.JSONField(default=list)  # years, e.g. [3, 5]
    change_filing_days = models.PositiveSmallIntegerField(default=30)
    term_reminder_days = models.PositiveSmallIntegerField(default=90)
    stalled_after_days = models.PositiveSmallIntegerField(default=30)
    sources = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"rules for {self.region.code if self.region else 'default'}"


class Establishment(models.Model):
    """建会: one case per enterprise and attempt, from the first visit to a registered union. At most one
    open (or paused) case per enterprise; a dropped one stays as history."""

    class Status(models.TextChoices):
        OPEN = "OPEN", _("In progress")
        PAUSED = "PAUSED", _("Paused")
        DROPPED = "DROPPED", _("Dropped")
        DONE = "DONE", _("Union established")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="establishment_cases"
    )
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, default=Stage.IDENTIFIED)
    stage_date = models.DateField(_("stage reached on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    next_follow_up_date = models.DateField(_("next follow-up"), null=True, blank=True)
    # Art. 11 path, decided when the preparatory group is formed (with the reason when under 25 members).
    union_path = models.CharField(_("path"), max_length=12, choices=UnionPath.choices, blank=True)
    union_path_reason = models.CharField(_("why this path"), max_length=300, blank=True)
    joint_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 上级工会批复
    approval_document_number = models.CharField(_("approval document number"), max_length=100, blank=True)
    approval_date = models.DateField(_("approved on"), null=True, blank=True)
    # 会员大会
    assembly_date = models.DateField(_("assembly held on"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("members"), null=True, blank=True)
    women_member_count = models.PositiveIntegerField(_("women members"), null=True, blank=True)
    members_present = models.PositiveIntegerField(_("members present"), null=True, blank=True)
    committee_size = models.PositiveSmallIntegerField(_("committee members elected"), null=True, blank=True)
    chair_name = models.CharField(_("chair"), max_length=50, blank=True)
    funds_audit_committee = models.BooleanField(_("funds audit committee elected"), default=False)
    women_committee = models.BooleanField(_("women workers' committee set up"), default=False)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), null=True, blank=True)
    # 工会法人资格登记
    certificate_number = models.CharField(_("legal person certificate number"), max_length=50, blank=True)
    union_uscc = models.CharField(_("union's credit code"), max_length=18, blank=True)
    registered_date = models.DateField(_("registered on"), null=True, blank=True)
    union = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="establishment_cases"
    )
    chair_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(status__in=["OPEN", "PAUSED"]),
                name="establishment_one_open_case_per_enterprise",
            ),
            models.CheckConstraint(
                condition=models.Q(members_present__lte=models.F("member_count"))
                | models.Q(members_present__isnull=True),
                name="establishment_present_not_more_than_members",
            ),
        ]
        indexes = [models.Index(fields=["status", "stage"])]

    def __str__(self) -> str:
        return f"establishment case #{self.pk} of enterprise #{self.enterprise_id}"


class StageRecord(models.Model):
    """One step of a case's timeline: a stage reached, with its date, evidence, responsible officer and
    next follow-up. `source` says whether an officer recorded it or a meeting / letter of intent moved
    the case by itself."""

    class Source(models.TextChoices):
        OFFICER = "OFFICER", _("Recorded by an officer")
        MEETING = "MEETING", _("From the enterprise meeting")
        INTENT_LETTER = "INTENT_LETTER", _("From the letter of intent")

    case = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="stage_records")
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    stage_date = models.DateField(_("date"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    next_follow_up_date = models.DateField(_("next follow-up"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Stages passed over on the way here, and the officer's reason for it.
    skipped_stages = models.JSONField(default=list, blank=True)
    skip_reason = models.CharField(_("reason for skipping"), max_length=300, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.OFFICER)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="establishment/%Y/%m/", blank=True)
    evidence_content_type = models.CharField(max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            # A meeting or a letter moves a case once, however often it is saved again.
            models.UniqueConstraint(
                fields=["case", "source", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="stagerecord_one_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage} of case #{self.case_id}"


class PreparatoryMember(models.Model):
    """A member of the 筹备组: 3–5 people who are members (of a union elsewhere, say their former group's)
    or who apply to join and become members when the union is established."""

    case = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="preparatory_members")
    name = models.CharField(_("name"), max_length=50)
    resident_id = EncryptedTextField()
    resident_id_index = BlindIndexField(source="resident_id", purpose="resident_id")
    is_leader = models.BooleanField(_("group leader"), default=False)
    membership = models.ForeignKey(
        "members.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applicant = models.ForeignKey(
        "establishment.PipelineApplicant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "resident_id_index"], name="preparatory_member_once_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"preparatory member #{self.pk} of case #{self.case_id}"


class PipelineApplicant(models.Model):
    """A worker of the enterprise who applied to join while the union did not exist yet (at a meeting,
    by a QR poster, on a roster). Enrolled into the new union through the enrolment actions when the case
    reaches ESTABLISHED."""

    class Source(models.TextChoices):
        MEETING = "MEETING", _("At a meeting")
        QR = "QR", _("QR poster")
        ROSTER = "ROSTER", _("Roster")
        PREPARATORY = "PREPARATORY", _("Preparatory group")
        CONSOLE = "CONSOLE", _("Entered by an officer")

    case = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="applicants")
    name = models.CharField(_("name"), max_length=50)
    resident_id = EncryptedTextField()
    resident_id_index = BlindIndexField(source="resident_id", purpose="resident_id")
    phone = EncryptedTextField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    consent_at = models.DateTimeField()
    applied_at = models.DateTimeField()
    membership = models.ForeignKey(
        "members.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolment_outcome = models.CharField(max_length=24, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "resident_id_index"], name="pipeline_applicant_once_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"applicant #{self.pk} of case #{self.case_id}"


class EnterpriseImport(models.Model):
    """A list of enterprises a district got from the tax office, social insurance or the market regulator:
    checked first (dry run, with a problem report), then imported; idempotent by USCC."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Waiting")
        CHECKING = "CHECKING", _("Checking")
        CHECKED = "CHECKED", _("Checked")
        IMPORTING = "IMPORTING", _("Importing")
        DONE = "DONE", _("Imported")
        REFUSED = "REFUSED", _("Refused")
        FAILED = "FAILED", _("Failed")

    class Source(models.TextChoices):
        TAX = "TAX", _("Tax office")
        SOCIAL_INSURANCE = "SOCIAL_INSURANCE", _("Social insurance")
        MARKET_REGULATOR = "MARKET_REGULATOR", _("Market regulator")
        OTHER = "OTHER", _("Other")

    managing_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    original_name = models.CharField(max_length=200)
    file = models.FileField(upload_to="establishment/imports/", max_length=300)
    file_kind = models.CharField(max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    committed = models.BooleanField(default=False)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    report_file = models.FileField(upload_to="establishment/reports/", max_length=300, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"enterprise import #{self.pk}"


class EmployeeCount(models.Model):
    """The history of an enterprise's employee counts: one row each time a list (or an officer) brings a
    different count, so a district sees when an enterprise crossed 100."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    employee_count = models.PositiveIntegerField()
    female_employee_count = models.PositiveIntegerField()
    source = models.CharField(max_length=20)
    import_job = models.ForeignKey(
        EnterpriseImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["enterprise", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.employee_count} staff at enterprise #{self.enterprise_id}"
