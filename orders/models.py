"""Menu and orders (models arrive with the orders issue)."""
