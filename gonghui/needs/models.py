"""The coordination committee's 朋友圈: committees held by a street (or district) union, their member units
and the work they offer, needs posted to a committee, claims by member units, the service events that
deliver them and the people served there. Work types and deadline classes are data, not code: officers
extend the first, a city officer changes the second (seeded with the Beijing 12345 policy)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.core.fields import BlindIndexField, EncryptedTextField


class WorkType(models.Model):
    """What a member unit can bring (理发, 金融知识/反诈 …). Officers add to the list; a type is retired
    (is_active=False), never deleted, so old needs keep their name."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(_("work type"), max_length=50, unique=True)
    position = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class DeadlineClass(models.Model):
    """An urgency class and how long a need of that class may take from posting to delivery. The default
    policy is the Beijing 12345 hotline's (urgent 2 h, utilities-type 24 h, general 7 days, complex 15
    days), seeded by migration; a city officer may change the hours."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(_("urgency"), max_length=50)
    hours = models.PositiveIntegerField(_("hours allowed"))
    position = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    source = models.CharField(_("source of the rule"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gte=1, hours__lte=24 * 90), name="deadlineclass_hours_range"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Sector(models.TextChoices):
    CONSTRUCTION = "CONSTRUCTION", _("Construction")
    OFFICE_BUILDINGS = "OFFICE_BUILDINGS", _("Office buildings")
    PARKS = "PARKS", _("Industrial parks")
    NEW_EMPLOYMENT = "NEW_EMPLOYMENT", _("New forms of employment")
    OTHER = "OTHER", _("Other sector")


class Committee(models.Model):
    """A coordination committee (协调委员会) held by a street or district union: its 朋友圈."""

    union = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="committees")
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    founded_date = models.DateField(_("founded on"))
    # A claim not turned into a service event within this many hours returns the need to the board.
    schedule_within_hours = models.PositiveIntegerField(_("schedule within (hours)"), default=72)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["union", "name"], name="committee_unique_name_per_union")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerUnit(models.Model):
    """A member unit (成员单位): a bureau, a project party branch, a bank branch, a volunteer team, an
    enterprise. It may sit on several committees; its staff see the needs of those committees only."""

    class Kind(models.TextChoices):
        GOVERNMENT = "GOVERNMENT", _("Government bureau")
        PARTY_BRANCH = "PARTY_BRANCH", _("Project party branch")
        BANK = "BANK", _("Bank branch")
        VOLUNTEERS = "VOLUNTEERS", _("Volunteer team")
        ENTERPRISE = "ENTERPRISE", _("Enterprise")
        OTHER = "OTHER", _("Other unit")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The union whose officers registered and manage the unit (its committees' union).
    union = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="partner_units")
    committees = models.ManyToManyField(Committee, related_name="members", blank=True)
    work_types = models.ManyToManyField(WorkType, related_name="partner_units", blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    # The unit's duty phone: needs posted to its committees are announced to it by SMS.
    contact_phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    covers = models.CharField(_("worksites or area covered"), max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["union", "name"], name="partnerunit_unique_name_per_union")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerStaff(models.Model):
    """Ties a member-unit login (role COMMITTEE_UNIT) to its unit: the role says what the user is, this
    says which unit's needs it works. The unit's admin may add colleagues."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_link"
    )
    unit = models.ForeignKey(PartnerUnit, on_delete=models.PROTECT, related_name="staff")
    is_unit_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"partner staff #{self.user_id} @ {self.unit_id}"


class NeedSource(models.TextChoices):
    OFFICER = "OFFICER", _("Officer's form")
    MEETING_ANSWER = "MEETING_ANSWER", _("Meeting questionnaire answer")
    MEETING_FOLLOW_UP = "MEETING_FOLLOW_UP", _("Meeting follow-up")
    QR_CONTACT = "QR_CONTACT", _("Site contact by QR code")
    # Not "API": the console's menu says "API 接口", and a choice value must not read as a word on a page.
    API = "API_CLIENT", _("Through the API")


