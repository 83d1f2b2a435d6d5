from django.core.management import call_command

from gonghui.enterprises.models import Enterprise
from gonghui.establishment.models import Establishment, Stage
from gonghui.orgs.models import OrgUnit, RoleAssignment


def test_it_takes_xinyi_to_established_in_the_demo_story_and_loads_twice(db):
    call_command("demo")
    xinyi = Enterprise.objects.get(name="北京新意互动广告有限公司")
    union = OrgUnit.objects.get(code="BJ-HD-GJK-XY")
    assert (
        union.name == "北京新意互动广告有限公司工会"
        and union.parent is not None
        and union.parent.code == "BJ-HD-GJK"
    )
    assert xinyi.union == union
    case = Establishment.objects.get(enterprise=xinyi)
    assert case.stage == Stage.ESTABLISHED and case.chair_name == "申健"
    assert RoleAssignment.objects.filter(user__username="shenjian", unit=union, role="UNION_CHAIR").exists()
    stages = list(case.stage_records.order_by("stage_date", "pk").values_list("stage", flat=True))
    assert stages == list(Stage.values)
    assert Establishment.objects.filter(status="OPEN").count() == 4
    counts = (Establishment.objects.count(), OrgUnit.objects.count(), Enterprise.objects.count())
    call_command("demo")
    assert (Establishment.objects.count(), OrgUnit.objects.count(), Enterprise.objects.count()) == counts
