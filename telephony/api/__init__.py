"""A business's phone numbers, for its owners, managers and staff."""
