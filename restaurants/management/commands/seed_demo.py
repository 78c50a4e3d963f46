"""Create or refresh the demo restaurants, numbers and logins (development only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panbot.phone import format_international
from restaurants.demo import seed_businesses
from telephony.demo import seed_numbers


class Command(BaseCommand):
    help = "Create the demo restaurants, phone numbers and logins. Idempotent. Refused when DEBUG is off."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates logins with published passwords; it runs only with DEBUG=true.")
        businesses, logins, stakeholder = seed_businesses()
        numbers = seed_numbers(businesses=businesses, by=stakeholder)

        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write("\nPhone numbers:")
        for n in numbers:
            holder = n.business.name if n.business_id else "unassigned pool"
            self.stdout.write(
                f"  {format_international(n.number):<18} {n.label:<14} {holder} (limit {n.max_concurrent_calls})"
            )
        self.stdout.write("\nDevelopment logins (admin at /admin/ for the stakeholder):")
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.password:<28} {login.role}")
