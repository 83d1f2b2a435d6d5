from django.urls import path

from gonghui.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("worksites/", views.worksite_list, name="worksites"),
    path("<int:enterprise_id>/", views.enterprise_detail, name="detail"),
    path("<int:enterprise_id>/edit/", views.enterprise_edit, name="edit"),
    path("<int:enterprise_id>/reveal-phone/", views.enterprise_reveal_phone, name="reveal_phone"),
]
