"""The meetings of the demo story (shared/seed/shuanggoutong-article.txt):

- 5月29日, a 职工沟通会 in the lobby of 北京云锐国际文化传媒有限公司 (永顺镇商务园中园): the hall full of workers
  enrolling, 北京银行通州支行 on site opening cards (the meeting's card branch); 云锐's members are
  attributed to it;
- a 潞源街道 worker meeting at the 城市副中心周转房项目三标段 worksite after the free-haircut day, where
  李春贵 and his workmates crowded the consultation desk ("宣传材料不够发、调查问卷不够填");
- a 企业沟通会 with 北京新意互动广告有限公司 (甘家口街道 and 海淀区总工会) that ends in a signed 建会意向书;
- a weekly 潞源街道 worker-meeting series ahead.

Everything goes through the actions; each step first looks for what it would create, so loading the story
again changes nothing.
"""

import datetime
import zoneinfo
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.cards.models import BankBranch
from gonghui.demo.cards import MEETING_BRANCH
from gonghui.enterprises.actions import do_record_intent_letter
from gonghui.enterprises.models import IntentLetter, Worksite
from gonghui.meetings import actions, queries
from gonghui.meetings.actions import FollowUpData, MeetingData, MeetingOutcome
from gonghui.meetings.catalogue import TEMPLATES
from gonghui.meetings.models import (
    Cadence,
    CheckIn,
    Meeting,
    MeetingKind,
    MeetingSeries,
    PlaceKind,
    Questionnaire,
    ResponseChannel,
)
from gonghui.members.join import do_create_join_link
from gonghui.members.models import JoinLink, Membership

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
YUNRUI_TITLE = "云锐大厅职工沟通会（5月29日）"
SITE_TITLE = "潞源街道职工沟通会·周转房项目三标段"
XINYI_TITLE = "北京新意互动广告有限公司企业沟通会"
SERIES_TITLE = "潞源街道每周职工沟通会"

# Worker-needs answers, by position: (1 member?, 2 willing?, 3 services, 4 employment, 5 from outside
# Beijing?, 6 rating, 7 comment). Invented, in the spirit of the report.
YUNRUI_ANSWERS = [
    (
        "否",
        "愿意，今天就办理",
        ["医疗互助与二次报销", "健康体检"],
        "劳动合同制",
        "否",
        "5",
        "办卡真快，四分钟就拿到了",
    ),
    ("否", "愿意，今天就办理", ["医疗互助与二次报销", "子女教育与托管"], "劳动合同制", "是", "5", ""),
    ("是", None, ["文体活动", "技能培训"], "劳动合同制", "否", "4", "希望多组织文体活动"),
    ("否", "愿意，想先了解一下", ["法律援助（欠薪、工伤等）"], "劳务派遣", "是", "4", ""),
    ("否", "愿意，今天就办理", ["医疗互助与二次报销", "技能培训", "健康体检"], "劳动合同制", "否", "5", ""),
    ("不清楚", None, ["技能培训"], "灵活就业", "是", "3", "想了解医保存折怎么关联"),
]
SITE_ANSWERS = [
    (
        "否",
        "愿意，今天就办理",
        ["免费理发等便民服务", "医疗互助与二次报销"],
        "其他",
        "是",
        "5",
        "理发不要钱，工会真好",
    ),
    ("否", "愿意，今天就办理", ["法律援助（欠薪、工伤等）", "医疗互助与二次报销"], "劳务派遣", "是", "5", ""),
    ("否", "愿意，想先了解一下", ["技能培训", "免费理发等便民服务"], "其他", "是", "4", ""),
    ("否", "愿意，今天就办理", ["医疗互助与二次报销"], "其他", "是", "5", "希望多来几次"),
    ("是", None, ["健康体检", "法律援助（欠薪、工伤等）"], "劳动合同制", "是", "4", ""),
]
# 工会组建十问, as 新意互动's management answered it.
XINYI_ANSWERS = (
    "320",
    "尚未建立",
    "有，但不覆盖本单位",
    ["流动性大", "青年职工多", "女职工多"],
    "支持，希望尽快建会",
    None,
    ["会员互助服务卡与二次报销", "职工之家（母婴室、职工书屋等）建设经费", "与地区优质资源对接、品牌推广"],
    "是",
    "愿意",
    "希望区总工会协助对接海淀区优质资源，扩大公司品牌影响。",
)
# A tiny, valid one-page PDF standing in for the scanned letter.
LETTER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BEIJING)


def _questionnaire(user: User, owner: Any, key: str) -> Questionnaire:
    existing = Questionnaire.objects.filter(owner=owner, template_key=key).first()
    if existing is not None:
        return existing
    title, description, _kind, specs = TEMPLATES[key]
    return actions.do_create_questionnaire(
        acting_user=user,
        owner=owner,
        title=title,
        description=description,
        questions=list(specs),
        template_key=key,
    )


