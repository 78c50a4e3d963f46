"""Demo booking rules (used by `manage.py seed_demo`; idempotent)."""

from __future__ import annotations

from django.db import transaction

from reservations.models import ReservationSettings
from reservations.services import reservation_settings_save
from restaurants.models import Business

# Da Mario opens 12:00-15:00 and 19:00-23:00: the last seating 30 minutes before closing gives
# bookable starts 12:00-14:30 and 19:00-22:30, every 30 minutes, 40 seats, parties up to 8.
RESERVATION_SETTINGS = {
    "trattoria-da-mario": {"accepting_reservations": True, "slot_minutes": 30, "seats_per_slot": 40,
                           "max_party_size": 8, "dining_minutes": 90, "lead_minutes": 60, "horizon_days": 60,
                           "last_seating_minutes": 30, "auto_confirm": True},
    # Sushi Zen's counter is small and its staff confirm each booking themselves.
    "sushi-zen": {"accepting_reservations": True, "slot_minutes": 30, "seats_per_slot": 20, "max_party_size": 6,
                  "dining_minutes": 90, "lead_minutes": 120, "horizon_days": 30, "last_seating_minutes": 60,
                  "auto_confirm": False},
}  # fmt: skip


@transaction.atomic
def seed_reservation_settings(*, businesses: dict[str, Business]) -> list[ReservationSettings]:
    seeded = []
    for slug, fields in RESERVATION_SETTINGS.items():
        business = businesses[slug]
        settings = ReservationSettings.objects.filter(business=business).first() or ReservationSettings(
            business=business
        )
        for field, value in fields.items():
            setattr(settings, field, value)
        seeded.append(reservation_settings_save(settings=settings))
    return seeded
