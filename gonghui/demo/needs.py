"""The 朋友圈 of the demo story (shared/seed/shuanggoutong-article.txt): on 6月5日 潞源街道 set up the
建筑行业党建工作协调委员会 with 区住建委 and the 16 project party branches of its worksites (names invented);
通州区帮扶志愿服务队 and 北京银行潞城支行 are member units too. 张国宽 posted two needs he found at the 三标段
worksite — haircuts and protection from financial fraud; the volunteer team and the bank co-claimed them and
came on 6月20日 at 9:30; 90+ workers had their hair cut in three hours. One need is overdue (nobody took it),
one was closed unresolved (with its reason). Everything goes through the actions; loading again changes
nothing."""

import datetime
import zoneinfo
from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.enterprises.models import Worksite
from gonghui.needs import actions
from gonghui.needs.actions import NeedData, PartnerUnitData
from gonghui.needs.catalogue import ensure_default_catalogue
from gonghui.needs.models import Committee, DeadlineClass, Need, PartnerUnit, Sector, WorkType
from gonghui.orgs.models import Role

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
COMMITTEE_NAME = "潞源街道建筑行业党建工作协调委员会"
WORKSITE_NAME = "城市副中心周转房项目三标段"
HAIRCUT_TITLE = "三标段农民工理发难"
FRAUD_TITLE = "三标段农民工防范金融诈骗"
OVERDUE_TITLE = "三标段工人宿舍夏季送清凉"
UNRESOLVED_TITLE = "三标段高龄农民工体检"
VOLUNTEERS = "通州区帮扶志愿服务队"
BANK = "北京银行潞城支行"
BUREAU = "通州区住房和城乡建设委员会"
# The 16 project party branches of the street's worksites (invented names, one per project section).
PARTY_BRANCHES = [f"城市副中心周转房项目{n}标段党支部" for n in "一二三四五六"] + [
    "潞源北街安置房项目党支部",
    "潞源南区综合管廊项目党支部",
    "副中心站综合交通枢纽项目党支部",
    "东六环入地改造潞源段项目党支部",
    "潞源街道学校建设项目党支部",
    "潞源社区卫生服务中心扩建项目党支部",
    "北运河滨水步道项目党支部",
    "潞源公园配套工程项目党支部",
    "潞源人才公租房项目党支部",
    "副中心行政办公区配套道路项目党支部",
]
# (username, display name, unit, unit admin?)
PARTNER_LOGINS = [
    ("bangfu", "李师傅（通州区帮扶志愿服务队）", VOLUNTEERS, True),
    ("bjbank-lc", "王经理（北京银行潞城支行）", BANK, True),
    ("zhujianwei", "通州区住建委联络员", BUREAU, True),
]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BEIJING)


def load_needs_demo(story: Any, *, demo_password: str) -> None:
    from gonghui.demo.story import DemoLogin

    for username, display, unit_name, _admin in PARTNER_LOGINS:
        story.logins.append(DemoLogin(username, str(Role.COMMITTEE_UNIT.label), unit_name, display))
    if Committee.objects.filter(name=COMMITTEE_NAME).exists():
        return
    luyuan = User.objects.get(username="luyuan")
    street = story.units["BJ-TZ-LY"]
    founded = datetime.date(2026, 6, 5)
    committee = actions.do_create_committee(
        acting_user=luyuan,
        union=street,
        name=COMMITTEE_NAME,
        sector=Sector.CONSTRUCTION,
        founded_date=founded,
        now=_at(founded, 10),
    )
    ensure_default_catalogue()  # a flushed test database has lost the migration's rows
    types = {w.code: w for w in WorkType.objects.all()}
    units: dict[str, PartnerUnit] = {}
    specs = [
        (
            BUREAU,
            PartnerUnit.Kind.GOVERNMENT,
            ["RIGHTS", "LEGAL", "HEALTH_CHECK"],
            "",
            "潞源街道全部在建项目",
        ),
        (VOLUNTEERS, PartnerUnit.Kind.VOLUNTEERS, ["HAIRCUT", "COOLING"], "13911120001", "通州区"),
        (BANK, PartnerUnit.Kind.BANK, ["FINANCE_ANTI_FRAUD"], "13911120002", "潞城镇、潞源街道"),
    ] + [
        (name, PartnerUnit.Kind.PARTY_BRANCH, ["COOLING", "SKILLS"], "", name[:-3]) for name in PARTY_BRANCHES
    ]
    for name, kind, codes, phone, covers in specs:
        units[name] = actions.do_add_partner_unit(
            acting_user=luyuan,
            committee=committee,
            data=PartnerUnitData(
                name=name,
                kind=kind,
                work_types=[types[c] for c in codes],
                contact_phone=phone,
                covers=covers,
            ),
            now=_at(founded, 10, 30),
        )
    logins = {}
    for username, display, unit_name, is_admin in PARTNER_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = actions.do_add_partner_staff(
                acting_user=luyuan,
                unit=units[unit_name],
                username=username,
                display_name=display,
                password=demo_password,
                is_unit_admin=is_admin,
                now=_at(founded, 11),
            )
            # The demo hands out its logins with the published password: no change asked at first sign-in.
            User.objects.filter(pk=user.pk).update(password_change_required=False)
        logins[unit_name] = user
    _haircut_day(luyuan, committee, units, logins, types)
    _overdue_and_unresolved(luyuan, committee, logins, types)


