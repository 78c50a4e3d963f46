"""Logging in with a username or an e-mail address (the API's token endpoint and the admin)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.selectors import user_by_login


class UsernameOrEmailBackend(ModelBackend):
    """Django's ModelBackend, also finding the user by e-mail address (case-insensitive).

    A username wins over an e-mail address; an address several users share logs nobody in.
    """

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        User = get_user_model()
        login = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not login or password is None:
            return None
        user = user_by_login(login, active_only=False)  # an inactive user is refused below, after the check
        if user is None:
            User().set_password(password)  # as long as a real check, so timing does not tell who exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