def _answers(
    meeting: Meeting, rows: list[tuple[Any, ...]], *, start: datetime.datetime, user: User | None = None
) -> None:
    assert meeting.questionnaire is not None
    version = queries.current_version(meeting.questionnaire)
    questions = queries.version_questions(version)
    for index, row in enumerate(rows):
        answers = {q.pk: value for q, value in zip(questions, row, strict=True) if value is not None}
        actions.do_submit_response(
            version=version,
            meeting=meeting,
            answers=answers,
            channel=ResponseChannel.CONSOLE if user else ResponseChannel.SELF_SERVICE,
            acting_user=user,
            now=start + datetime.timedelta(minutes=5 * index),
        )


def load_meetings_demo(story: Any) -> None:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["tongzhou", "yongshun", "luyuan", "ganjiakou", "haidian", "yunrui"]
        )
    }
    if Meeting.objects.filter(title=YUNRUI_TITLE).exists():
        return
    worker_survey = _questionnaire(users["tongzhou"], story.units["BJ-TZ"], "worker_needs")
    ten_questions = _questionnaire(users["haidian"], story.units["BJ-HD"], "establishment_ten")
    _yunrui_lobby(story, users, worker_survey)
    _worksite_after_haircuts(story, users, worker_survey)
    _xinyi_enterprise_meeting(story, users, ten_questions)
    _weekly_series(story, users, worker_survey)


def _yunrui_lobby(story: Any, users: dict[str, User], survey: Questionnaire) -> None:
    day = datetime.date(2026, 5, 29)
    officer = users["yongshun"]
    meeting = actions.do_plan_meeting(
        acting_user=officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title=YUNRUI_TITLE,
            organiser=story.units["BJ-TZ-YS"],
            starts_at=_at(day, 9, 30),
            ends_at=_at(day, 12, 0),
            place_kind=PlaceKind.ENTERPRISE,
            enterprise=story.enterprises["yunrui"],
            address="商务园中园 一楼大厅",
            cadence=Cadence.ONE_OFF,
            partner_units="北京银行通州支行",
            questionnaire=survey,
            card_branch=BankBranch.objects.get(code=MEETING_BRANCH),
        ),
        now=_at(day, 9, 0) - datetime.timedelta(days=7),
    )
    if not JoinLink.objects.filter(meeting=meeting).exists():
        do_create_join_link(
            acting_user=users["yunrui"],
            union=story.units["BJ-TZ-YS-YR"],
            label="云锐大厅职工沟通会（5月29日）",
            meeting=meeting,
        )
    actions.do_hold_meeting(acting_user=officer, meeting=meeting, now=_at(day, 9, 30))
    for minute, (name, phone) in enumerate(
        [("赵敏", "13911110001"), ("孙浩", "13911110002"), ("吴雪", "13911110004"), ("郑洁", "13911110008")]
    ):
        actions.do_check_in(
            meeting=meeting, source=CheckIn.Source.SELF, name=name, phone=phone, now=_at(day, 9, 35 + minute)
        )
    actions.do_check_in(meeting=meeting, source=CheckIn.Source.HOST, head_count=58, now=_at(day, 10, 30))
    _answers(meeting, YUNRUI_ANSWERS, start=_at(day, 10, 0))
    # The members enrolled in the lobby that day (by the collector's phone, before the meeting link existed).
    enrolled = list(Membership.objects.filter(union=story.units["BJ-TZ-YS-YR"], meeting__isnull=True))
    actions.do_attribute_memberships(
        acting_user=officer, meeting=meeting, memberships=enrolled, now=_at(day, 12, 0)
    )
    actions.do_close_meeting(
        acting_user=officer,
        meeting=meeting,
        outcome=MeetingOutcome(
            attendance=None,
            consultations=35,
            materials_handed_out=120,
            notes="大厅内挤满了办理入会的职工；北京银行通州支行现场开卡，每张约4分钟。",
            follow_ups=[
                FollowUpData(
                    "为未带身份证的职工预约补办入会和开卡", "永顺镇总工会", datetime.date(2026, 6, 5)
                ),
                FollowUpData(
                    "协助携带医保存折的会员关联医保", "高丽（北京银行通州支行）", datetime.date(2026, 6, 12)
                ),
            ],
        ),
        now=_at(day, 13, 0),
    )


