"""A business's table bookings, for its staff."""
