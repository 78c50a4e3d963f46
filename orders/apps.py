from django.apps import AppConfig
from django.db.backends.signals import connection_created


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from panbot.search import set_trigram_threshold

        # Once per connection rather than once per lookup: a search then costs no extra round trip.
        connection_created.connect(set_trigram_threshold, dispatch_uid="panbot-trigram-threshold")
