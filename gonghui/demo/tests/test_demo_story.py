from django.core.management import call_command

from gonghui.accounts.models import User
from gonghui.core.models import AuditEvent
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.members.models import JoinLink, Membership, Person, Transfer
from gonghui.orgs.models import OrgUnit, RoleAssignment


def counts() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "worksites": Worksite.objects.count(),
        "people": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "transfers": Transfer.objects.count(),
        "join links": JoinLink.objects.count(),
        "audit events": AuditEvent.objects.exclude(event_type="regions_loaded").count(),
    }


def test_it_loads_the_story_twice_without_duplicates(db, capsys):
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    assert {k: v for k, v in first.items() if k != "audit events"} == {
        # establishment (gonghui/demo/establishment.py): 新意's union and its former group's, 申健's login and
        # role, four 100+ enterprises at earlier stages, six people and their memberships, four transfers
        "units": 11,
        # needs (gonghui/demo/needs.py): three member units' logins; benefits (gonghui/demo/benefits.py): 海淀
        # 支行's operator and two 新意互动 members with their claims
        "users": 16,  # with luchengbank, 潞城支行's operator (gonghui/demo/cards.py)
        "roles": 16,
        "enterprises": 6,
        "worksites": 1,
        "people": 16,
        "memberships": 21,
        "transfers": 5,
        "join links": 4,
    }
    out = capsys.readouterr().out
    assert "luyuan" in out and "潞源街道总工会" in out


def test_it_tells_the_story_of_the_report(db):
    call_command("demo")
    yunrui = Enterprise.objects.get(name="北京云锐国际文化传媒有限公司")
    assert yunrui.union is not None and str(yunrui.union.parent) == "永顺镇总工会（BJ-TZ-YS）"
    xinyi = Enterprise.objects.get(name="北京新意互动广告有限公司")
    # 新意 set up its union with the street's help (gonghui/demo/establishment.py).
    assert xinyi.union is not None and xinyi.union.code == "BJ-HD-GJK-XY"
    assert xinyi.employee_count >= 100 and str(xinyi.street) == "甘家口街道（110108004）"
    assert Worksite.objects.get().street.name == "潞源街道"
    assert User.objects.get(username="luyuan").display_name == "张国宽"
    assert AuditEvent.objects.filter(event_type="org_unit_created").count() == 11
    li = Membership.objects.get(person__name="李春贵")
    assert li.status == "ACTIVE" and li.worksite is not None and li.person.is_migrant_worker
    assert Membership.objects.get(person__name="郑洁").status == "PENDING"
    transfer = Transfer.objects.get(person__name="孙浩")
    assert transfer.from_membership.union.code == "BJ-TZ-YS-YR" and transfer.status == "PROPOSED"
