from django.apps import AppConfig


class PanbotConfig(AppConfig):
    name = "panbot"
    verbose_name = "Platform"
