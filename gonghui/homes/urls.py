from django.urls import URLPattern

app_name = "homes"
urlpatterns: list[URLPattern] = []
