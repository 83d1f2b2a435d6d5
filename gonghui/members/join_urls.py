from django.urls import path

from gonghui.members import join_views

app_name = "join"
# Fixed paths first: a token is 22 random characters and never one of these words.
urlpatterns = [
    path("links/", join_views.link_list, name="links"),
    path("links/<int:link_id>/poster/", join_views.link_poster, name="poster"),
    path("links/<int:link_id>/regenerate/", join_views.link_regenerate, name="regenerate"),
    path("links/<int:link_id>/revoke/", join_views.link_revoke, name="revoke"),
    path("sms-outbox/", join_views.sms_outbox, name="sms_outbox"),
    path("<str:token>/", join_views.join_form, name="form"),
    path("<str:token>/done/", join_views.join_done, name="done"),
]
