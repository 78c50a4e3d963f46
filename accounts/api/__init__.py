"""Logging in, refreshing, logging out, and `me`."""
