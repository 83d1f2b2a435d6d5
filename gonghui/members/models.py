from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import BlindIndexField, EncryptedTextField


def person_label(name: str, pk: Any) -> str:
    """A person as logs and audit rows name them; a function so a bulk write can label rows it never loads."""
    return f"{name}（#{pk}）"


def membership_label(person: str, union_code: str, status: str) -> str:
    return f"{person} @ {union_code} {status}"


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Education(models.TextChoices):
    PRIMARY_OR_LESS = "PRIMARY_OR_LESS", _("Primary school or less")
    JUNIOR_HIGH = "JUNIOR_HIGH", _("Junior high school")
    SENIOR_HIGH = "SENIOR_HIGH", _("Senior high / vocational school")
    JUNIOR_COLLEGE = "JUNIOR_COLLEGE", _("Junior college")
    BACHELOR = "BACHELOR", _("Bachelor")
    POSTGRADUATE = "POSTGRADUATE", _("Postgraduate")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "CPC_MEMBER", _("CPC member")
    CPC_PROBATIONARY = "CPC_PROBATIONARY", _("CPC probationary member")
    CYL_MEMBER = "CYL_MEMBER", _("Communist Youth League member")
    OTHER_PARTY = "OTHER_PARTY", _("Member of another party")
    MASSES = "MASSES", _("The masses")


class HukouType(models.TextChoices):
    AGRICULTURAL = "AGRICULTURAL", _("Agricultural")
    NON_AGRICULTURAL = "NON_AGRICULTURAL", _("Non-agricultural")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "EMPLOYED", _("In service")
    TEMPORARY = "TEMPORARY", _("Temporary staff")
    FLEXIBLE = "FLEXIBLE", _("Flexible employment")
    RETIRED = "RETIRED", _("Retired")
    UNEMPLOYED = "UNEMPLOYED", _("Not employed")


class Channel(models.TextChoices):
    STAFF_MOBILE = "STAFF_MOBILE", _("Field collection on a phone")
    SELF_SERVICE = "SELF_SERVICE", _("Self-service by QR code")
    IMPORT = "IMPORT", _("Roster import")
    CONSOLE = "CONSOLE", _("Officer at the console")


class Person(models.Model):
    """One per resident ID (found by its blind index). The fields of the national collection form that
    belong to the person; what belongs to a union membership lives on Membership."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnic group"), max_length=20, blank=True)
    birth_date = models.DateField(_("birth date"))
    resident_id = EncryptedTextField(_("resident ID number"))
    # Indexed in Meta: see BlindIndexField.
    resident_id_index = BlindIndexField(source="resident_id", purpose="resident_id", db_index=False)
    phone = EncryptedTextField(_("mobile phone"), null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone", db_index=False)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    hukou_type = models.CharField(
        _("household registration"), max_length=20, choices=HukouType.choices, blank=True
    )
    is_migrant_worker = models.BooleanField(_("migrant worker"), default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resident_id_index"], name="person_one_per_resident_id")
        ]
        indexes = [
            models.Index(
                fields=["phone_index"],
                name="person_phone_index",
                condition=models.Q(phone_index__isnull=False),
            )
        ]

    def __str__(self) -> str:
        # Never the ID or phone: __str__ reaches logs and the audit table.
        return person_label(self.name, self.pk)


class Membership(models.Model):
    """A person's membership of one grassroots (or joint) union, from application to its end."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Awaiting review")
        ACTIVE = "ACTIVE", _("Active")
        REJECTED = "REJECTED", _("Rejected")
        TRANSFERRED_OUT = "TRANSFERRED_OUT", _("Transferred out")
        ENDED = "ENDED", _("Ended")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    # Indexed by Meta's (union, status).
    union = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    employer = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        db_index=False,
    )
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    employment_status = models.CharField(
        _("employment status"),
        max_length=20,
        choices=EmploymentStatus.choices,
        default=EmploymentStatus.EMPLOYED,
    )
    worksite = models.ForeignKey(
        "enterprises.Worksite",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        db_index=False,
    )
    applied_at = models.DateTimeField()
    joined_date = models.DateField(_("joined on"), null=True, blank=True)
    # Not indexed, nor reviewed_by: nothing looks memberships up by who collected or reviewed them, and
    # a roster import writes every index for every row. (Deleting a user, which PROTECT refuses while
    # they are referenced, scans the table instead.)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # The client's id for the record (a collector phone's UUID): the same record sent twice is stored once.
    client_uuid = models.UUIDField(null=True, blank=True)
    # Codes of what a reviewer should look at: area code unknown, phone shared with another ID, merged fields.
    warnings = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The 沟通会 where the person applied, so a meeting's funnel counts what it yielded.
    meeting = models.ForeignKey(
        "meetings.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        db_index=False,
    )

    class Meta:
        constraints = [
            # One person, at most one active membership — enforced by the database, not only by code.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="ACTIVE"),
                name="membership_one_active_per_person",
            ),
            # A second application while one is pending is merged into it, never stored beside it.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="PENDING"),
                name="membership_one_pending_per_person",
            ),
            models.UniqueConstraint(
                fields=["client_uuid"],
                condition=models.Q(client_uuid__isnull=False),
                name="membership_one_per_client_uuid",
            ),
        ]
        # Optional links are indexed only where set: a roster import writes memberships without them
        # by the hundred thousand, and every index is written for every row (NULLs included).
        indexes = [
            models.Index(fields=["union", "status"]),
            *(
                models.Index(
                    fields=[name], name=f"membership_{name}", condition=models.Q(**{f"{name}__isnull": False})
                )
                for name in ("employer", "worksite", "meeting")
            ),
        ]

    def __str__(self) -> str:
        return membership_label(str(self.person), self.union.code, self.status)


