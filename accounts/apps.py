from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Registers the bearer-token security scheme with drf-spectacular.
        from accounts import authentication  # noqa: F401
