from django.urls import URLPattern

app_name = "establishment"
urlpatterns: list[URLPattern] = []
