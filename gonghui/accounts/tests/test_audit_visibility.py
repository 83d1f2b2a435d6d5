"""Every audit event is visible to the officers above where it happened; an event with no place (a
refusal by a partner key nobody knows, loading the regions) is in the city's view."""

from django.utils import timezone

from gonghui.accounts.queries import list_audit_events
from gonghui.cards.actions import do_record_partner_refusal
from gonghui.core.audit import record_event
from gonghui.core.models import AuditEvent
from gonghui.members.actions import do_request_member_export


def visible_types(user) -> set[str]:  # type: ignore[no-untyped-def]
    return set(list_audit_events(acting_user=user).values_list("event_type", flat=True))


def test_a_district_wide_export_with_full_ids_is_seen_by_the_district_and_the_city(personas):
    do_request_member_export(
        acting_user=personas.tongzhou_officer, union=None, filters={}, file_format="CSV", reveal=True
    )
    event = AuditEvent.objects.get(event_type="members_exported_revealed")
    assert event.unit == personas.unit("BJ-TZ")
    assert "members_exported_revealed" in visible_types(personas.tongzhou_officer)
    assert "members_exported_revealed" in visible_types(personas.city_admin)
    # Nobody beside or below the district: a street officer, another district.
    assert "members_exported_revealed" not in visible_types(personas.luyuan_officer)
    assert "members_exported_revealed" not in visible_types(personas.haidian_officer)


def test_a_refusal_with_an_unknown_partner_key_is_in_the_citys_view_only(personas):
    do_record_partner_refusal(
        key_id="no-such-key",
        code="partner_key_unknown",
        method="GET",
        path="/api/v1/partner/x",
        remote_addr="1",
    )
    assert "partner_request_refused" in visible_types(personas.city_admin)
    assert "partner_request_refused" not in visible_types(personas.tongzhou_officer)
    page = personas.client(personas.city_admin).get("/accounts/audit/").content.decode()
    assert "partner_request_refused" in page or "拒绝" in page


def test_events_without_a_place_reach_the_city_through_the_api(personas):
    record_event(acting_user=None, event_type="regions_loaded", details={}, now=timezone.now())
    client = personas.client(personas.city_admin)
    types = [e["event_type"] for e in client.get("/api/v1/audit/events?limit=500").json()["items"]]
    assert "regions_loaded" in types
    district = personas.client(personas.tongzhou_officer)
    types = [e["event_type"] for e in district.get("/api/v1/audit/events?limit=500").json()["items"]]
    assert "regions_loaded" not in types
