"""Phone numbers: the pool, their holders, assignment history and live load."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from admin_portal.forms import AssignNumbersForm
from admin_portal.site import ReadOnlyPermissions, StakeholderPermissions
from panbot.phone import format_international, to_e164
from telephony import services
from telephony.edge.capacity import platform_capacity
from telephony.models import NumberAssignment, SipNumber


class NumberAssignmentInline(ReadOnlyPermissions, admin.TabularInline):
    model = NumberAssignment
    fk_name = "sip_number"
    extra = 0
    can_delete = False
    fields = ["business", "assigned_at", "assigned_by", "ended_at", "ended_by"]
    readonly_fields = fields
    verbose_name_plural = "assignment history"


class AssignedFilter(admin.SimpleListFilter):
    title = "assignment"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("yes", "Assigned"), ("no", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(business__isnull=False)
        if self.value() == "no":
            return queryset.filter(business__isnull=True)
        return queryset


@admin.register(SipNumber)
class SipNumberAdmin(StakeholderPermissions, admin.ModelAdmin):
    list_display = ["display_number", "label", "business", "is_active", "max_concurrent_calls", "live_calls", "trunk"]
    list_filter = [AssignedFilter, "is_active", "business", "trunk"]
    list_select_related = ["business", "trunk"]
    search_fields = ["number", "label", "business__name"]
    inlines = [NumberAssignmentInline]
    actions = ["assign_to_business", "unassign"]

    change_list_template = "admin_portal/numbers_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # The stakeholder sees, above every tenant's numbers, whether the media range carries them all.
        extra_context = {**(extra_context or {}), "capacity": platform_capacity()}
        return super().changelist_view(request, extra_context=extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SipNumber]:
        return super().get_queryset(request).annotate(live_call_count=Count("active_calls", distinct=True))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["number", "label", "business", "trunk", "is_active", "max_concurrent_calls", "config_override"]
        return [
            "number", "business", "assigned_at", "assigned_by",
            "label", "trunk", "is_active", "max_concurrent_calls", "config_override",
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        # The number is the row's identity; the holder changes only through the actions (with history).
        return ["number", "business", "assigned_at", "assigned_by"] if obj else []

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        e164 = to_e164(search_term.strip())
        if e164:  # "055 1234567" finds +390551234567
            results |= queryset.filter(number=e164)
        return results, may_have_duplicates

    def has_delete_permission(self, request, obj=None):
        return False  # numbers keep their history; deactivate instead

    @admin.display(description="number", ordering="number")
    def display_number(self, obj: SipNumber) -> str:
        return format_international(obj.number)

    @admin.display(description="live calls", ordering="live_call_count")
    def live_calls(self, obj: SipNumber) -> int:
        return obj.live_call_count

    def save_model(self, request, obj, form, change):
        if change:
            services.number_update(sip_number=obj, by=request.user, **{f: getattr(obj, f) for f in form.changed_data})
            return
        created = services.number_create(
            number=obj.number,
            by=request.user,
            label=obj.label,
            business=obj.business,
            trunk=obj.trunk,
            is_active=obj.is_active,
            max_concurrent_calls=obj.max_concurrent_calls,
            config_override=obj.config_override,
        )
        obj.pk = created.pk  # the admin redirects and logs with the saved row's key

    @admin.action(description="Assign or reassign selected numbers to a business…")
    def assign_to_business(self, request: HttpRequest, queryset: QuerySet[SipNumber]):
        form = AssignNumbersForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            business = form.cleaned_data["business"]
            for sip_number in queryset:
                services.number_assign(sip_number=sip_number, business=business, by=request.user)
            self.message_user(request, f"{queryset.count()} number(s) now answer for {business}.", messages.SUCCESS)
            return None
        return self._confirm(request, queryset, "assign_to_business", "Assign numbers to a business", form)

    @admin.action(description="Unassign selected numbers (back to the pool)…")
    def unassign(self, request: HttpRequest, queryset: QuerySet[SipNumber]):
        if "apply" in request.POST:
            count = 0
            for sip_number in queryset:
                if sip_number.business_id is not None:
                    services.number_unassign(sip_number=sip_number, by=request.user)
                    count += 1
            self.message_user(request, f"{count} number(s) returned to the pool.", messages.SUCCESS)
            return None
        return self._confirm(request, queryset, "unassign", "Unassign numbers", None)

    def _confirm(self, request, queryset, action: str, title: str, form):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "numbers": queryset.select_related("business").annotate(
                live_call_count=Count("active_calls", distinct=True)
            ),
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin_portal/numbers_confirm.html", context)
