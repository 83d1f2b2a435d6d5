from django.apps import AppConfig


class NeedsConfig(AppConfig):
    """The street coordination committee's 朋友圈: needs posted, claimed by member units, delivered as service events, and counted."""

    name = "gonghui.needs"
    label = "needs"
    verbose_name = "需求与服务"
