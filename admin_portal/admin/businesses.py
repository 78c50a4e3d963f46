"""Businesses (tenants) with their memberships, hours and closures."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from admin_portal.site import StakeholderPermissions
from restaurants import services
from restaurants.models import Business, Closure, Membership, OpeningHours


class MembershipInline(StakeholderPermissions, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role"]


class OpeningHoursFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return  # each bad row shows its own error; overlaps are checked once every row is valid
        periods = [
            (form.cleaned_data["weekday"], form.cleaned_data["opens_at"], form.cleaned_data["closes_at"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.validate_hours(periods)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class OpeningHoursInline(StakeholderPermissions, admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0
    fields = ["weekday", "opens_at", "closes_at"]


class ClosureInline(StakeholderPermissions, admin.TabularInline):
    model = Closure
    extra = 0
    fields = ["date", "reason"]


@admin.register(Business)
class BusinessAdmin(StakeholderPermissions, admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "max_concurrent_calls", "number_count", "live_calls", "timezone"]
    list_filter = ["is_active", "default_language"]
    search_fields = ["name", "slug", "address"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, OpeningHoursInline, ClosureInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "max_concurrent_calls"]}),
        ("Contact", {"fields": ["public_phone", "address", "timezone", "currency"]}),
        (
            "Agent defaults (each number may override these)",
            {
                "fields": [
                    "default_language", "other_languages", "agent_greeting", "agent_system_prompt", "agent_voice",
                    "max_call_minutes", "overflow_action", "overflow_message", "transfer_number",
                ]
            },
        ),
    ]  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(num_numbers=Count("sip_numbers", distinct=True), num_live=Count("active_calls", distinct=True))
        )

    def has_delete_permission(self, request, obj=None):
        return False  # calls, orders and history hang off a business; deactivate it instead

    @admin.display(description="numbers", ordering="num_numbers")
    def number_count(self, obj: Business) -> int:
        return obj.num_numbers

    @admin.display(description="live calls", ordering="num_live")
    def live_calls(self, obj: Business) -> int:
        return obj.num_live

    def save_model(self, request, obj, form, change):
        services.business_save(business=obj)

    def save_formset(self, request, form, formset, change):
        business = form.instance
        # commit=False: nothing is written here, but the admin's change message needs the formset's bookkeeping.
        instances = formset.save(commit=False)
        if formset.model is OpeningHours:
            services.opening_hours_replace(
                business=business,
                periods=[
                    (f.cleaned_data["weekday"], f.cleaned_data["opens_at"], f.cleaned_data["closes_at"])
                    for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ],
            )
            return
        for obj in formset.deleted_objects:
            if isinstance(obj, Membership):
                services.membership_remove(membership=obj)
            else:
                services.closure_remove(closure=obj)
        for obj in instances:
            if isinstance(obj, Membership):
                services.membership_save(membership=obj)
            else:
                services.closure_save(closure=obj)
