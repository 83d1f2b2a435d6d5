from django.urls import path

from gonghui.members import roster_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_enrol, name="enrol"),
    path("review/", views.review_queue, name="review"),
    path("review/bulk-approve/", views.bulk_approve, name="bulk_approve"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:transfer_id>/decide/", views.transfer_decide, name="transfer_decide"),
    path("imports/", roster_views.import_list, name="imports"),
    path("imports/template.xlsx", roster_views.roster_template, name="import_template"),
    path("imports/sample.xlsx", roster_views.roster_sample, name="import_sample"),
    path("imports/<int:job_id>/", roster_views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/commit/", roster_views.import_commit, name="import_commit"),
    path("imports/<int:job_id>/report/", roster_views.import_report, name="import_report"),
    path("exports/", roster_views.export_list, name="exports"),
    path("exports/<int:job_id>/", roster_views.export_detail, name="export_detail"),
    path("exports/<int:job_id>/download/", roster_views.export_download, name="export_download"),
    path("<int:membership_id>/", views.member_detail, name="detail"),
    path("<int:membership_id>/approve/", views.member_approve, name="approve"),
    path("<int:membership_id>/reject/", views.member_reject, name="reject"),
    path("<int:membership_id>/reveal/<str:field>/", views.member_reveal, name="reveal"),
]