class EnrolmentReceipt(models.Model):
    """Every record id a client sent, with the membership it ended in (created, merged into, or found
    already active), so that a re-sent record is answered from here and never stored twice."""

    client_uuid = models.UUIDField(unique=True)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="receipts")
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"receipt {self.client_uuid}"


class Consent(models.Model):
    """What a person agreed to when applying (PIPL): policy version, when, through which channel, who
    collected it."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="consents")
    policy_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # Not indexed, as on Membership.
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    def __str__(self) -> str:
        return f"consent {self.policy_version} for membership #{self.membership_id}"


class Transfer(models.Model):
    """会员关系接转: moving an active membership to another union; the receiving side approves."""

    class Status(models.TextChoices):
        PROPOSED = "PROPOSED", _("Proposed")
        APPROVED = "APPROVED", _("Approved")
        REJECTED = "REJECTED", _("Rejected")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="transfers")
    from_membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="transfers_out")
    to_membership = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="transfer_in")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="PROPOSED"), name="transfer_one_open_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"transfer #{self.pk} {self.status}"


class JoinLink(models.Model):
    """A QR poster's link (/join/<token>/) through which workers apply to one union themselves,
    optionally attributed to a worksite. The token is printed on paper, so it is stored as is; it is
    random enough not to be guessed, and regenerating it retires every poster printed before."""

    union = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="join_links")
    worksite = models.ForeignKey(
        "enterprises.Worksite", null=True, blank=True, on_delete=models.PROTECT, related_name="join_links"
    )
    # A poster made for a 沟通会: applications through it are attributed to the meeting.
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="join_links"
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    token = models.CharField(max_length=64, unique=True)
    token_issued_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Revoked means inactive with a date, and only that: no half-revoked link keeps working.
            models.CheckConstraint(
                condition=models.Q(is_active=True, revoked_at__isnull=True)
                | models.Q(is_active=False, revoked_at__isnull=False),
                name="joinlink_revoked_iff_inactive",
            )
        ]

    def __str__(self) -> str:
        # Not the token: __str__ reaches the audit table.
        return f"join link #{self.pk} (union #{self.union_id})"


class ImportJob(models.Model):
    """One uploaded roster file: checked and dry-run first, then committed; counters feed the progress bar."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        CHECKING = "CHECKING", _("Checking")
        CHECKED = "CHECKED", _("Checked, ready to import")
        IMPORTING = "IMPORTING", _("Importing")
        DONE = "DONE", _("Imported")
        REFUSED = "REFUSED", _("Refused")
        FAILED = "FAILED", _("Failed")

    union = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="import_jobs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    original_name = models.CharField(max_length=200)
    file = models.FileField(upload_to="rosters/imports/", max_length=300)
    file_kind = models.CharField(max_length=10, blank=True)
    confirm_area_warnings = models.BooleanField(default=False)
    # True once the commit pass has run (the counters then describe what was written).
    committed = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    unknown_columns = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    report_file = models.FileField(upload_to="rosters/reports/", max_length=300, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"roster import #{self.pk} ({self.original_name[:60]})"

    @property
    def percent(self) -> int:
        if self.status in (self.Status.CHECKED, self.Status.DONE):
            return 100
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.IMPORTING)


class ImportProblem(models.Model):
    """One problem in one row (or the header, row 0 meaning the file as a whole)."""

    class Severity(models.TextChoices):
        ERROR = "ERROR", _("Error")
        WARNING = "WARNING", _("Warning")
        DUPLICATE = "DUPLICATE", _("Duplicate")

    # Indexed by Meta's (job, row).
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems", db_index=False)
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=50, blank=True)
    code = models.CharField(max_length=50)
    message = models.CharField(max_length=300)
    severity = models.CharField(max_length=10, choices=Severity.choices)

    class Meta:
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"row {self.row} {self.code}"


class ExportJob(models.Model):
    """Members of the owner's area, filtered, written to .xlsx or .csv by a job; masked unless revealed."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        RUNNING = "RUNNING", _("Exporting")
        DONE = "DONE", _("Ready")
        FAILED = "FAILED", _("Failed")

    class Format(models.TextChoices):
        XLSX = "XLSX", "Excel (.xlsx)"
        CSV = "CSV", "CSV"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="export_jobs"
    )
    filters = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.XLSX)
    reveal = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="rosters/exports/", max_length=300, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"member export #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