class Need(models.Model):
    class Status(models.TextChoices):
        OPEN = "OPEN", _("Open")
        CLAIMED = "CLAIMED", _("Claimed")
        SCHEDULED = "SCHEDULED", _("Scheduled")
        DELIVERED = "DELIVERED", _("Delivered")
        CLOSED = "CLOSED", pgettext_lazy("need status", "Closed")

    class Closure(models.TextChoices):
        RESOLVED = "RESOLVED", _("Resolved")
        UNRESOLVED = "UNRESOLVED", _("Closed unresolved")
        NOT_OURS = "NOT_OURS", _("Not ours")

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="needs")
    worksite = models.ForeignKey(
        "enterprises.Worksite", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT, related_name="needs")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    people_count = models.PositiveIntegerField(_("people concerned"))
    deadline_class = models.ForeignKey(DeadlineClass, on_delete=models.PROTECT, related_name="needs")
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=20, choices=NeedSource.choices)
    # Who asked: an officer (raised_by) or a site contact by QR (name and phone, never shown to units).
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester_name = models.CharField(max_length=50, blank=True)
    requester_phone = EncryptedTextField(null=True, blank=True)
    requester_phone_index = BlindIndexField(source="requester_phone", purpose="phone")
    # Where it came from, when it came from a meeting (one click from the questionnaire or a follow-up).
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    response = models.ForeignKey(
        "meetings.Response", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    follow_up = models.ForeignKey(
        "meetings.FollowUp", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    # The questionnaire choice many workers ticked (免费理发等便民服务), when the need sums those answers up.
    meeting_choice = models.CharField(max_length=100, blank=True)
    posted_at = models.DateTimeField()
    first_claimed_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure = models.CharField(max_length=16, choices=Closure.choices, blank=True)
    closure_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The requester's answer after closure: only it counts toward satisfaction.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    # The SLA clock stops while a unit waits on the requester (a question asked, not yet answered); on the
    # answer the deadline moves on by the time waited (kept in paused_seconds).
    waiting_since = models.DateTimeField(null=True, blank=True)
    waiting_question = models.CharField(_("question to the requester"), max_length=300, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(people_count__gte=1, people_count__lte=100_000), name="need_people_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="CLOSED")
                | (models.Q(closed_at__isnull=False) & ~models.Q(closure="")),
                name="need_closed_has_closure",
            ),
            models.CheckConstraint(
                condition=~models.Q(closure="UNRESOLVED") | ~models.Q(closure_reason=""),
                name="need_unresolved_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="need_satisfaction_range",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title}（#{self.pk}）"

    @property
    def paused_hours(self) -> float:
        return round(self.paused_seconds / 3600, 1)

    @property
    def place_name(self) -> str:
        if self.worksite is not None:
            return self.worksite.name
        if self.enterprise is not None:
            return self.enterprise.name
        return ""


class Claim(models.Model):
    """A member unit taking on a need (for one or more work types); several units may co-claim one need.
    A unit sending a need back keeps the row, with its reason: send-backs are counted, never silent."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", pgettext_lazy("claim status", "Active")
        SENT_BACK = "SENT_BACK", _("Sent back")
        EXPIRED = "EXPIRED", _("Returned unscheduled")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="claims")
    unit = models.ForeignKey(PartnerUnit, on_delete=models.PROTECT, related_name="claims")
    work_types = models.ManyToManyField(WorkType, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["need", "unit"], condition=models.Q(status="ACTIVE"), name="claim_one_active_per_unit"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="SENT_BACK") | ~models.Q(reason=""),
                name="claim_sent_back_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"claim #{self.pk} of need #{self.need_id}"


class ServiceEvent(models.Model):
    """Delivery of a need: when, where, by which units, bringing what; then how many were served."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300)
    providers = models.ManyToManyField(PartnerUnit, related_name="service_events")
    brought = models.CharField(_("what is brought"), max_length=300, blank=True)
    # Printed as the event's QR code (the meeting check-in flow); regenerated to retire a poster.
    public_token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"service event #{self.pk} of need #{self.need_id}"


class Served(models.Model):
    """People served at an event: a head count the unit records, or one worker checking in with their
    phone (as at a meeting), so a served worker who later joins can be followed."""

    class Source(models.TextChoices):
        UNIT = "UNIT", _("Head count by the unit")
        SELF = "SELF", _("Worker's own phone")

    event = models.ForeignKey(ServiceEvent, on_delete=models.CASCADE, related_name="served")
    head_count = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=50, blank=True)
    phone = EncryptedTextField(null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    source = models.CharField(max_length=8, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "phone_index"],
                condition=models.Q(phone_index__isnull=False),
                name="served_one_per_phone",
            ),
            models.CheckConstraint(
                condition=models.Q(head_count__gte=1, head_count__lte=5000), name="served_head_count_range"
            ),
            models.CheckConstraint(
                condition=models.Q(phone_index__isnull=True) | models.Q(head_count=1),
                name="served_named_is_one",
            ),
        ]

    def __str__(self) -> str:
        return f"served #{self.pk} at event #{self.event_id}"


class ServicePhoto(models.Model):
    """A photo taken at the service event, as evidence: checked by its bytes, scaled, EXIF (and so the
    location) stripped before it is stored (core/uploads.py); served only to who may see the need."""

    event = models.ForeignKey(ServiceEvent, on_delete=models.CASCADE, related_name="photos")
    photo = models.FileField(upload_to="needs-photos/%Y/%m/")
    content_type = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"photo #{self.pk} of service event #{self.event_id}"
