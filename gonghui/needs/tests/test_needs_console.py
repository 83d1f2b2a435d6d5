"""The officer's board, posting (duplicates shown first), a need's timeline, committees; the unit's
phone pages through claim → schedule → served → close."""

from django.urls import reverse

from gonghui.needs.models import Need


def test_it_shows_possible_duplicates_before_posting_another(circle):
    first = circle.post()
    client = circle.personas.client(circle.personas.luyuan_officer)
    form = {
        "committee": circle.committee.pk,
        "title": "又一个理发需求",
        "work_type": circle.haircut.pk,
        "worksite": circle.worksite.pk,
        "people_count": 20,
        "deadline_class": circle.general.pk,
    }
    page = client.post(reverse("needs:create"), form)
    assert page.status_code == 200 and first.title in page.content.decode()
    assert Need.objects.filter(committee=circle.committee).count() == 1
    response = client.post(reverse("needs:create"), form | {"confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Need.objects.filter(committee=circle.committee).count() == 2


def test_it_renders_the_board_and_a_timeline_in_chinese(circle):
    need = circle.post()
    client = circle.personas.client(circle.personas.luyuan_officer)
    board = client.get(reverse("needs:board")).content.decode()
    assert need.title in board and "逾期" in board
    unit = circle.personas.client(circle.barber)
    unit.post(reverse("needs:unit_claim", args=[need.pk]), {"work_types": [circle.haircut.pk]})
    unit.post(reverse("needs:unit_send_back", args=[need.pk]), {"reason": "本周排不开"})
    page = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert "本周排不开" in page and "通州区帮扶志愿服务队" in page
    for code in ("need_posted", "need_claimed", "need_sent_back", "SENT_BACK", "OPEN"):
        assert code not in page
    committees = client.get(reverse("needs:committees")).content.decode()
    assert circle.committee.name in committees


def test_it_takes_a_unit_from_claim_to_close_on_its_phone_pages(circle):
    need = circle.post()
    unit = circle.personas.client(circle.barber)
    assert (
        unit.post(
            reverse("needs:unit_claim", args=[need.pk]), {"work_types": [circle.haircut.pk]}
        ).status_code
        == 302
    )
    assert (
        unit.post(
            reverse("needs:unit_schedule", args=[need.pk]),
            {"starts_at": "2026-06-20T09:30", "place": "工地", "brought": "理发"},
        ).status_code
        == 302
    )
    event = need.events.get()
    assert unit.post(reverse("needs:unit_served", args=[event.pk]), {"head_count": "94"}).status_code == 302
    assert unit.post(reverse("needs:unit_close", args=[need.pk]), {"closure": "RESOLVED"}).status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED and need.closure == "RESOLVED"
    # A second close is refused with a message, not an error page.
    response = unit.post(reverse("needs:unit_close", args=[need.pk]), {"closure": "RESOLVED"}, follow=True)
    assert response.status_code == 200 and "已" in response.content.decode()


def test_it_lets_officers_add_a_member_unit_and_its_login(circle):
    client = circle.personas.client(circle.personas.luyuan_officer)
    response = client.post(
        reverse("needs:committee", args=[circle.committee.pk]),
        {"name": "潞源社区卫生服务中心", "kind": "OTHER", "work_types": [], "contact_phone": ""},
    )
    assert response.status_code == 302
    unit = circle.committee.members.get(name="潞源社区卫生服务中心")
    response = client.post(
        reverse("needs:partner_staff_create", args=[unit.pk]),
        {"username": "weijian", "display_name": "卫生中心联络员", "password": "a-long-Passw0rd-2026"},
    )
    assert response.status_code == 302
    assert unit.staff.get().user.username == "weijian"
    # 甘家口's officer cannot reach 潞源's committee at all.
    other = circle.personas.client(circle.personas.ganjiakou_officer)
    assert other.get(reverse("needs:committee", args=[circle.committee.pk])).status_code == 404


def test_it_lets_the_units_admin_add_a_colleague_and_nobody_else(circle):
    admin = circle.personas.client(circle.barber)
    assert "添加同事" in admin.get(reverse("needs:unit_home")).content.decode()
    response = admin.post(
        reverse("needs:unit_staff_create"),
        {"username": "barber2", "display_name": "二号理发师", "password": "a-long-Passw0rd-2026"},
    )
    assert response.status_code == 302
    colleague = circle.volunteers.staff.get(user__username="barber2")
    assert not colleague.is_unit_admin and colleague.user.password_change_required
    # The colleague is no admin: the action refuses, the page says so.
    from gonghui.accounts.models import User

    User.objects.filter(username="barber2").update(password_change_required=False)
    other = circle.personas.client(User.objects.get(username="barber2"))
    response = other.post(
        reverse("needs:unit_staff_create"),
        {"username": "barber3", "display_name": "三号", "password": "a-long-Passw0rd-2026"},
    )
    assert (
        response.status_code in (403, 200)
        and not circle.volunteers.staff.filter(user__username="barber3").exists()
    )
