from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import BlindIndexField, EncryptedTextField


class Industry(models.TextChoices):
    """GB/T 4754-2017 国民经济行业分类, section level."""

    A = "A", _("Agriculture, forestry, animal husbandry and fishery")
    B = "B", _("Mining")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, heat, gas and water supply")
    E = "E", _("Construction")
    F = "F", _("Wholesale and retail trade")
    G = "G", _("Transport, storage and postal services")
    H = "H", _("Accommodation and catering")
    I = "I", _("Information transmission, software and IT services")  # noqa: E741
    J = "J", _("Finance")
    K = "K", _("Real estate")
    L = "L", _("Leasing and business services")
    M = "M", _("Scientific research and technical services")
    N = "N", _("Water, environment and public facilities management")
    O = "O", _("Resident services, repair and other services")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Health and social work")
    R = "R", _("Culture, sports and entertainment")
    S = "S", _("Public administration, social security and social organisations")
    T = "T", _("International organisations")


class UnitType(models.TextChoices):
    STATE_OWNED = "STATE_OWNED", _("State-owned")
    COLLECTIVE = "COLLECTIVE", _("Collective")
    PRIVATE = "PRIVATE", _("Private")
    HK_MACAO_TAIWAN = "HK_MACAO_TAIWAN", _("Hong Kong, Macao or Taiwan invested")
    FOREIGN = "FOREIGN", _("Foreign invested")
    INDIVIDUAL = "INDIVIDUAL", _("Individual business")
    SOCIAL_ORG = "SOCIAL_ORG", _("Social organisation")
    PUBLIC_INSTITUTION = "PUBLIC_INSTITUTION", _("Public institution")
    OTHER = "OTHER", _("Other")


class Enterprise(models.Model):
    """An employer, keyed by its 统一社会信用代码. `managing_unit` is the district or street federation
    that looks after it (it decides who sees the record); `union` is its grassroots union, once founded."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    district = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "orgs.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices)
    unit_type = models.CharField(_("unit type"), max_length=24, choices=UnitType.choices)
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    female_employee_count = models.PositiveIntegerField(_("women employees"), default=0)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), null=True, blank=True)
    contact_phone_index = BlindIndexField(source="contact_phone", purpose="phone")
    managing_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="managed_enterprises"
    )
    union = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="enterprises"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(female_employee_count__lte=models.F("employee_count")),
                name="enterprise_women_not_more_than_employees",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class Worksite(models.Model):
    """A place where workers are met that is not one employer: a construction project section, an
    industrial park, an office building. Field enrolment and meetings can be attributed to it."""

    class Kind(models.TextChoices):
        CONSTRUCTION = "CONSTRUCTION", _("Construction site")
        PARK = "PARK", _("Industrial park")
        BUILDING = "BUILDING", _("Office building")
        OTHER = "OTHER", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    street = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    managing_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="worksites")
    contractor = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.SET_NULL, related_name="worksites"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["managing_unit", "name"], name="worksite_unique_name_per_unit")
        ]

    def __str__(self) -> str:
        return self.name


class IntentLetter(models.Model):
    """建会意向书: the enterprise's signed letter of intent to set up a union, usually the yield of a 企业
    沟通会. The 建会 case starts from it. The scan is kept in private storage and served only to staff
    whose area covers the enterprise."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="intent_letters")
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="intent_letters"
    )
    signatory_name = models.CharField(_("signed by"), max_length=50)
    signatory_title = models.CharField(_("signatory's position"), max_length=100, blank=True)
    signed_date = models.DateField(_("signed on"))
    scan = models.FileField(_("scan"), upload_to="intent-letters/%Y/%m/", blank=True)
    scan_content_type = models.CharField(max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            # One letter per enterprise and meeting: recording it twice is a mistake, not a second letter.
            models.UniqueConstraint(fields=["enterprise", "meeting"], name="intent_letter_one_per_meeting")
        ]

    def __str__(self) -> str:
        return f"intent letter #{self.pk} of enterprise #{self.enterprise_id}"
