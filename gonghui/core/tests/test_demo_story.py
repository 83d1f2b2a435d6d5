from django.core.management import call_command

from gonghui.accounts.models import RoleAssignment, User
from gonghui.core.models import AuditEvent
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.orgs.models import OrgUnit


def counts() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "worksites": Worksite.objects.count(),
    }


def test_it_loads_the_story_twice_without_duplicates(db, capsys):
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    assert first == {"units": 8, "users": 10, "roles": 10, "enterprises": 2, "worksites": 1}
    out = capsys.readouterr().out
    assert "luyuan" in out and "潞源街道总工会" in out


def test_it_tells_the_story_of_the_report(db):
    call_command("demo")
    yunrui = Enterprise.objects.get(name="北京云锐国际文化传媒有限公司")
    assert yunrui.union is not None and str(yunrui.union.parent) == "永顺镇总工会（BJ-TZ-YS）"
    xinyi = Enterprise.objects.get(name="北京新意互动广告有限公司")
    assert (
        xinyi.union is None and xinyi.employee_count >= 100 and str(xinyi.street) == "甘家口街道（110108004）"
    )
    assert Worksite.objects.get().street.name == "潞源街道"
    assert User.objects.get(username="luyuan").display_name == "张国宽"
    assert AuditEvent.objects.filter(event_type="org_unit_created").count() == 8
