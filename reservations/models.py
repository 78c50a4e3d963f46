"""Reservation settings and bookings (models arrive with the reservations issue)."""
