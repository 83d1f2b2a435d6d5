import datetime

import pytest

from gonghui.core.errors import Forbidden
from gonghui.core.models import AuditEvent
from gonghui.establishment import actions
from gonghui.establishment.actions import AssemblyFacts, GroupMember, StageStep, UnionSpec
from gonghui.establishment.models import Establishment, EstablishmentRules, Stage, StageRecord, UnionPath
from gonghui.establishment.tests.conftest import DAY, GROUP, advance_to, step, valid_id
from gonghui.members.models import Membership
from gonghui.orgs.models import OrgUnit, RoleAssignment


def test_it_opens_one_case_per_enterprise_with_an_audit_event(personas, xinyi_case):
    assert xinyi_case.stage == Stage.IDENTIFIED and xinyi_case.status == Establishment.Status.OPEN
    assert (
        AuditEvent.objects.filter(event_type="establishment_opened", object_id=str(xinyi_case.pk)).count()
        == 1
    )
    with pytest.raises(actions.CaseAlreadyOpen):
        actions.do_open_case(acting_user=personas.ganjiakou_officer, enterprise=personas.enterprise("xinyi"))


def test_it_refuses_a_case_for_an_enterprise_with_a_union(personas):
    with pytest.raises(actions.EnterpriseHasUnion):
        actions.do_open_case(acting_user=personas.city_admin, enterprise=personas.enterprise("yunrui"))


def test_it_refuses_an_officer_of_another_district(personas):
    with pytest.raises(Forbidden):
        actions.do_open_case(acting_user=personas.tongzhou_officer, enterprise=personas.enterprise("xinyi"))


def test_it_records_a_stage_with_date_officer_and_follow_up(personas, xinyi_case):
    record = actions.do_record_stage(
        acting_user=personas.ganjiakou_officer,
        case=xinyi_case,
        step=step(Stage.VISITED, 1, next_follow_up_date=DAY + datetime.timedelta(days=14), note="走访"),
    )
    xinyi_case.refresh_from_db()
    assert xinyi_case.stage == Stage.VISITED and xinyi_case.next_follow_up_date == DAY + datetime.timedelta(
        days=14
    )
    assert record.officer == personas.ganjiakou_officer and record.skipped_stages == []


def test_it_refuses_to_skip_a_stage_without_a_reason(personas, xinyi_case):
    with pytest.raises(actions.StageSkippedWithoutReason) as error:
        actions.do_record_stage(
            acting_user=personas.ganjiakou_officer, case=xinyi_case, step=step(Stage.INTENT_SIGNED, 1)
        )
    assert error.value.code == "establishment_stage_skipped"
    record = actions.do_record_stage(
        acting_user=personas.ganjiakou_officer,
        case=xinyi_case,
        step=step(Stage.INTENT_SIGNED, 1, skip_reason="企业主动递交意向书"),
    )
    assert record.skipped_stages == [Stage.VISITED, Stage.ENTERPRISE_MEETING]


def test_it_refuses_going_back_or_a_date_out_of_order(personas, xinyi_case):
    actions.do_record_stage(
        acting_user=personas.ganjiakou_officer, case=xinyi_case, step=step(Stage.VISITED, 5)
    )
    with pytest.raises(actions.StageNotForward):
        actions.do_record_stage(
            acting_user=personas.ganjiakou_officer, case=xinyi_case, step=step(Stage.VISITED, 6)
        )
    with pytest.raises(actions.StageDateInvalid):
        actions.do_record_stage(
            acting_user=personas.ganjiakou_officer, case=xinyi_case, step=step(Stage.ENTERPRISE_MEETING, 2)
        )
    with pytest.raises(actions.StageDateInvalid):
        actions.do_record_stage(
            acting_user=personas.ganjiakou_officer,
            case=xinyi_case,
            step=StageStep(stage=Stage.ENTERPRISE_MEETING, stage_date=datetime.date(2999, 1, 1)),
        )


def test_it_checks_the_preparatory_group(personas, xinyi_case):
    officer = personas.ganjiakou_officer
    actions.do_record_stage(acting_user=officer, case=xinyi_case, step=step(Stage.VISITED, 1))
    reason = "沟通会与意向书合并进行"
    with pytest.raises(actions.PreparatoryGroupSize):
        actions.do_form_preparatory_group(
            acting_user=officer,
            case=xinyi_case,
            step=step("", 2, skip_reason=reason),
            members=GROUP[:2],
            union_path=UnionPath.COMMITTEE,
        )
    not_member = [*GROUP[:2], GroupMember("陈宇", valid_id("11010519900101003"))]
    with pytest.raises(actions.PreparatoryMemberNotMember) as error:
        actions.do_form_preparatory_group(
            acting_user=officer,
            case=xinyi_case,
            step=step("", 2, skip_reason=reason),
            members=not_member,
            union_path=UnionPath.COMMITTEE,
        )
    assert "陈宇" in error.value.message
    with pytest.raises(actions.UnionPathNotAllowed):
        actions.do_form_preparatory_group(
            acting_user=officer,
            case=xinyi_case,
            step=step("", 2, skip_reason=reason),
            members=GROUP,
            union_path=UnionPath.ORGANISER,
            union_path_reason="人少",
        )
    actions.do_form_preparatory_group(
        acting_user=officer,
        case=xinyi_case,
        step=step("", 2, skip_reason=reason),
        members=GROUP,
        union_path=UnionPath.COMMITTEE,
    )
    xinyi_case.refresh_from_db()
    assert xinyi_case.stage == Stage.PREPARATORY_GROUP
    assert xinyi_case.preparatory_members.count() == 3
    # Those not yet members applied to join: they become members when the union is established.
    assert xinyi_case.applicants.count() == 3


