"""The demo story's 朋友圈: 潞源's committee with 区住建委, 16 project party branches, the volunteer team
and the bank; the haircut and anti-fraud needs delivered on 6月20日 with 90+ served; one overdue, one
closed unresolved; loading twice adds nothing."""

from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from gonghui.demo.needs import COMMITTEE_NAME, FRAUD_TITLE, HAIRCUT_TITLE, OVERDUE_TITLE, UNRESOLVED_TITLE
from gonghui.needs.models import Claim, Committee, Need, PartnerUnit, Served


def test_the_demo_circle_tells_the_story_and_loads_twice_without_duplicates(db):
    call_command("demo")
    first = (Need.objects.count(), PartnerUnit.objects.count(), Served.objects.count())
    call_command("demo")
    assert (Need.objects.count(), PartnerUnit.objects.count(), Served.objects.count()) == first

    committee = Committee.objects.get(name=COMMITTEE_NAME)
    assert committee.founded_date.isoformat() == "2026-06-05" and committee.union.name == "潞源街道总工会"
    kinds = list(committee.members.values_list("kind", flat=True))
    assert kinds.count("PARTY_BRANCH") == 16 and "GOVERNMENT" in kinds
    assert {"通州区帮扶志愿服务队", "北京银行潞城支行"} <= set(
        committee.members.values_list("name", flat=True)
    )

    haircut = Need.objects.get(title=HAIRCUT_TITLE)
    assert haircut.raised_by is not None and haircut.raised_by.display_name == "张国宽"
    assert haircut.claims.filter(status=Claim.Status.ACTIVE).count() == 2  # co-claimed
    served = Served.objects.filter(event__need=haircut).aggregate(n=Sum("head_count"))["n"]
    assert served >= 90
    assert haircut.events.get().starts_at.date().isoformat() == "2026-06-20"
    assert haircut.closure == "RESOLVED" and haircut.satisfaction == 5
    assert Need.objects.get(title=FRAUD_TITLE).closure == "RESOLVED"
    overdue = Need.objects.get(title=OVERDUE_TITLE)
    assert overdue.status == Need.Status.OPEN and overdue.due_at < timezone.now()
    unresolved = Need.objects.get(title=UNRESOLVED_TITLE)
    assert unresolved.closure == "UNRESOLVED" and unresolved.closure_reason
