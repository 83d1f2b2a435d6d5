"""二次报销 in the demo story. The example plans of the year (labelled 示例: the real figures were not found
in public sources); 北京银行海淀支行 whose back office issues cards over the partner API; at 新意互动's
union (made by the 建会 story, or here if that part is not loaded) 韩梅, a member for three months, has the
service card with the medical-insurance link and was in hospital three weeks ago — her 二次报销 is approved
from the district's settlement feed, sent to the bank in a payout batch and confirmed paid to her card; 杜鹏 joined twelve days ago and his treatment a month ago is refused
(not a member on the date of service). Everything goes through the actions and the feed import job;
loading twice changes nothing."""

import datetime
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.benefits.actions.feed import do_request_feed_commit, do_upload_settlement_feed
from gonghui.benefits.actions.payouts import PayoutResult, do_create_payout_batches, do_record_payout_result
from gonghui.benefits.actions.plans import PlanData, do_create_benefit_plan
from gonghui.benefits.calculation import Band
from gonghui.benefits.feed_file import write_feed
from gonghui.benefits.feed_import import build_report, run_feed_import
from gonghui.benefits.models import BenefitKind, BenefitPlan, FeedImportJob, HospitalLevel
from gonghui.cards import actions as card_actions
from gonghui.cards.models import BankBranch, CardApplication, PartnerKey
from gonghui.cards.numbers import sequential_card_numbers
from gonghui.core.pii import blind_index
from gonghui.members.actions import EnrolmentData, do_approve_membership, do_enrol_member
from gonghui.members.models import Channel, Membership
from gonghui.orgs.actions import do_create_org_unit
from gonghui.orgs.models import OrgUnit

XINYI_UNION_CODE = "BJ-HD-GJK-XY"  # the code the 建会 story gives the union it founds
XINYI_UNION_NAME = "北京新意互动广告有限公司工会"
HAIDIAN_BRANCH = ("BOB-HD", "北京银行", "海淀支行", "BJ-HD", "621468", 300_000)
FEED_NAME = "海淀区医保结算明细（演示）.xlsx"
# (name, resident ID, phone, joined days ago, settlement number, treated days ago, hospital, total, covered,
# self-paid within the scope). Days count back from the day the story is loaded.
CLAIMANTS = [
    (
        "韩梅",
        "110108199112120027",
        "13911130001",
        92,
        "HD-ZY-000017",
        24,
        "北京大学第三医院",
        "58630.00",
        "39420.50",
        "15210.50",
    ),
    (
        "杜鹏",
        "110108199404040037",
        "13911130002",
        12,
        "HD-ZY-000233",
        35,
        "海淀医院",
        "23400.00",
        "16380.00",
        "5020.00",
    ),
]


def example_plans(year: int) -> list[PlanData]:
    """Example rules in the shape of the 在职职工医疗互助保障计划 (deductible, two ratio bands, caps)."""
    return [
        PlanData(
            year=year,
            kind=BenefitKind.INPATIENT,
            name="在职职工住院医疗互助（示例）",
            is_example=True,
            deductible_fen=1_300_00,
            bands=(Band(10_000_00, 5000), Band(None, 6000)),
            per_claim_cap_fen=15_000_00,
            per_year_cap_fen=30_000_00,
            waiting_days=0,
            eligible_levels=(HospitalLevel.LEVEL_1, HospitalLevel.LEVEL_2, HospitalLevel.LEVEL_3),
        ),
        PlanData(
            year=year,
            kind=BenefitKind.OUTPATIENT,
            name="在职职工门急诊医疗互助（示例）",
            is_example=True,
            deductible_fen=1_800_00,
            bands=(Band(None, 5000),),
            per_claim_cap_fen=2_000_00,
            per_year_cap_fen=2_000_00,
            waiting_days=0,
            eligible_levels=tuple(HospitalLevel.values),
        ),
    ]


