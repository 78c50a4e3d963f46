"""Django's changepassword, which also revokes the user's tokens (their refresh tokens stop working at once)."""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.db import transaction

from accounts import services


class Command(changepassword.Command):
    def handle(self, *args, **options):
        # Django's command prompts, validates and saves the password; the bump joins its
        # transaction, so a password never changes without the old sessions ending.
        with transaction.atomic(using=options["database"]):
            result = super().handle(*args, **options)
            username = options["username"] or getpass.getuser()
            User = get_user_model()
            user = User._default_manager.using(options["database"]).get(**{User.USERNAME_FIELD: username})
            services.token_version_bump(user_id=user.pk)
        return result
