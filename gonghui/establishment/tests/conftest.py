import datetime

import pytest
from stdnum.cn import ric

from gonghui.establishment import actions
from gonghui.establishment.actions import AssemblyFacts, GroupMember, StageStep
from gonghui.establishment.models import Establishment, Stage, UnionPath

DAY = datetime.date(2026, 6, 1)


def valid_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


GROUP = [
    GroupMember("申健", valid_id("11010819820315001"), is_leader=True, applies_to_join=True),
    GroupMember("王丽", valid_id("11010819880722002"), applies_to_join=True),
    GroupMember("陈宇", valid_id("11010519900101003"), applies_to_join=True),
]


def step(stage: str, days: int, **kw: object) -> StageStep:
    return StageStep(stage=stage, stage_date=DAY + datetime.timedelta(days=days), **kw)  # type: ignore[arg-type]


@pytest.fixture
def xinyi_case(personas) -> Establishment:  # type: ignore[no-untyped-def]
    return actions.do_open_case(
        acting_user=personas.ganjiakou_officer, enterprise=personas.enterprise("xinyi"), stage_date=DAY
    )


def advance_to(case: Establishment, officer, stage: str) -> Establishment:  # type: ignore[no-untyped-def]
    """Walk a case through the stages up to `stage` with valid facts."""
    order = [
        Stage.VISITED,
        Stage.PREPARATORY_GROUP,
        Stage.APPROVED_BY_SUPERIOR,
        Stage.FOUNDING_ASSEMBLY,
        Stage.REGISTERED,
    ]
    for i, s in enumerate(order, start=1):
        case.refresh_from_db()
        if list(Stage.values).index(case.stage) >= list(Stage.values).index(s):
            continue
        if s == Stage.VISITED:
            actions.do_record_stage(acting_user=officer, case=case, step=step(s, i))
        elif s == Stage.PREPARATORY_GROUP:
            actions.do_form_preparatory_group(
                acting_user=officer,
                case=case,
                step=step(s, i, skip_reason="企业沟通会与意向书在筹备组会上一并完成"),
                members=GROUP,
                union_path=UnionPath.COMMITTEE,
            )
        elif s == Stage.APPROVED_BY_SUPERIOR:
            actions.do_record_approval(
                acting_user=officer, case=case, step=step(s, i), document_number="甘工批〔2026〕7号"
            )
        elif s == Stage.FOUNDING_ASSEMBLY:
            actions.do_record_founding_assembly(
                acting_user=officer,
                case=case,
                step=step(s, i),
                facts=AssemblyFacts(
                    member_count=210,
                    members_present=186,
                    committee_size=9,
                    chair_name="申健",
                    women_member_count=112,
                    funds_audit_committee=True,
                    women_committee=True,
                    term_years=5,
                ),
            )
        elif s == Stage.REGISTERED:
            from gonghui.enterprises.validators import with_check_character

            actions.do_record_registration(
                acting_user=officer,
                case=case,
                step=step(s, i),
                certificate_number="工法证字第110108260015号",
                union_uscc=with_check_character("81110108MA0XYGH01"),
            )
        if s == stage:
            break
    case.refresh_from_db()
    return case