def _haircut_day(
    luyuan: User,
    committee: Committee,
    units: dict[str, PartnerUnit],
    logins: dict[str, User],
    types: dict[str, WorkType],
) -> None:
    worksite = Worksite.objects.get(name=WORKSITE_NAME)
    general = DeadlineClass.objects.get(code="GENERAL")
    posted = _at(datetime.date(2026, 6, 13), 16)
    day = datetime.date(2026, 6, 20)
    haircut = actions.do_post_need(
        acting_user=luyuan,
        data=NeedData(
            committee=committee,
            work_type=types["HAIRCUT"],
            deadline_class=general,
            title=HAIRCUT_TITLE,
            description="工人时间紧、离理发店远，不少人两个月没理发了（李春贵：“难受得厉害”）。请送理发服务到工地。",
            people_count=90,
            worksite=worksite,
        ),
        now=posted,
    )
    fraud = actions.do_post_need(
        acting_user=luyuan,
        data=NeedData(
            committee=committee,
            work_type=types["FINANCE_ANTI_FRAUD"],
            deadline_class=general,
            title=FRAUD_TITLE,
            description="农民工容易遭遇金融诈骗，工资卡、借贷类骗局多，希望有银行来工地讲金融知识。",
            people_count=120,
            worksite=worksite,
        ),
        now=posted + datetime.timedelta(minutes=5),
    )
    volunteers, bank = logins[VOLUNTEERS], logins[BANK]
    claimed = _at(datetime.date(2026, 6, 14), 9)
    # Co-claimed: each need by the unit for its own work, with the other unit alongside on the day.
    actions.do_claim_need(acting_user=volunteers, need=haircut, work_types=[types["HAIRCUT"]], now=claimed)
    actions.do_claim_need(
        acting_user=bank,
        need=haircut,
        work_types=[types["FINANCE_ANTI_FRAUD"]],
        now=claimed + datetime.timedelta(hours=1),
    )
    actions.do_claim_need(
        acting_user=bank,
        need=fraud,
        work_types=[types["FINANCE_ANTI_FRAUD"]],
        now=claimed + datetime.timedelta(hours=1),
    )
    scheduled = _at(datetime.date(2026, 6, 15), 10)
    haircut_event = actions.do_schedule_service(
        acting_user=volunteers,
        need=haircut,
        starts_at=_at(day, 9, 30),
        place="三标段工地阴凉处（项目部食堂旁）",
        brought="4位理发师、理发工具；北京银行潞城支行同场宣讲防诈骗",
        now=scheduled,
    )
    fraud_event = actions.do_schedule_service(
        acting_user=bank,
        need=fraud,
        starts_at=_at(day, 9, 30),
        place="三标段工地阴凉处（项目部食堂旁）",
        brought="金融知识宣传册、防诈骗讲解",
        now=scheduled + datetime.timedelta(hours=1),
    )
    # Three hours of haircuts: 90+ served, counted in two tallies through the morning.
    actions.do_record_served(acting_user=volunteers, event=haircut_event, head_count=51, now=_at(day, 11))
    actions.do_record_served(acting_user=volunteers, event=haircut_event, head_count=43, now=_at(day, 12, 30))
    actions.do_record_served(acting_user=bank, event=fraud_event, head_count=76, now=_at(day, 12, 30))
    actions.do_close_need(
        acting_user=volunteers, need=haircut, closure=Need.Closure.RESOLVED, now=_at(day, 12, 45)
    )
    actions.do_close_need(acting_user=bank, need=fraud, closure=Need.Closure.RESOLVED, now=_at(day, 12, 50))
    confirmed = _at(day, 17)
    actions.do_confirm_need(acting_user=luyuan, need=haircut, satisfaction=5, now=confirmed)
    actions.do_confirm_need(acting_user=luyuan, need=fraud, satisfaction=5, now=confirmed)


def _overdue_and_unresolved(
    luyuan: User, committee: Committee, logins: dict[str, User], types: dict[str, WorkType]
) -> None:
    worksite = Worksite.objects.get(name=WORKSITE_NAME)
    general = DeadlineClass.objects.get(code="GENERAL")
    # Posted nine days before the story is loaded, against a seven-day deadline: overdue on the board.
    actions.do_post_need(
        acting_user=luyuan,
        data=NeedData(
            committee=committee,
            work_type=types["COOLING"],
            deadline_class=general,
            title=OVERDUE_TITLE,
            description="宿舍闷热，需要绿豆汤、藿香正气水和降温用品。",
            people_count=200,
            worksite=worksite,
        ),
        now=timezone.now() - datetime.timedelta(days=9),
    )
    posted = _at(datetime.date(2026, 6, 22), 10)
    checkup = actions.do_post_need(
        acting_user=luyuan,
        data=NeedData(
            committee=committee,
            work_type=types["HEALTH_CHECK"],
            deadline_class=DeadlineClass.objects.get(code="COMPLEX"),
            title=UNRESOLVED_TITLE,
            description="50岁以上农民工希望在工地附近做一次免费体检。",
            people_count=35,
            worksite=worksite,
        ),
        now=posted,
    )
    bureau = logins[BUREAU]
    actions.do_claim_need(
        acting_user=bureau,
        need=checkup,
        work_types=[types["HEALTH_CHECK"]],
        now=posted + datetime.timedelta(days=1),
    )
    actions.do_close_need(
        acting_user=bureau,
        need=checkup,
        closure=Need.Closure.UNRESOLVED,
        reason="本年度免费体检名额已用完，已转区卫健委列入下一年度计划",
        now=posted + datetime.timedelta(days=10),
    )
