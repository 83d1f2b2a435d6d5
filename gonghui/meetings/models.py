"""双沟通 meetings: worker and enterprise communication meetings, their check-ins, questionnaires and
outcomes. What a meeting yielded (applications, approvals, letters of intent) points back here from the
members and enterprises apps (Membership.meeting, JoinLink.meeting, IntentLetter.meeting)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.core.fields import BlindIndexField, EncryptedTextField


class MeetingKind(models.TextChoices):
    WORKER = "WORKER", _("Worker communication meeting")
    ENTERPRISE = "ENTERPRISE", _("Enterprise communication meeting")


class Cadence(models.TextChoices):
    WEEKLY = "WEEKLY", _("Weekly (street, park, building)")
    MONTHLY = "MONTHLY", _("Monthly (district communication day)")
    HALF_YEARLY = "HALF_YEARLY", _("Half-yearly (city)")
    ONE_OFF = "ONE_OFF", _("One-off")


class PlaceKind(models.TextChoices):
    ENTERPRISE = "ENTERPRISE", _("At an enterprise")
    WORKSITE = "WORKSITE", _("At a worksite")
    ADDRESS = "ADDRESS", _("At an address")


class MeetingSeries(models.Model):
    """A run of weekly meetings created together. Occurrences are ordinary Meeting rows; the series
    only remembers what they were made from, so "change the rest of the series" has something to name."""

    organiser = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="meeting_series")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(max_length=16, choices=MeetingKind.choices)
    cadence = models.CharField(max_length=16, choices=Cadence.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.title}（series #{self.pk}）"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "PLANNED", _("Planned")
        HELD = "HELD", _("Held")
        # Not the "Closed" of a union (已撤销): a meeting is closed with its outcomes (已结项).
        CLOSED = "CLOSED", pgettext_lazy("meeting status", "Closed")
        CANCELLED = "CANCELLED", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    organiser = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    cadence = models.CharField(_("cadence"), max_length=16, choices=Cadence.choices, default=Cadence.ONE_OFF)
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    place_kind = models.CharField(_("place"), max_length=16, choices=PlaceKind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings_held",
    )
    worksite = models.ForeignKey(
        "enterprises.Worksite", null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    target_enterprises = models.ManyToManyField(
        "enterprises.Enterprise", blank=True, related_name="meetings_targeted"
    )
    # Free text, one unit a line (北京银行通州支行, 税务所 …): the coordination committee's partner units
    # get their own model with the needs app; then this becomes a link to it.
    partner_units = models.TextField(_("partner units taking part"), blank=True)
    questionnaire = models.ForeignKey(
        "meetings.Questionnaire", null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    # The bank branch issuing service cards at this meeting: card applications of the members enrolled
    # here are routed to it (cards.actions.ROUTING_RULES). PROTECT, not SET_NULL: a branch that served
    # meetings is deactivated (is_active), never deleted, so a meeting's history keeps naming it.
    card_branch = models.ForeignKey(
        "cards.BankBranch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("bank branch issuing cards"),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    # The worker-facing pages (check-in, questionnaire) are printed on the poster, like a join link's
    # token: stored as is, regenerated to retire a poster.
    public_token = models.CharField(max_length=64, unique=True)
    # The host link gives check-in rights without an account: only its digest is kept.
    host_token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    host_token_issued_at = models.DateTimeField(null=True, blank=True)
    # Outcomes, recorded when the meeting is closed.
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    consultations = models.PositiveIntegerField(_("consultations"), null=True, blank=True)
    materials_handed_out = models.PositiveIntegerField(_("materials handed out"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Enterprise meetings: who came for the management, what they raised, what the union offered.
    management_attendees = models.TextField(_("attended for the management"), blank=True)
    concerns = models.TextField(_("concerns raised"), blank=True)
    service_package = models.TextField(_("service package offered"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    held_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(place_kind="ENTERPRISE", enterprise__isnull=False)
                | models.Q(place_kind="WORKSITE", worksite__isnull=False)
                | models.Q(place_kind="ADDRESS") & ~models.Q(address=""),
                name="meeting_place_given",
            ),
            # Closed means outcomes were recorded: no closed meeting without its attendance.
            models.CheckConstraint(
                condition=~models.Q(status="CLOSED")
                | models.Q(attendance__isnull=False, closed_at__isnull=False, held_at__isnull=False),
                name="meeting_closed_has_outcomes",
            ),
        ]
        indexes = [
            models.Index(fields=["organiser", "starts_at"]),
            models.Index(fields=["status", "ends_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title}（#{self.pk}）"

    @property
    def place_name(self) -> str:
        if self.place_kind == PlaceKind.ENTERPRISE and self.enterprise is not None:
            return f"{self.enterprise.name} {self.address}".strip()
        if self.place_kind == PlaceKind.WORKSITE and self.worksite is not None:
            return f"{self.worksite.name} {self.address}".strip()
        return self.address

    @property
    def partner_unit_list(self) -> list[str]:
        return [line.strip() for line in self.partner_units.splitlines() if line.strip()]


class FollowUp(models.Model):
    """Something promised at the meeting, with who does it and by when."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(_("follow-up"), max_length=300)
    owner_name = models.CharField(_("owner"), max_length=100)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"follow-up #{self.pk} of meeting #{self.meeting_id}"


