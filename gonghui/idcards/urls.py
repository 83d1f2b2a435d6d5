from django.urls import URLPattern

app_name = "idcards"
urlpatterns: list[URLPattern] = []
