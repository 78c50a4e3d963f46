"""The tenant rule every business endpoint follows (`tenancy`); the restaurants' own endpoints join here."""
