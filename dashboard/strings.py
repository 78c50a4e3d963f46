"""The sentences the dashboard's scripts show, translated on the server and handed to them in the page."""

from __future__ import annotations

from django.utils.translation import gettext as _


def js_strings() -> dict[str, str]:
    return {
        "loading": _("Loading…"),
        "error": _("Something went wrong. Try again in a moment."),
        "retry": _("Try again"),
        "offline": _("Offline — reconnecting…"),
        "back_online": _("Back online."),
        "not_found": _("This page does not exist, or it belongs to a business you are not a member of."),
        "forbidden": _("Your role in this business does not include this page."),
        "signed_out": _("You have been signed out. Sign in again to continue."),
        "bad_credentials": _("Wrong username or password."),
        "throttled": _("Too many failed attempts. Try again in a few minutes."),
        "no_numbers": _("This business has no phone numbers yet. Ask the PanBot operator to assign one."),
        "active": _("Active"),
        "inactive": _("Inactive"),
        "edit": _("Edit"),
        "updated_at": _("Updated %(time)s"),
        "live_of": _("%(live)s of %(limit)s"),
        "at_limit": _("At its limit: more callers get the overflow answer."),
        "saved": _("Saved."),
        "save_failed": _("Not saved: check the highlighted fields."),
        "from_number": _("this number"),
        "from_business": _("restaurant default"),
        "default_value": _("Restaurant default: %(value)s"),
        "default_empty": _("Restaurant default: none"),
        "business_default_language": _("Restaurant default (%(language)s)"),
        "business_default": _("Restaurant default (%(value)s)"),
        "overflow_busy": _("Busy tone"),
        "overflow_message": _("Spoken message, then hang up"),
        "overflow_transfer": _("Transfer to a phone number"),
        "no_businesses": _("Your account is not a member of any business yet. Ask the owner to add you."),
        "choose_business": _("Choose a business"),
        "role_owner": _("Owner"),
        "role_manager": _("Manager"),
        "role_staff": _("Staff"),
    }
