app_name = "collect"
urlpatterns: list = []
