from django.urls import path

from gonghui.insights import dashboard_views, views

app_name = "insights"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/screen/", dashboard_views.dashboard_screen, name="dashboard_screen"),
    path("dashboard/<slug:key>.xlsx", dashboard_views.panel_export, name="panel_export"),
]
