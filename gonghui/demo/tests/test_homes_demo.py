from gonghui.demo.homes import load_homes_demo
from gonghui.demo.personas import make_personas
from gonghui.homes.models import (
    AwardedLevel,
    Budget,
    Facility,
    FacilityUsage,
    FundingApplication,
    LevelApplication,
    Standard,
    WorkersHome,
)


def story() -> dict[str, object]:
    return {
        "homes": sorted(WorkersHome.objects.values_list("union__code", flat=True)),
        "facilities": sorted(Facility.objects.values_list("home__union__code", "facility_type__code")),
        "applications": sorted(
            LevelApplication.objects.values_list("home__union__code", "level__code", "status")
        ),
        "awards": sorted(AwardedLevel.objects.values_list("home__union__code", "level__code", "status")),
        "usage": FacilityUsage.objects.count(),
        "standards": list(Standard.objects.values_list("is_example", "version")),
        "funding": sorted(
            FundingApplication.objects.values_list(
                "home__union__code", "status", "amount_granted_fen", "disbursed_fen", "budget__funder__code"
            )
        ),
        "budgets": sorted(
            Budget.objects.values_list("funder__code", "district__code", "committed_fen", "disbursed_fen")
        ),
    }


def test_it_tells_the_homes_story_once(db):
    personas = make_personas()
    load_homes_demo(personas.story)
    first = story()
    assert first["homes"] == ["BJ-HD-GJK-XY", "BJ-TZ-LY-SB3", "BJ-TZ-YS-YR"]
    assert ("BJ-HD-GJK-XY", "MATERNITY_ROOM") in first["facilities"]  # type: ignore[operator]
    assert ("BJ-HD-GJK-XY", "READING_ROOM") in first["facilities"]  # type: ignore[operator]
    assert ("BJ-TZ-LY-SB3", "OUTDOOR_STATION") in first["facilities"]  # type: ignore[operator]
    assert first["applications"] == [
        ("BJ-HD-GJK-XY", "CITY", "AT_DISTRICT"),
        ("BJ-TZ-YS-YR", "DISTRICT_ADVANCED", "APPROVED"),
    ]
    assert first["awards"] == [("BJ-TZ-YS-YR", "DISTRICT_ADVANCED", "ACTIVE")]
    assert first["standards"] == [(True, 1)]
    assert first["funding"] == [
        ("BJ-HD-GJK-XY", "APPROVED", 6_000_000, 0, "BJ-HD"),
        ("BJ-TZ-LY-SB3", "APPROVED", 2_000_000, 2_000_000, "BJ"),
    ]
    assert first["budgets"] == [("BJ", "BJ-TZ", 2_000_000, 2_000_000), ("BJ-HD", "BJ-HD", 6_000_000, 0)]
    load_homes_demo(personas.story)
    assert story() == first
