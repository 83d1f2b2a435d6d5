from django.urls import path

from gonghui.homes import views

app_name = "homes"
urlpatterns = [
    path("", views.home_list, name="list"),
    path("standard/", views.standard, name="standard"),
    path("queue/", views.queue, name="queue"),
    path("open/<int:union_id>/", views.home_open, name="open"),
    path("<int:home_id>/", views.home_detail, name="detail"),
    path("<int:home_id>/facilities/new/", views.facility_add, name="facility_add"),
    path("<int:home_id>/apply/", views.apply, name="apply"),
    path("facilities/<int:facility_id>/", views.facility_detail, name="facility"),
    path("photos/<int:photo_id>/", views.facility_photo, name="facility_photo"),
    path("check-photos/<int:photo_id>/", views.check_photo, name="check_photo"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path("applications/<int:application_id>/decide/", views.application_decide, name="decide"),
    path("applications/<int:application_id>/check/", views.site_check, name="site_check"),
    path("budgets/", views.budget_list, name="budgets"),
    path("funding/", views.funding_list, name="funding_list"),
    path("<int:home_id>/funding/new/", views.funding_apply, name="funding_apply"),
    path("funding/<int:application_id>/", views.funding_detail, name="funding"),
    path("funding-documents/<int:document_id>/", views.funding_document, name="funding_document"),
]
