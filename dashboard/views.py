"""Page shells. They hold no tenant data: each page's script signs in (dashboard/session.py) and reads
everything it shows from /api/v1/, which decides who may see what. A shell for a business the user does
not belong to renders like any other and then shows "not found", because the API answers 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dashboard.strings import js_strings
from restaurants.agent_config import LANGUAGE_CHOICES


class PageView(TemplateView):
    """A dashboard page in the visitor's language (language cookie, then Accept-Language)."""

    page = ""
    title = ""
    http_method_names = ["get", "head"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()  # inside the override: the template is translated now
            response.headers.setdefault("Content-Language", language)
            response.headers["Cache-Control"] = "no-store"
            return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            page=self.page,
            page_title=self.title,
            business_id=kwargs.get("business_id"),
            js_strings=js_strings(),
            languages=settings.LANGUAGES,
        )
        return context


class SignInView(PageView):
    template_name = "dashboard/signin.html"
    page = "signin"


class HomeView(PageView):
    """Signs in from the cookie and sends the user to their business's first page (or asks which business)."""

    template_name = "dashboard/home.html"
    page = "home"


class BoardView(PageView):
    """Staff's order board: the live feed's orders by status, alerts for new ones."""

    template_name = "dashboard/board.html"
    page = "board"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            ack_seconds=settings.ORDER_ACK_ALERT_SECONDS,
            columns=[
                ("new", _("New")),
                ("accepted", _("Accepted")),
                ("preparing", _("Preparing")),
                ("ready", _("Ready")),
            ],
            reject_reasons=[_("Too busy right now"), _("An item is not available"), _("We are closing")],
            **kwargs,
        )


class TodayView(PageView):
    template_name = "dashboard/today.html"
    page = "today"


class MenuView(PageView):
    template_name = "dashboard/menu.html"
    page = "menu"


class MenuItemView(PageView):
    """One item of the menu with its groups of options, to change or (without an id) to add. Managers and owners."""

    template_name = "dashboard/menu_item.html"
    page = "menu"


class NumbersView(PageView):
    template_name = "dashboard/numbers.html"
    page = "numbers"


class NumberDetailView(PageView):
    template_name = "dashboard/number_detail.html"
    page = "numbers"


class ReservationsView(PageView):
    """Staff's day of bookings by time slot: covers, a booking taken by phone, seat / no-show / cancel."""

    template_name = "dashboard/reservations.html"
    page = "reservations"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            cancel_reasons=[_("The guest called to cancel"), _("Booked by mistake"), _("We cannot seat them")],
            **kwargs,
        )


class SettingsView(PageView):
    """Managers' and owners' settings: profile, agent, hours, closures, rules, FAQ; members for owners."""

    template_name = "dashboard/settings.html"
    page = "settings"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            agent_languages=[code for code, _label in LANGUAGE_CHOICES],
            reservation_fields=[
                ("slot_minutes", _("Booking every (minutes)")),
                ("seats_per_slot", _("Seats")),
                ("max_party_size", _("Largest party")),
                ("dining_minutes", _("A table is kept for (minutes)")),
                ("lead_minutes", _("Notice needed (minutes)")),
                ("horizon_days", _("Bookings up to (days ahead)")),
                ("last_seating_minutes", _("Last booking before closing (minutes)")),
            ],
            **kwargs,
        )


class CallsView(PageView):
    """The call history: filters, "load more", and the CSV of the same calls. Managers and owners."""

    template_name = "dashboard/calls.html"
    page = "calls"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # What the outcome filter offers: (value, label); the value is "status" or "status:reason".
        outcomes = [
            ("completed", _("Answered")),
            ("completed:transferred", _("Answered, transferred to staff")),
            ("rejected", _("Lost (refused)")),
            ("rejected:number_busy", _("Lost: number at its call limit")),
            ("rejected:business_busy", _("Lost: restaurant at its call limit")),
            ("completed:worker_full", _("Lost: assistant overloaded")),
            ("failed", _("Failed")),
        ]
        return super().get_context_data(outcomes=outcomes, **kwargs)


class CallDetailView(PageView):
    """One call: its conversation, the tools the assistant used, and the orders and bookings it made."""

    template_name = "dashboard/call_detail.html"
    page = "calls"


class AnalyticsView(PageView):
    """Charts of a date range against the one before it. Managers and owners."""

    template_name = "dashboard/analytics.html"
    page = "analytics"
