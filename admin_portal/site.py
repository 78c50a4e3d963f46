"""The stakeholder's admin site: platform operators (Django staff users) only."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse
from django.urls import reverse

from accounts import services
from admin_portal.forms import JSONField
from panbot.tenancy import platform_wide


def is_stakeholder(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


class OwnPasswordChangeForm(AdminPasswordChangeForm):
    """A stakeholder changing their own password, through the service that ends their other sessions."""

    def save(self, commit: bool = True):
        return services.user_password_set(user=self.user, password=self.cleaned_data["new_password1"])


class PanBotAdminSite(admin.AdminSite):
    """Every tenant's numbers, businesses and live calls, for the platform's operators."""

    site_header = "PanBot operations"
    site_title = "PanBot operations"
    index_title = "Numbers, restaurants and live calls"

    def has_permission(self, request: HttpRequest) -> bool:
        # Restaurant users (owners, managers, staff) are never Django staff; they use the dashboard.
        return is_stakeholder(request)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        # Every tenant's rows, by design (panbot.tenancy): the view runs platform-wide once
        # AdminSite's wrapper has let a stakeholder through, and its page is rendered there too
        # (a TemplateResponse renders after the view returns, and its forms read querysets).
        @functools.wraps(view)
        def platform_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with platform_wide():
                response = view(request, *args, **kwargs)
                if isinstance(response, SimpleTemplateResponse):
                    response.render()
                return response

        return super().admin_view(platform_view, cacheable)

    def password_change(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # AdminSite's own view with our form: Django 5.2 offers no setting for it.
        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=OwnPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
            **({"template_name": self.password_change_template} if self.password_change_template else {}),
        )(request)


class StakeholderPermissions:
    """Stakeholders may do everything a model admin allows; nobody else may do anything.

    Every admin of the site derives from it, so it also carries the site's form-field choices.
    """

    # Deeply nested JSON is a form error, not a 500 (see admin_portal.forms.JSONField).
    formfield_overrides = {models.JSONField: {"form_class": JSONField}}

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_stakeholder(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_stakeholder(request)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return is_stakeholder(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_stakeholder(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_stakeholder(request)


class ReadOnlyPermissions(StakeholderPermissions):
    """Visible to stakeholders, written only by the platform itself (calls, history)."""

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
