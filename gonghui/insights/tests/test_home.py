"""Each role's home leads to its work (issue 12 point 6), on the demo story's people."""

from gonghui.accounts.models import User
from gonghui.cards.models import CardApplication
from gonghui.members.models import Membership


def _main(html: str) -> str:
    return html.split('<main class="page">', 1)[1]


def test_it_leads_each_role_of_the_demo_to_its_work(personas):
    from gonghui.demo.story import load_demo_story

    load_demo_story()

    def home(username: str) -> str:
        answer = personas.client(User.objects.get(username=username)).get("/")
        assert answer.status_code == 200
        return _main(answer.content.decode())

    bank = home("gaoli")
    assert 'href="/bank/"' in bank and "待办卡人数" in bank
    # A partner has no area: no meetings, members or tree on its home.
    assert "今日工作" not in bank and "辖区总计" not in bank

    assert 'href="/collect/"' in home("collector")

    chair = home("yunrui")
    pending = Membership.objects.filter(
        status=Membership.Status.PENDING, transfer_in__isnull=True, union__code="BJ-TZ-YS-YR"
    ).count()
    assert pending > 0
    assert f'<a href="/members/review/">{pending}</a>' in chair and "待审核入会申请" in chair

    leader = home("leader")
    # A read-only leader sees its subtree's totals and no form to fill in or button to press.
    assert "辖区总计" in leader and "本月沟通会" in leader
    assert "<form" not in leader and "待审核入会申请" not in leader
    area = User.objects.get(username="leader").role_assignments.get().unit.path
    members = Membership.objects.filter(status=Membership.Status.ACTIVE, union__path__startswith=area).count()
    issued = CardApplication.objects.filter(
        status__in=[CardApplication.Status.ISSUED, CardApplication.Status.ACTIVATED],
        union__path__startswith=area,
    ).count()
    assert members > 0 and issued > 0
    assert f"<strong>{members}</strong><span>会员</span>" in leader
    assert f"<strong>{issued}</strong><span>已发卡</span>" in leader