def test_it_asks_a_small_enterprise_why_it_takes_its_path(personas, xinyi_case):
    officer = personas.ganjiakou_officer
    actions.do_record_stage(acting_user=officer, case=xinyi_case, step=step(Stage.VISITED, 1))
    kwargs = dict(acting_user=officer, case=xinyi_case, members=GROUP, expected_members=12)
    with pytest.raises(actions.UnionPathReasonRequired):
        actions.do_form_preparatory_group(
            step=step("", 2, skip_reason="合并"),
            union_path=UnionPath.ORGANISER,
            **kwargs,  # type: ignore[arg-type]
        )
    actions.do_form_preparatory_group(
        step=step("", 2, skip_reason="合并"),
        union_path=UnionPath.ORGANISER,
        union_path_reason="职工12人，先选组织员",
        **kwargs,  # type: ignore[arg-type]
    )
    xinyi_case.refresh_from_db()
    assert xinyi_case.union_path == UnionPath.ORGANISER


def test_it_requires_the_approval_document_number(personas, xinyi_case):
    case = advance_to(xinyi_case, personas.ganjiakou_officer, Stage.PREPARATORY_GROUP)
    with pytest.raises(actions.ApprovalDocumentRequired):
        actions.do_record_approval(
            acting_user=personas.ganjiakou_officer, case=case, step=step("", 3), document_number=" "
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"members_present": 105}, "establishment_quorum"),
        ({"committee_size": 17}, "establishment_committee_size"),
        ({"committee_size": 3, "member_count": 250, "members_present": 200}, "establishment_committee_size"),
        ({"women_committee": False}, "establishment_women_committee"),
        ({"funds_audit_committee": False}, "establishment_funds_audit"),
        ({"term_years": 4}, "establishment_term"),
    ],
)
def test_it_checks_the_founding_assembly_against_the_rules(personas, xinyi_case, change, code):
    case = advance_to(xinyi_case, personas.ganjiakou_officer, Stage.APPROVED_BY_SUPERIOR)
    facts = dict(
        member_count=210,
        members_present=186,
        committee_size=9,
        chair_name="申健",
        women_member_count=112,
        funds_audit_committee=True,
        women_committee=True,
        term_years=5,
    )
    facts.update(change)
    with pytest.raises(actions.DomainError) as error:
        actions.do_record_founding_assembly(
            acting_user=personas.ganjiakou_officer,
            case=case,
            step=step("", 4),
            facts=AssemblyFacts(**facts),  # type: ignore[arg-type]
        )
    assert error.value.code == code


def test_it_reads_the_thresholds_from_the_rules_row(personas, xinyi_case):
    case = advance_to(xinyi_case, personas.ganjiakou_officer, Stage.APPROVED_BY_SUPERIOR)
    # A place that counts a quorum as two thirds says so in its rules, not in the code.
    EstablishmentRules.objects.filter(region__isnull=True).update(
        quorum_numerator=2, quorum_denominator=3, quorum_inclusive=True
    )
    facts = AssemblyFacts(
        member_count=210,
        members_present=130,
        committee_size=9,
        chair_name="申健",
        women_member_count=112,
        funds_audit_committee=True,
        women_committee=True,
    )
    with pytest.raises(actions.QuorumNotMet):
        actions.do_record_founding_assembly(
            acting_user=personas.ganjiakou_officer, case=case, step=step("", 4), facts=facts
        )
    facts.members_present = 140
    actions.do_record_founding_assembly(
        acting_user=personas.ganjiakou_officer, case=case, step=step("", 4), facts=facts
    )


def test_it_refuses_established_without_registration(personas, xinyi_case):
    case = advance_to(xinyi_case, personas.ganjiakou_officer, Stage.FOUNDING_ASSEMBLY)
    with pytest.raises(actions.RegistrationRequired):
        actions.establish_union(
            acting_user=personas.ganjiakou_officer,
            case=case,
            spec=UnionSpec(
                code="BJ-HD-GJK-XY", name="北京新意互动广告有限公司工会", chair_username="shenjian"
            ),
        )
    assert not OrgUnit.objects.filter(code="BJ-HD-GJK-XY").exists()


