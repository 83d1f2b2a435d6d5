from django.urls import path

from gonghui.collect import views

app_name = "collect"
urlpatterns = [
    # The phone's side: the offline app, its service worker and manifest, and the pairing page.
    path("", views.app, name="app"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("pair/<str:token>/", views.pair, name="pair"),
    # The officer's side, in the console.
    path("devices/", views.device_list, name="devices"),
    path("devices/new/", views.device_create, name="device_create"),
    path("devices/<int:device_id>/", views.device_detail, name="device_detail"),
    path("devices/<int:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("devices/<int:device_id>/pairing-code/", views.device_pairing_code, name="device_pairing_code"),
]
