"""The thresholds of 建会 as data (EstablishmentRules rows) and the checks that read them.

Sources of the defaults (docs/establishment.md has the text): Trade Union Law art. 11 (25 members for a
committee; fewer may set up alone, join a joint grassroots union or elect an organiser); the ACFTU 《工会基层
组织选举工作条例》 (committee size by member count, term of 3 or 5 years, funds audit committee); the ACFTU
women workers' committee rules (a women's committee where women members reach 10). A place that reads
them differently edits its region's row, not the code.
"""

from django.utils import timezone

from gonghui.establishment.models import EstablishmentRules

DEFAULT_COMMITTEE_SIZE_BANDS: list[list[int | None]] = [
    [24, 3, 5],
    [200, 3, 7],
    [1000, 7, 15],
    [5000, 15, 21],
    [10000, 21, 29],
    [50000, 29, 37],
    [None, 37, 45],
]
DEFAULT_TERMS = [3, 5]
DEFAULT_SOURCES = (
    "《中华人民共和国工会法》第十一条；《工会基层组织选举工作条例》（全总，2016）委员名额与任期；"
    "《中华全国总工会女职工委员会工作条例》女职工委员会设立条件。"
)


def default_rules() -> EstablishmentRules:
    """The row with no region, created with the defaults on first use (the migration also seeds it)."""
    rules = EstablishmentRules.objects.filter(region__isnull=True).first()
    if rules is None:
        rules, _ = EstablishmentRules.objects.get_or_create(
            region=None,
            defaults={
                "committee_size_bands": DEFAULT_COMMITTEE_SIZE_BANDS,
                "allowed_terms": DEFAULT_TERMS,
                "sources": DEFAULT_SOURCES,
                "updated_at": timezone.now(),
            },
        )
    return rules


def rules_for(district_id: int | None) -> EstablishmentRules:
    if district_id is not None:
        own = EstablishmentRules.objects.filter(region_id=district_id).first()
        if own is not None:
            return own
    return default_rules()


def committee_size_range(rules: EstablishmentRules, member_count: int) -> tuple[int, int]:
    for bound, low, high in rules.committee_size_bands or DEFAULT_COMMITTEE_SIZE_BANDS:
        if bound is None or member_count <= bound:
            return int(low or 0), int(high or 0)
    _, low, high = (rules.committee_size_bands or DEFAULT_COMMITTEE_SIZE_BANDS)[-1]
    return int(low or 0), int(high or 0)


def quorum_met(rules: EstablishmentRules, present: int, total: int) -> bool:
    left, right = present * rules.quorum_denominator, total * rules.quorum_numerator
    return left >= right if rules.quorum_inclusive else left > right
