from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import BlindIndexField, EncryptedTextField


class Role(models.TextChoices):
    """Staff roles are held at an OrgUnit and reach its subtree; partner roles see only what is routed."""

    CITY_ADMIN = "CITY_ADMIN", _("City administrator")
    DISTRICT_OFFICER = "DISTRICT_OFFICER", _("District officer")
    STREET_OFFICER = "STREET_OFFICER", _("Street officer")
    UNION_CHAIR = "UNION_CHAIR", _("Union chair")
    COLLECTOR = "COLLECTOR", _("Field collector")
    VIEWER = "VIEWER", _("Viewer")
    BANK_OPERATOR = "BANK_OPERATOR", _("Bank operator")
    COMMITTEE_UNIT = "COMMITTEE_UNIT", _("Committee member unit")


# Higher rank may do what lower ranks do; nobody grants a role ranked above their own.
ROLE_RANK: dict[str, int] = {
    Role.CITY_ADMIN: 60,
    Role.DISTRICT_OFFICER: 50,
    Role.STREET_OFFICER: 40,
    Role.UNION_CHAIR: 30,
    Role.COLLECTOR: 20,
    Role.VIEWER: 10,
    Role.BANK_OPERATOR: 5,
    Role.COMMITTEE_UNIT: 5,
}
PARTNER_ROLES = frozenset({Role.BANK_OPERATOR, Role.COMMITTEE_UNIT})
# Roles whose holders may see full resident IDs and phones; they must use TOTP.
PII_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.UNION_CHAIR})
# Which unit kinds each role may be held at (a district officer sits in a district federation, ...).
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset({"CITY"}),
    Role.DISTRICT_OFFICER: frozenset({"DISTRICT"}),
    Role.STREET_OFFICER: frozenset({"STREET"}),
    Role.UNION_CHAIR: frozenset({"GRASSROOTS", "JOINT"}),
    Role.COLLECTOR: frozenset({"CITY", "DISTRICT", "STREET", "GRASSROOTS", "JOINT"}),
    Role.VIEWER: frozenset({"CITY", "DISTRICT", "STREET", "GRASSROOTS", "JOINT"}),
    Role.BANK_OPERATOR: frozenset({"CITY", "DISTRICT", "STREET"}),
    Role.COMMITTEE_UNIT: frozenset({"STREET"}),
}


class User(AbstractUser):
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = EncryptedTextField(_("mobile phone"), null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Logins are matched case-insensitively, so "LuYuan" and "luyuan" must not both exist.
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ignoring_case")
        ]

    def __str__(self) -> str:
        return f"{self.display_name or self.username}（{self.username}）"


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                condition=models.Q(revoked_at__isnull=True),
                name="roleassignment_one_active_per_user_unit_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username} {self.role} @ {self.unit.code}"


class ApiToken(models.Model):
    """Bearer token for devices and partner systems. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
