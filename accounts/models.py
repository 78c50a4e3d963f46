"""Per-user authentication state kept beside Django's User (which PanBot does not replace)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuthState(models.Model):
    """A user's token version: bumping it revokes every refresh token they hold (no row means version 0)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="auth_state"
    )
    token_version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "authentication state"

    def __str__(self) -> str:
        return f"{self.user_id} v{self.token_version}"
