"""Add a print agent to a business and print its device token (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from panbot.tenancy import business_scope
from printing.services import print_agent_create
from restaurants.models import Business


class Command(BaseCommand):
    help = "Add a print agent for a business (by slug) and print its device token; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--business", required=True, help="The business's slug.")
        parser.add_argument("--name", default="Print agent", help="What to call the machine, e.g. 'Kitchen PC'.")

    def handle(self, *args: Any, **options: Any) -> None:
        business = Business.objects.filter(slug=options["business"]).first()
        if business is None:
            raise CommandError(f"No business with the slug {options['business']!r}.")
        try:
            with business_scope(business.pk):  # the agent is this business's (panbot.tenancy)
                agent, token = print_agent_create(business_id=business.pk, name=options["name"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Print agent {agent.name!r} for {business.name}. Its device token (shown only now):")
        self.stdout.write(token)
