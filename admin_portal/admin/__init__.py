"""Stakeholder admin registrations (autodiscovered by django.contrib.admin)."""

from admin_portal.admin import businesses, calls, knowledge, menus, numbers, orders, reservations, trunks, users  # noqa: F401
