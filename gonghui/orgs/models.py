from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A GB/T 2260 division: Beijing, its 16 districts, and their streets and towns (9-digit codes)."""

    class Level(models.TextChoices):
        PROVINCE = "PROVINCE", _("Province")
        DISTRICT = "DISTRICT", _("District")
        STREET = "STREET", _("Street / town")

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class OrgUnit(models.Model):
    """A node of the union tree. `path` is the materialised path of ids ("1/5/12/"): a subtree is one
    indexed prefix query (`path__startswith`), which PostgreSQL serves from the pattern-ops index."""

    class Kind(models.TextChoices):
        CITY = "CITY", _("City federation")
        DISTRICT = "DISTRICT", _("District federation")
        STREET = "STREET", _("Street / town federation")
        GRASSROOTS = "GRASSROOTS", _("Grassroots union")
        JOINT = "JOINT", _("Joint grassroots union")

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Active")
        CLOSED = "CLOSED", _("Closed")

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, kind="CITY") | models.Q(parent__isnull=False),
                name="orgunit_only_city_is_root",
            ),
            models.CheckConstraint(
                condition=models.Q(path__endswith="/"), name="orgunit_path_ends_with_slash"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)


# Roles are held *at* a node of the tree and reach its subtree (DESIGN §4, scope), so the role vocabulary,
# the assignments and the scope rules (orgs/scope.py) live with the tree; accounts (logins, TOTP, tokens,
# staff pages) builds on them.
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


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when roles lived in accounts (moved without a copy).
        db_table = "accounts_roleassignment"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                condition=models.Q(revoked_at__isnull=True),
                name="roleassignment_one_active_per_user_unit_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username} {self.role} @ {self.unit.code}"
