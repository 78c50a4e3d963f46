"""Platform users: stakeholders create the logins of restaurant owners and staff here."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group, User

from accounts import services
from admin_portal.site import StakeholderPermissions

PRIVILEGED_FIELDS = ("is_superuser", "groups", "user_permissions")

# django.contrib.auth registered its own admins on this site; PanBot does not use groups.
admin.site.unregister(User)
admin.site.unregister(Group)


class PasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form of a user, through the service that ends their sessions."""

    def save(self, commit: bool = True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        return services.user_password_set(user=self.user, password=password)


@admin.register(User)
class PlatformUserAdmin(StakeholderPermissions, UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active"]
    change_password_form = PasswordChangeForm

    def save_model(self, request, obj, form, change):
        # Deactivating a user, or changing their stakeholder flag, ends their API sessions.
        services.user_save(user=obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += PRIVILEGED_FIELDS  # only superusers hand out superuser powers
        return readonly

    def has_change_permission(self, request, obj=None):
        # A stakeholder who could change a superuser (their password, say) could become one.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)
