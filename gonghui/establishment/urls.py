from django.urls import path

from gonghui.establishment import import_views, views

app_name = "establishment"
urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("board/", views.board, name="board"),
    path("cases/", views.case_list, name="cases"),
    path("open/<int:enterprise_id>/", views.case_open, name="open"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/record/<str:stage>/", views.case_record_stage, name="record"),
    path("cases/<int:case_id>/establish/", views.case_establish, name="establish"),
    path("cases/<int:case_id>/status/<str:change>/", views.case_status, name="status"),
    path("cases/<int:case_id>/refresh/", views.case_refresh, name="refresh"),
    path("cases/<int:case_id>/evidence/<int:record_id>/", views.evidence, name="evidence"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/<int:job_id>/", import_views.import_detail, name="import"),
    path("imports/<int:job_id>/import/", import_views.import_commit, name="import_commit"),
    path("imports/<int:job_id>/report/", import_views.import_report, name="import_report"),
]
