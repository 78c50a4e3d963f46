"""Create or refresh the demo restaurants, numbers and logins (development only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analytics.demo import DEMO_DAYS, seed_calls
from orders.demo import seed_menus
from panbot.phone import format_international
from panbot.tenancy import runs_platform_wide
from reservations.demo import seed_reservation_settings
from restaurants.demo import seed_businesses, seed_faq
from telephony.demo import seed_numbers


class Command(BaseCommand):
    help = (
        "Create the demo restaurants, phone numbers, menus, FAQ, booking rules and logins. "
        "Idempotent. Refused when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-calls", action="store_true", help="Skip the generated call history (and its orders and bookings)."
        )

    @runs_platform_wide  # an operator's command: every tenant's rows (panbot.tenancy)
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates logins with published passwords; it runs only with DEBUG=true.")
        businesses, logins, stakeholder = seed_businesses()
        numbers = seed_numbers(businesses=businesses, by=stakeholder)
        menu_items = seed_menus(businesses=businesses)
        faq = seed_faq(businesses=businesses)
        booking_rules = seed_reservation_settings(businesses=businesses)
        calls_added = 0 if options["no_calls"] else seed_calls(businesses=businesses)

        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write("\nPhone numbers:")
        for n in numbers:
            holder = n.business.name if n.business_id else "unassigned pool"
            self.stdout.write(
                f"  {format_international(n.number):<18} {n.label:<14} {holder} (limit {n.max_concurrent_calls})"
            )
        self.stdout.write("\nMenus, FAQ and booking rules:")
        for slug, business in businesses.items():
            faq_count = sum(1 for entry in faq if entry.business_id == business.pk)
            rules = next(r for r in booking_rules if r.business_id == business.pk)
            self.stdout.write(
                f"  {business.name:<20} {menu_items[slug]} menu items, {faq_count} FAQ entries, "
                f"{rules.seats_per_slot} seats, parties up to {rules.max_party_size}"
            )
        if not options["no_calls"]:
            self.stdout.write(
                f"\nCall history: {calls_added} calls added for the last {DEMO_DAYS} days (with rollups)."
            )
        self.stdout.write("\nDevelopment logins (admin at /admin/ for the stakeholder):")
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.password:<28} {login.role}")