def load_benefits_demo(story: Any) -> None:
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    years = {today.year} | {(today - datetime.timedelta(days=c[5])).year for c in CLAIMANTS}
    for data in [plan for year in sorted(years) for plan in example_plans(year)]:
        if not BenefitPlan.objects.filter(year=data.year, kind=data.kind).exists():
            do_create_benefit_plan(acting_user=admin, data=data)
    if FeedImportJob.objects.filter(original_name=FEED_NAME).exists():
        return
    union = _xinyi_union(story, admin)
    key = _haidian_branch_key(story, admin)
    officer = User.objects.get(username="haidian")
    rows = []
    for name, resident_id, phone, joined, number, served, hospital, total, covered, self_paid in CLAIMANTS:
        membership = _member(
            officer, union, name, resident_id, phone, today - datetime.timedelta(days=joined)
        )
        if name == "韩梅":
            _card_over_partner_api(admin, key, membership)
        rows.append(
            [
                resident_id,
                name,
                number,
                (today - datetime.timedelta(days=served)).isoformat(),
                "住院",
                hospital,
                "三级甲等",
                total,
                covered,
                self_paid,
            ]
        )
    buffer = io.BytesIO()
    write_feed(buffer, rows)
    job = do_upload_settlement_feed(
        acting_user=officer,
        unit=story.units["BJ-HD"],
        upload=SimpleUploadedFile(FEED_NAME, buffer.getvalue()),
        original_name=FEED_NAME,
    )
    job = run_feed_import(job, commit=False)
    do_request_feed_commit(acting_user=officer, job=job)
    job = run_feed_import(FeedImportJob.objects.get(pk=job.pk), commit=True)
    build_report(job)
    # 海淀区's officer sends the approved claim to the bank; its back office (the simulated bank) pays it.
    outcome = do_create_payout_batches(acting_user=officer)
    for batch in outcome.batches:
        for payout in batch.payouts.order_by("pk"):
            do_record_payout_result(
                key=key, payout=payout, result=PayoutResult("PAID", bank_reference=f"BOBHD{payout.pk:010d}")
            )


def _xinyi_union(story: Any, admin: User) -> OrgUnit:
    union = OrgUnit.objects.filter(code=XINYI_UNION_CODE).first()
    if union is None:
        union = do_create_org_unit(
            acting_user=User.objects.get(username="haidian"),
            parent=story.units["BJ-HD-GJK"],
            code=XINYI_UNION_CODE,
            name=XINYI_UNION_NAME,
            kind=OrgUnit.Kind.GRASSROOTS,
            enterprise=story.enterprises["xinyi"],
        )
    return union


def _haidian_branch_key(story: Any, admin: User) -> PartnerKey:
    code, bank, name, unit_code, bin_prefix, _first = HAIDIAN_BRANCH
    branch = BankBranch.objects.filter(code=code).first()
    if branch is None:
        branch = card_actions.do_create_bank_branch(
            acting_user=User.objects.get(username="haidian"),
            code=code,
            bank_name=bank,
            name=name,
            serves_unit=story.units[unit_code],
            bin_prefix=bin_prefix,
        )
    key = PartnerKey.objects.filter(branch=branch, revoked_at__isnull=True).order_by("-created_at").first()
    if key is None:
        key, _secret = card_actions.do_issue_partner_key(acting_user=None, branch=branch)
    return key


def _member(
    officer: User, union: OrgUnit, name: str, resident_id: str, phone: str, joined: datetime.date
) -> Membership:
    existing = Membership.objects.filter(
        person__resident_id_index=blind_index(resident_id, purpose="resident_id"),
        status=Membership.Status.ACTIVE,
    ).first()
    if existing is not None:
        return existing
    at = timezone.make_aware(datetime.datetime.combine(joined, datetime.time(10)))
    outcome = do_enrol_member(
        acting_user=officer,
        union=union,
        data=EnrolmentData(
            name=name, resident_id=resident_id, phone=phone, employer_name="北京新意互动广告有限公司"
        ),
        channel=Channel.CONSOLE,
        consent_given=True,
        confirm_area_warning=True,
        now=at,
    )
    membership = outcome.membership
    if membership.status == Membership.Status.PENDING:
        # Approved on the day they joined (the story's past), so the date of service can be checked.
        membership = do_approve_membership(acting_user=officer, membership=membership, now=at)
    return membership


def _card_over_partner_api(admin: User, key: PartnerKey, membership: Membership) -> None:
    """The bank's back office issues the card and records the medical-insurance link (as over the API)."""
    if CardApplication.objects.filter(person=membership.person).exists():
        return
    application = card_actions.do_create_card_application(
        acting_user=User.objects.get(username="haidian"), membership=membership
    )
    _code, _bank, _name, _unit, bin_prefix, first = HAIDIAN_BRANCH
    number = sequential_card_numbers(bin_prefix=bin_prefix, start=first + membership.person_id, count=1)[0]
    for update in (
        card_actions.StatusUpdate(status="ISSUED", card_number=number),
        card_actions.StatusUpdate(status="ACTIVATED"),
        card_actions.StatusUpdate(status="MEDICAL_LINKED", medical_account="110108000987654321"),
    ):
        card_actions.do_partner_update_status(key=key, application=application, update=update)
