from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "gonghui.cards"
    label = "cards"
    verbose_name = "互助服务卡"