def _worksite_after_haircuts(story: Any, users: dict[str, User], survey: Questionnaire) -> None:
    day = datetime.date(2026, 6, 12)
    officer = users["luyuan"]
    worksite = Worksite.objects.get(name="城市副中心周转房项目三标段")
    meeting = actions.do_plan_meeting(
        acting_user=officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title=SITE_TITLE,
            organiser=story.units["BJ-TZ-LY"],
            starts_at=_at(day, 12, 0),
            ends_at=_at(day, 14, 0),
            place_kind=PlaceKind.WORKSITE,
            worksite=worksite,
            address="项目部食堂前空地（免费理发日之后）",
            cadence=Cadence.ONE_OFF,
            partner_units="北京银行通州支行\n潞源街道社区卫生服务中心",
            questionnaire=survey,
        ),
        now=_at(day, 9, 0) - datetime.timedelta(days=3),
    )
    if not JoinLink.objects.filter(meeting=meeting).exists():
        do_create_join_link(
            acting_user=officer,
            union=story.units["BJ-TZ-LY-SB3"],
            worksite=worksite,
            label=SITE_TITLE,
            meeting=meeting,
        )
    actions.do_hold_meeting(acting_user=officer, meeting=meeting, now=_at(day, 12, 0))
    actions.do_check_in(
        meeting=meeting, source=CheckIn.Source.SELF, name="李春贵", phone="13911110005", now=_at(day, 12, 5)
    )
    actions.do_check_in(
        meeting=meeting, source=CheckIn.Source.SELF, name="刘强", phone="13911110007", now=_at(day, 12, 6)
    )
    actions.do_check_in(meeting=meeting, source=CheckIn.Source.HOST, head_count=40, now=_at(day, 12, 40))
    _answers(meeting, SITE_ANSWERS, start=_at(day, 12, 15))
    enrolled = list(
        Membership.objects.filter(
            union=story.units["BJ-TZ-LY-SB3"], meeting__isnull=True, transfer_in__isnull=True
        )
    )
    actions.do_attribute_memberships(
        acting_user=officer, meeting=meeting, memberships=enrolled, now=_at(day, 14, 0)
    )
    # Held; the outcomes are still to be entered — it shows on the overdue report.


def _xinyi_enterprise_meeting(story: Any, users: dict[str, User], ten_questions: Questionnaire) -> None:
    day = datetime.date(2026, 6, 18)
    officer = users["ganjiakou"]
    xinyi = story.enterprises["xinyi"]
    meeting = actions.do_plan_meeting(
        acting_user=officer,
        data=MeetingData(
            kind=MeetingKind.ENTERPRISE,
            title=XINYI_TITLE,
            organiser=story.units["BJ-HD-GJK"],
            starts_at=_at(day, 14, 0),
            ends_at=_at(day, 16, 0),
            place_kind=PlaceKind.ENTERPRISE,
            enterprise=xinyi,
            address="公司会议室",
            partner_units="海淀区总工会",
            questionnaire=ten_questions,
        ),
        now=_at(day, 9, 0) - datetime.timedelta(days=10),
    )
    actions.do_hold_meeting(acting_user=officer, meeting=meeting, now=_at(day, 14, 0))
    actions.do_check_in(
        meeting=meeting, source=CheckIn.Source.STAFF, head_count=6, acting_user=officer, now=_at(day, 14, 5)
    )
    _answers(meeting, [XINYI_ANSWERS], start=_at(day, 15, 0), user=officer)
    actions.do_close_meeting(
        acting_user=officer,
        meeting=meeting,
        outcome=MeetingOutcome(
            attendance=6,
            consultations=3,
            materials_handed_out=10,
            management_attendees="公司总经理、人力资源总监、行政经理",
            concerns=(
                "公司从原集团独立运营，原集团有工会，独立后约五分之一职工曾是工会会员，现已不在覆盖之内；"
                "部分岗位流动性较大；担心建会程序复杂。"
            ),
            service_package=(
                "会员互助服务卡与二次报销；职工之家（母婴室、职工书屋）建设经费支持；"
                "搭建与海淀区优质资源对接的平台，扩大公司在甘家口地区乃至海淀区的影响力；建会全程指导。"
            ),
            follow_ups=[FollowUpData("指导成立工会筹备组", "张华", datetime.date(2026, 7, 2))],
        ),
        now=_at(day, 16, 30),
    )
    if not IntentLetter.objects.filter(enterprise=xinyi, meeting=meeting).exists():
        scan = ContentFile(LETTER_PDF, name="intent-letter.pdf")
        do_record_intent_letter(
            acting_user=officer,
            enterprise=xinyi,
            meeting=meeting,
            signatory_name="申健",
            signatory_title="公司建会筹备负责人",
            signed_date=day,
            scan=scan,
            now=_at(day, 16, 40),
        )


def _weekly_series(story: Any, users: dict[str, User], survey: Questionnaire) -> None:
    if MeetingSeries.objects.filter(title=SERIES_TITLE).exists():
        return
    today = timezone.localdate()
    friday = today + datetime.timedelta(days=(4 - today.weekday()) % 7 or 7)
    actions.do_plan_meeting_series(
        acting_user=users["luyuan"],
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title=SERIES_TITLE,
            organiser=story.units["BJ-TZ-LY"],
            starts_at=_at(friday, 14, 0),
            ends_at=_at(friday, 16, 0),
            place_kind=PlaceKind.ADDRESS,
            address="潞源街道职工服务站",
            partner_units="北京银行通州支行",
            questionnaire=survey,
        ),
        count=8,
    )
