"""Demo restaurants and their people (used by `manage.py seed_demo`; idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.contrib.auth import get_user_model
from django.db import transaction

from restaurants import services
from restaurants.models import Business, Membership


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


LUNCH = (time(12, 0), time(15, 0))
DINNER = (time(19, 0), time(23, 0))

BUSINESSES = [
    {
        "slug": "trattoria-da-mario",
        "name": "Trattoria Da Mario",
        "timezone": "Europe/Rome",
        "default_language": "it",
        "other_languages": ["en"],
        "public_phone": "+390552100000",
        "address": "Via dei Neri 12, 50122 Firenze FI, Italia",
        "max_concurrent_calls": 3,
        "agent_greeting": "Trattoria Da Mario, buongiorno! Pronto a prendere il suo ordine.",
        "agent_system_prompt": "Sei l'assistente telefonico di una trattoria toscana a conduzione familiare.",
        "agent_voice": "",
        "transfer_number": "+390552100001",
        # Closed on Mondays; lunch and dinner the other days.
        "hours": [(day, *period) for day in range(1, 7) for period in (LUNCH, DINNER)],
    },
    {
        "slug": "sushi-zen",
        "name": "Sushi Zen",
        "timezone": "Europe/Rome",
        "default_language": "it",
        "other_languages": ["en"],
        "public_phone": "+390552200000",
        "address": "Borgo San Frediano 40, 50124 Firenze FI, Italia",
        "max_concurrent_calls": 2,
        "agent_greeting": "Sushi Zen, buonasera! Come posso aiutarla?",
        "agent_system_prompt": "",
        "agent_voice": "",
        "transfer_number": "",
        "hours": [(day, time(18, 30), time(23, 30)) for day in range(7)],
    },
]

STAKEHOLDER = DemoLogin("stakeholder", "panbot-dev-stakeholder", "stakeholder")


def _user(login: DemoLogin, *, is_staff: bool = False):
    user, _ = get_user_model().objects.get_or_create(username=login.username)
    user.is_staff = is_staff
    user.is_active = True
    user.set_password(login.password)
    user.save()
    return user


@transaction.atomic
def seed_businesses() -> tuple[dict[str, Business], list[DemoLogin], object]:
    """The demo businesses by slug, the logins created, and the stakeholder user."""
    stakeholder = _user(STAKEHOLDER, is_staff=True)
    logins = [STAKEHOLDER]
    businesses = {}
    for spec in BUSINESSES:
        fields = {k: v for k, v in spec.items() if k not in {"slug", "hours"}}
        business = Business.objects.filter(slug=spec["slug"]).first() or Business(slug=spec["slug"])
        for field, value in fields.items():
            setattr(business, field, value)
        services.business_save(business=business)
        services.opening_hours_replace(business=business, periods=spec["hours"])
        short = spec["slug"].split("-")[0]
        for role in (Membership.Role.OWNER, Membership.Role.STAFF):
            login = DemoLogin(f"{role}-{short}", f"panbot-dev-{role}-{short}", f"{role} of {business.name}")
            services.membership_set(business=business, user=_user(login), role=role)
            logins.append(login)
        businesses[spec["slug"]] = business
    return businesses, logins, stakeholder
