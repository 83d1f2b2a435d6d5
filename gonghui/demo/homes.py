"""The Workers' Homes of the demo story (shared/seed/shuanggoutong-article.txt):

- 新意互动, once its union is set up, builds a 母婴室 and a 职工书屋 and applies for 市级职工之家; 甘家口
  recommended it and it waits for 海淀's on-site check;
- 云锐 holds 区级先进职工之家 (self-assessed, recommended by 永顺镇, checked by 通州, approved by the city);
- a 暖心驿站 (outdoor workers' station) at the 城市副中心周转房项目三标段 worksite in 通州;
- funding: 海淀's building-subsidy budget grants 新意互动's 职工书屋 application; the city's budget for 通州
  grants the 暖心驿站 a fixed sum paid after acceptance, which 通州 accepted and the city paid.

The standard loaded is the worked example shipped in gonghui/homes/data/example_standard.json, labelled 示例.
Everything goes through the actions; each step first looks for what it would create, so loading the story
again changes nothing.
"""

import datetime
from typing import Any

from django.utils import timezone

from gonghui.accounts.actions import do_create_staff
from gonghui.accounts.models import User
from gonghui.homes.actions.funding import (
    do_accept_funded_work,
    do_apply_for_funding,
    do_approve_funding,
    do_record_disbursement,
    do_set_budget,
)
from gonghui.homes.actions.homes import (
    do_add_facility,
    do_open_workers_home,
    do_publish_standard,
    do_record_facility_usage,
    read_example_standard,
)
from gonghui.homes.actions.levels import (
    ItemAnswer,
    do_apply_for_level,
    do_approve_application,
    do_recommend_application,
    do_record_site_check,
)
from gonghui.homes.models import (
    Budget,
    Facility,
    FacilityType,
    FundingApplication,
    LevelApplication,
    Standard,
    StandardItem,
    StandardLevel,
    WorkersHome,
)
from gonghui.orgs.actions import do_create_org_unit
from gonghui.orgs.models import OrgUnit, Role, RoleAssignment

XINYI_UNION = ("BJ-HD-GJK-XY", "北京新意互动广告有限公司工会", "BJ-HD-GJK", "xinyi")
XINYI_CHAIR = ("xinyi", "新意互动工会主席")
STATION_UNION = "BJ-TZ-LY-SB3"
STATION_CHAIR = ("sanbiaoduan", "三标段联合工会主席")

# (union code, facility type, name, m², hours, checklist answers)
FACILITIES: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    (
        "BJ-HD-GJK-XY",
        "MATERNITY_ROOM",
        "爱心妈咪小屋",
        "12",
        "工作日 9:00–18:00",
        {"fridge": True, "sink": True, "seating": True, "lockable_door": True, "sign_in_register": True},
    ),
    (
        "BJ-HD-GJK-XY",
        "READING_ROOM",
        "职工书屋",
        "45",
        "工作日 12:00–14:00，17:30–20:00",
        {"books": 1600, "periodicals": 24, "reading_seats": 20, "lending_register": True},
    ),
    (
        "BJ-TZ-YS-YR",
        "ACTIVITY_ROOM",
        "职工活动室",
        "60",
        "工作日 12:00–13:30",
        {"tables_chairs": True, "activity_plan": True},
    ),
    (
        STATION_UNION,
        "OUTDOOR_STATION",
        "三标段暖心驿站",
        "18",
        "全天开放",
        {
            "drinking_water": True,
            "microwave": True,
            "charging": True,
            "rest_seats": True,
            "first_aid_kit": True,
            "opening_sign": True,
        },
    ),
]
# Self-assessed (and, for 云锐, checked) points per scored item code.
XINYI_POINTS = {"organisation": 17, "democracy": 21, "services": 22, "facilities_use": 13, "funds": 12}
YUNRUI_POINTS = {"organisation": 20, "democracy": 18, "services": 21, "funds": 19}


