from django.urls import path

from gonghui.needs import public_views, views

app_name = "needs"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.need_create, name="create"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/<int:meeting_id>/", views.from_meeting, name="from_meeting"),
    path("<int:need_id>/", views.need_detail, name="detail"),
    path("<int:need_id>/close/", views.need_close, name="close"),
    path("<int:need_id>/confirm/", views.need_confirm, name="confirm"),
    path("<int:need_id>/reopen/", views.need_reopen, name="reopen"),
    path("<int:need_id>/answer/", views.need_answer, name="answer"),
    path("rates/", views.rates_page, name="rates"),
    path("committees/", views.committee_list, name="committees"),
    path("committees/<int:committee_id>/", views.committee_detail, name="committee"),
    path("units/<int:unit_id>/staff/new/", views.partner_staff_create, name="partner_staff_create"),
    path("unit/", views.unit_home, name="unit_home"),
    path("unit/staff/new/", views.unit_staff_create, name="unit_staff_create"),
    path("unit/<int:need_id>/", views.unit_need, name="unit_need"),
    path("unit/<int:need_id>/claim/", views.unit_claim, name="unit_claim"),
    path("unit/<int:need_id>/send-back/", views.unit_send_back, name="unit_send_back"),
    path("unit/<int:need_id>/ask/", views.unit_ask, name="unit_ask"),
    path("unit/<int:need_id>/schedule/", views.unit_schedule, name="unit_schedule"),
    path("unit/events/<int:event_id>/served/", views.unit_served, name="unit_served"),
    path("unit/<int:need_id>/close/", views.unit_close, name="unit_close"),
    path("unit/events/<int:event_id>/qr/", views.unit_event_qr, name="unit_event_qr"),
    path("unit/events/<int:event_id>/photo/", views.unit_photo, name="unit_photo"),
    path("photos/<int:photo_id>/", views.service_photo, name="photo"),
    path("s/<str:token>/", public_views.served_check_in, name="served_check_in"),
]