class CheckIn(models.Model):
    """One arrival: a named worker (name and phone, from their phone or entered by the host), or an
    anonymous head count the host adds for people who would rather not leave their details."""

    class Source(models.TextChoices):
        SELF = "SELF", _("Worker's own phone")
        HOST = "HOST", _("Host link")
        STAFF = "STAFF", _("Staff")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="check_ins")
    name = models.CharField(max_length=50, blank=True)
    phone = EncryptedTextField(null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    head_count = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=8, choices=Source.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The same phone checking in twice is one person.
            models.UniqueConstraint(
                fields=["meeting", "phone_index"],
                condition=models.Q(phone_index__isnull=False),
                name="checkin_one_per_phone",
            ),
            models.CheckConstraint(
                condition=models.Q(head_count__gte=1, head_count__lte=500), name="checkin_head_count_range"
            ),
            # A named check-in is one person; only anonymous rows count heads.
            models.CheckConstraint(
                condition=models.Q(phone_index__isnull=True) | models.Q(head_count=1),
                name="checkin_named_is_one",
            ),
        ]

    def __str__(self) -> str:
        return f"check-in #{self.pk} of meeting #{self.meeting_id}"


class Questionnaire(models.Model):
    """A questionnaire a union owns; its questions live in versions. Units below the owner may use it."""

    owner = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="questionnaires")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    template_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.title}（#{self.pk}）"


class QuestionnaireVersion(models.Model):
    """An immutable set of questions once anyone has answered it: editing after that makes a new
    version, and every response stays tied to the version (and so the questions) it answered."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="questionnaire_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} v{self.number}"


class QuestionKind(models.TextChoices):
    SINGLE = "SINGLE", _("Single choice")
    MULTIPLE = "MULTIPLE", _("Multiple choice")
    TEXT = "TEXT", pgettext_lazy("question kind", "Text")
    NUMBER = "NUMBER", _("Number")
    RATING = "RATING", _("Rating 1–5")


class Question(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    # Show only when an earlier single-choice question was answered with this choice.
    show_if_question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="dependents"
    )
    show_if_choice = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="question_position_unique")
        ]

    def __str__(self) -> str:
        return f"Q{self.position} of {self.version}"


class ResponseChannel(models.TextChoices):
    SELF_SERVICE = "SELF_SERVICE", _("Worker's own phone")
    STAFF_MOBILE = "STAFF_MOBILE", _("Collector app")
    CONSOLE = "CONSOLE", _("Entered at the console")


class Response(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    channel = models.CharField(max_length=16, choices=ResponseChannel.choices)
    # A collector phone's id for the record: the same response sent twice is stored once.
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"response #{self.pk} to {self.version}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(blank=True)
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question")
        ]

    def __str__(self) -> str:
        return f"answer #{self.pk}"