def load_homes_demo(story: Any) -> None:
    admin = User.objects.get(username="admin")
    standard = (
        Standard.objects.filter(code=read_example_standard()["standard"]["code"]).order_by("-version").first()
    )
    if standard is None:
        standard = do_publish_standard(acting_user=admin, data=read_example_standard())
    xinyi_union = _xinyi_union(admin, story)
    xinyi_chair = _xinyi_chair(admin, xinyi_union)
    if not any(login.username == xinyi_chair.username for login in story.logins):
        from gonghui.demo.story import DemoLogin

        story.logins.append(
            DemoLogin(
                xinyi_chair.username, str(Role.UNION_CHAIR.label), xinyi_union.name, xinyi_chair.display_name
            )
        )
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["yunrui", "luyuan", "yongshun", "tongzhou", "ganjiakou", "haidian"]
        )
    }
    keepers = {"BJ-HD-GJK-XY": xinyi_chair, "BJ-TZ-YS-YR": users["yunrui"], STATION_UNION: users["luyuan"]}
    homes = {
        code: _home(keeper, story.units.get(code) or OrgUnit.objects.get(code=code))
        for code, keeper in keepers.items()
    }
    for union_code, type_code, name, area, hours, equipment in FACILITIES:
        home = homes[union_code]
        if not Facility.objects.filter(home=home, name=name).exists():
            facility = do_add_facility(
                acting_user=keepers[union_code],
                home=home,
                facility_type=FacilityType.objects.get(code=type_code),
                name=name,
                area_m2=area,
                opening_hours=hours,
                equipment=equipment,
            )
            _usage(keepers[union_code], facility)
    levels = {level.code: level for level in standard.levels.all()}
    # 云锐: 区级先进职工之家, through all four steps.
    yunrui_home = homes["BJ-TZ-YS-YR"]
    district_level = levels["DISTRICT_ADVANCED"]
    if not LevelApplication.objects.filter(home=yunrui_home, level=district_level).exists():
        answers = _answers(district_level, YUNRUI_POINTS)
        application = do_apply_for_level(
            acting_user=users["yunrui"], home=yunrui_home, level=district_level, answers=answers
        )
        do_recommend_application(acting_user=users["yongshun"], application=application)
        do_record_site_check(acting_user=users["tongzhou"], application=application, answers=answers)
        do_approve_application(acting_user=admin, application=application)
    # 新意互动: 市级职工之家, recommended by 甘家口, waiting at 海淀's on-site check.
    xinyi_home = homes["BJ-HD-GJK-XY"]
    city_level = levels["CITY"]
    if not LevelApplication.objects.filter(home=xinyi_home, level=city_level).exists():
        application = do_apply_for_level(
            acting_user=xinyi_chair,
            home=xinyi_home,
            level=city_level,
            answers=_answers(city_level, XINYI_POINTS),
        )
        do_recommend_application(acting_user=users["ganjiakou"], application=application)
    _load_funding(admin, users, homes, xinyi_chair)


