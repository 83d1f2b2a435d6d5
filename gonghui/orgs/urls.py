from django.urls import path

from gonghui.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("<int:unit_id>/close/", views.unit_close, name="unit_close"),
]
