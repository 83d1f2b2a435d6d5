from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """What each person sees first: their home, and the leaders' dashboards. Reads only; the top app."""

    name = "gonghui.insights"
    label = "insights"
    verbose_name = "首页与数据看板"
