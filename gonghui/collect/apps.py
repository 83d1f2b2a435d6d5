from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "gonghui.collect"
    label = "collect"
    verbose_name = "现场采集"
