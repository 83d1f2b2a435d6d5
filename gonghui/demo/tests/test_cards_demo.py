from django.core.management import call_command

from gonghui.cards.models import BankBranch, Card, CardApplication, CardBlank, PartnerKey


def story() -> dict[str, tuple[str, str, str]]:
    return {
        a.person.name: (a.status, a.branch.code if a.branch else "", a.reject_reason)
        # 海淀支行 is the 二次报销 story's (gonghui/demo/benefits.py): its back office issues over the API.
        for a in CardApplication.objects.exclude(branch__code="BOB-HD").select_related("person", "branch")
    }


def test_it_tells_the_card_story_once(db):
    call_command("demo")
    first = story()
    assert first == {
        "赵敏": ("ISSUED", "BOB-TZ", ""),
        "孙浩": ("REJECTED", "BOB-TZ", "id_mismatch"),
        "周婷": ("ROUTED", "BOB-TZ", ""),
        "吴雪": ("ROUTED", "BOB-TZ", ""),
        "李春贵": ("ROUTED", "BOB-LC", ""),
        "陈秀兰": ("ROUTED", "BOB-LC", ""),
        "刘强": ("ROUTED", "BOB-LC", ""),
    }
    card = Card.objects.exclude(branch__code="BOB-HD").get()
    assert card.person.name == "赵敏" and card.medical_account and card.application.completed_at
    assert BankBranch.objects.exclude(code="BOB-HD").count() == 2
    assert PartnerKey.objects.exclude(branch__code="BOB-HD").count() == 2
    # 潞城支行's box is below its warning line, so the demo shows the low-stock warning.
    lucheng = BankBranch.objects.get(code="BOB-LC")
    assert (
        CardBlank.objects.filter(stock__branch=lucheng, status="FREE").count() < lucheng.low_stock_threshold
    )
    call_command("demo")
    assert story() == first and Card.objects.exclude(branch__code="BOB-HD").count() == 1
    assert CardBlank.objects.count() == 75