def test_it_refuses_the_enterprises_own_credit_code_as_the_unions(personas, xinyi_case):
    case = advance_to(xinyi_case, personas.ganjiakou_officer, Stage.FOUNDING_ASSEMBLY)
    with pytest.raises(actions.InvalidInput):
        actions.do_record_registration(
            acting_user=personas.ganjiakou_officer,
            case=case,
            step=step("", 5),
            certificate_number="工法证字第1号",
            union_uscc=case.enterprise.uscc,
        )


def test_it_establishes_the_union_in_the_tree_with_its_chair_and_members(personas, xinyi_case):
    officer = personas.ganjiakou_officer
    case = advance_to(xinyi_case, officer, Stage.REGISTERED)
    outcome = actions.establish_union(
        acting_user=officer,
        case=case,
        spec=UnionSpec(
            code="BJ-HD-GJK-XY",
            name="北京新意互动广告有限公司工会",
            chair_username="shenjian",
            chair_password="xinyi-chair-2026-pass",
        ),
    )
    union = OrgUnit.objects.get(code="BJ-HD-GJK-XY")
    assert union.kind == OrgUnit.Kind.GRASSROOTS and union.parent == personas.unit("BJ-HD-GJK")
    assert union.name == "北京新意互动广告有限公司工会"
    case.refresh_from_db()
    assert (
        case.stage == Stage.ESTABLISHED and case.status == Establishment.Status.DONE and case.union == union
    )
    assert case.enterprise.union == union
    chair = case.chair_user
    assert chair is not None and chair.display_name == "申健"
    assert RoleAssignment.objects.filter(
        user=chair, unit=union, role="UNION_CHAIR", revoked_at__isnull=True
    ).exists()
    # The preparatory group applied during the case: now active members of the new union.
    assert outcome.enrolled == 3
    assert Membership.objects.filter(union=union, status="ACTIVE").count() == 3
    assert (
        AuditEvent.objects.filter(event_type="establishment_established", object_id=str(case.pk)).count() == 1
    )
    assert StageRecord.objects.filter(case=case, stage=Stage.ESTABLISHED).count() == 1


def test_it_links_to_a_union_already_made_with_the_same_code(personas, xinyi_case):
    from gonghui.orgs.actions import do_create_org_unit

    officer = personas.ganjiakou_officer
    case = advance_to(xinyi_case, officer, Stage.REGISTERED)
    existing = do_create_org_unit(
        acting_user=officer,
        parent=personas.unit("BJ-HD-GJK"),
        code="BJ-HD-GJK-XY",
        name="北京新意互动广告有限公司工会",
        kind=OrgUnit.Kind.GRASSROOTS,
    )
    outcome = actions.establish_union(
        acting_user=officer,
        case=case,
        spec=UnionSpec(
            code="BJ-HD-GJK-XY", name="北京新意互动广告有限公司工会", chair_user=personas.ganjiakou_officer
        ),
    )
    assert outcome.union == existing
    case.enterprise.refresh_from_db()
    assert case.enterprise.union == existing
    assert OrgUnit.objects.filter(code="BJ-HD-GJK-XY").count() == 1


def test_it_refuses_a_code_taken_by_another_union(personas, xinyi_case):
    case = advance_to(xinyi_case, personas.ganjiakou_officer, Stage.REGISTERED)
    with pytest.raises(actions.UnionUnitTaken):
        actions.establish_union(
            acting_user=personas.ganjiakou_officer,
            case=case,
            spec=UnionSpec(code="BJ-TZ-YS-YR", name="x", chair_user=personas.ganjiakou_officer),
        )


def test_it_pauses_drops_and_reopens_with_a_reason(personas, xinyi_case):
    officer = personas.ganjiakou_officer
    with pytest.raises(actions.ReasonRequired):
        actions.do_pause_case(acting_user=officer, case=xinyi_case, reason=" ")
    actions.do_pause_case(acting_user=officer, case=xinyi_case, reason="企业搬迁中")
    with pytest.raises(actions.CaseNotOpen):
        actions.do_record_stage(acting_user=officer, case=xinyi_case, step=step(Stage.VISITED, 1))
    actions.do_drop_case(acting_user=officer, case=xinyi_case, reason="企业已迁出海淀")
    xinyi_case.refresh_from_db()
    assert xinyi_case.status == Establishment.Status.DROPPED and xinyi_case.status_reason == "企业已迁出海淀"
    actions.do_reopen_case(acting_user=officer, case=xinyi_case, reason="企业迁回")
    xinyi_case.refresh_from_db()
    assert xinyi_case.status == Establishment.Status.OPEN
    events = AuditEvent.objects.filter(object_id=str(xinyi_case.pk), event_type__startswith="establishment_")
    assert {"establishment_paused", "establishment_dropped", "establishment_reopened"} <= set(
        events.values_list("event_type", flat=True)
    )