def _load_funding(
    admin: User, users: dict[str, User], homes: dict[str, WorkersHome], xinyi_chair: User
) -> None:
    year = timezone.localdate().year
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=["BJ", "BJ-TZ", "BJ-HD"])}
    haidian_budget = Budget.objects.filter(funder=units["BJ-HD"], district=units["BJ-HD"], year=year).first()
    if haidian_budget is None:
        haidian_budget = do_set_budget(
            acting_user=users["haidian"],
            funder=units["BJ-HD"],
            district=units["BJ-HD"],
            year=year,
            total_fen=50_000_000,
        )
    city_budget = Budget.objects.filter(funder=units["BJ"], district=units["BJ-TZ"], year=year).first()
    if city_budget is None:
        city_budget = do_set_budget(
            acting_user=admin, funder=units["BJ"], district=units["BJ-TZ"], year=year, total_fen=200_000_000
        )
    xinyi_home = homes["BJ-HD-GJK-XY"]
    if not FundingApplication.objects.filter(home=xinyi_home).exists():
        funding = do_apply_for_funding(
            acting_user=xinyi_chair,
            home=xinyi_home,
            facility=Facility.objects.get(home=xinyi_home, name="职工书屋"),
            year=year,
            purpose="职工书屋扩建：书架、阅览桌椅、图书采购",
            amount_asked_fen=8_000_000,
        )
        do_approve_funding(
            acting_user=users["haidian"], application=funding, budget=haidian_budget, amount_fen=6_000_000
        )
    station_home = homes[STATION_UNION]
    if not FundingApplication.objects.filter(home=station_home).exists():
        station_chair = _station_chair(admin, station_home.union)
        funding = do_apply_for_funding(
            acting_user=station_chair,
            home=station_home,
            facility=Facility.objects.get(home=station_home, name="三标段暖心驿站"),
            year=year,
            purpose="户外劳动者服务站建设：饮水机、微波炉、充电设施、急救药箱",
            amount_asked_fen=3_000_000,
        )
        # A fixed sum per station, paid once the station passes the district's acceptance.
        do_approve_funding(
            acting_user=admin,
            application=funding,
            budget=city_budget,
            amount_fen=2_000_000,
            pays_after_acceptance=True,
        )
        do_accept_funded_work(acting_user=users["tongzhou"], application=funding)
        do_record_disbursement(
            acting_user=admin, application=funding, amount_fen=2_000_000, paid_date=timezone.localdate()
        )


def _station_chair(admin: User, union: OrgUnit) -> User:
    existing = RoleAssignment.objects.filter(
        unit=union, role=Role.UNION_CHAIR, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing.user
    from gonghui.demo.story import DEMO_PASSWORD

    return User.objects.filter(username=STATION_CHAIR[0]).first() or do_create_staff(
        acting_user=admin,
        username=STATION_CHAIR[0],
        display_name=STATION_CHAIR[1],
        password=DEMO_PASSWORD,
        unit=union,
        role=Role.UNION_CHAIR,
    )


def _xinyi_union(admin: User, story: Any) -> OrgUnit:
    """新意互动's union: the 建会 story creates it; if that part has not run, create it the same way."""
    code, name, parent_code, enterprise_key = XINYI_UNION
    union = OrgUnit.objects.filter(code=code).first()
    if union is None:
        enterprise = story.enterprises[enterprise_key]
        union = do_create_org_unit(
            acting_user=admin,
            parent=story.units[parent_code],
            code=code,
            name=name,
            kind=OrgUnit.Kind.GRASSROOTS,
            region=enterprise.street,
            enterprise=enterprise,
        )
    story.units[code] = union
    return union


def _xinyi_chair(admin: User, union: OrgUnit) -> User:
    existing = (
        RoleAssignment.objects.filter(unit=union, role=Role.UNION_CHAIR, revoked_at__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing.user
    username, display = XINYI_CHAIR
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    # Imported here: story.py imports this module to call load_homes_demo.
    from gonghui.demo.story import DEMO_PASSWORD

    return do_create_staff(
        acting_user=admin,
        username=username,
        display_name=display,
        password=DEMO_PASSWORD,
        unit=union,
        role=Role.UNION_CHAIR,
    )


def _home(keeper: User, union: OrgUnit) -> WorkersHome:
    home = WorkersHome.objects.filter(union=union).first()
    return home or do_open_workers_home(acting_user=keeper, union=union)


def _usage(keeper: User, facility: Facility) -> None:
    month = timezone.localdate().replace(day=1)
    for visits in (86, 74, 91):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        do_record_facility_usage(acting_user=keeper, facility=facility, month=month, visits=visits)


def _answers(level: StandardLevel, points: dict[str, int]) -> dict[int, ItemAnswer]:
    return {
        item.pk: ItemAnswer(
            met=True, points=points.get(item.code, 0) if item.kind == StandardItem.Kind.SCORED else 0
        )
        for item in level.items.all()
    }
