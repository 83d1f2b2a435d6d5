from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "gonghui.meetings"
    label = "meetings"
    verbose_name = "沟通会"
