from django.core.management import call_command

from gonghui.orgs.models import Region


def test_it_loads_beijing_once_and_idempotently(db, capsys):
    call_command("load_regions")
    call_command("load_regions")
    out = capsys.readouterr().out
    assert "366 total, 0 created, 0 updated" in out
    assert Region.objects.filter(level="DISTRICT").count() == 16
    assert Region.objects.filter(level="STREET").count() == 349
    luyuan = Region.objects.get(name="潞源街道")
    assert luyuan.code == "110112007" and luyuan.parent is not None and luyuan.parent.name == "通州区"
    assert Region.objects.get(code="110108004").name == "甘家口街道"
    assert {"永顺镇", "潞城镇"} <= set(
        Region.objects.filter(parent__code="110112").values_list("name", flat=True)
    )


def test_it_updates_a_renamed_region(db):
    call_command("load_regions")
    Region.objects.filter(code="110112007").update(name="旧名字")
    call_command("load_regions")
    assert Region.objects.get(code="110112007").name == "潞源街道"
