"""The default thresholds (the row with no region): Trade Union Law art. 11 and the ACFTU rules; see
gonghui/establishment/rules.py and docs/establishment.md for the sources."""

from django.db import migrations
from django.utils import timezone

BANDS = [[24, 3, 5], [200, 3, 7], [1000, 7, 15], [5000, 15, 21], [10000, 21, 29], [50000, 29, 37], [None, 37, 45]]
SOURCES = (
    "《中华人民共和国工会法》第十一条；《工会基层组织选举工作条例》（全总，2016）委员名额与任期；"
    "《中华全国总工会女职工委员会工作条例》女职工委员会设立条件。"
)


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Rules = apps.get_model("establishment", "EstablishmentRules")
    if not Rules.objects.filter(region__isnull=True).exists():
        Rules.objects.create(
            region=None, committee_size_bands=BANDS, allowed_terms=[3, 5], sources=SOURCES, updated_at=timezone.now()
        )


class Migration(migrations.Migration):
    dependencies = [("establishment", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
