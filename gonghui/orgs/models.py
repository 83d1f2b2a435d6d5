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
