from django.urls import path

from gonghui.meetings import public_views

app_name = "meetings_public"
urlpatterns = [
    path("host/<str:token>/", public_views.host, name="host"),
    path("<str:token>/", public_views.check_in, name="check_in"),
    path("<str:token>/welcome/", public_views.welcome, name="welcome"),
    path("<str:token>/survey/", public_views.survey, name="survey"),
    path("<str:token>/thanks/", public_views.thanks, name="thanks"),
]
