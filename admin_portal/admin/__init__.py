"""Stakeholder admin registrations (autodiscovered by django.contrib.admin)."""

from admin_portal.admin import (  # noqa: F401
    businesses,
    calls,
    knowledge,
    menus,
    numbers,
    orders,
    printing,
    reservations,
    trunks,
    users,
)
