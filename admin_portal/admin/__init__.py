"""Stakeholder admin registrations (autodiscovered by django.contrib.admin)."""

from admin_portal.admin import businesses, calls, numbers, trunks, users  # noqa: F401
