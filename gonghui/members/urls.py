from django.urls import path

from gonghui.members import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_enrol, name="enrol"),
    path("review/", views.review_queue, name="review"),
    path("review/bulk-approve/", views.bulk_approve, name="bulk_approve"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:transfer_id>/decide/", views.transfer_decide, name="transfer_decide"),
    path("<int:membership_id>/", views.member_detail, name="detail"),
    path("<int:membership_id>/approve/", views.member_approve, name="approve"),
    path("<int:membership_id>/reject/", views.member_reject, name="reject"),
    path("<int:membership_id>/reveal/<str:field>/", views.member_reveal, name="reveal"),
]
