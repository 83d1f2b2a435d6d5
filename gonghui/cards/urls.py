from django.urls import path

from gonghui.cards import views

app_name = "cards"
urlpatterns = [
    path("bank/", views.pad, name="pad"),
    path("bank/queue/", views.pad_queue, name="pad_queue"),
    path("bank/branch/", views.branch, name="branch"),
    path("bank/branch/stocks/new/", views.stock_create, name="stock_create"),
    path("bank/branch/stocks/<int:stock_id>/load/", views.stock_load, name="stock_load"),
    path("bank/branch/void/", views.blank_void, name="blank_void"),
    path("bank/a/<int:application_id>/", views.pad_application, name="pad_application"),
    path("bank/a/<int:application_id>/call/", views.pad_call, name="pad_call"),
    path("bank/a/<int:application_id>/id-read/", views.pad_id_read, name="pad_id_read"),
    path("bank/a/<int:application_id>/authorise/", views.pad_authorise, name="pad_authorise"),
    path("bank/a/<int:application_id>/issue/", views.pad_issue, name="pad_issue"),
    path("bank/a/<int:application_id>/medical/", views.pad_medical, name="pad_medical"),
    path("bank/a/<int:application_id>/complete/", views.pad_complete, name="pad_complete"),
    path("bank/a/<int:application_id>/reject/", views.pad_reject, name="pad_reject"),
    path("bank/sim/reader/<int:application_id>/", views.sim_reader, name="sim_reader"),
    path("bank/sim/fingerprint/<int:application_id>/", views.sim_fingerprint, name="sim_fingerprint"),
    path("cards/", views.application_list, name="applications"),
    path("cards/self/", views.self_service, name="self_service"),
    path("cards/branches/", views.branch_list, name="branches"),
    path("cards/branches/<int:branch_id>/keys/new/", views.partner_key_issue, name="partner_key_issue"),
    path("cards/keys/<int:key_id>/revoke/", views.partner_key_revoke, name="partner_key_revoke"),
    path("cards/<int:application_id>/lost/", views.card_report_lost, name="report_lost"),
    path("cards/self/<int:membership_id>/apply/", views.self_service_apply, name="self_service_apply"),
    path("cards/bulk/", views.apply_for_union_members, name="bulk"),
    path("cards/member/<int:membership_id>/apply/", views.apply_for_member, name="apply"),
    path("cards/<int:application_id>/", views.application_detail, name="application"),
    path("cards/<int:application_id>/cancel/", views.application_cancel, name="cancel"),
]
