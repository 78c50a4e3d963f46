"""Demo restaurants and their people (used by `manage.py seed_demo`; idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts import services as accounts_services
from restaurants import services
from restaurants.models import Business, FaqEntry, Membership


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
    user = get_user_model().objects.filter(username=login.username).first() or get_user_model()(username=login.username)
    user.is_staff = is_staff
    user.is_active = True
    if not user.check_password(login.password):  # an unchanged password keeps the demo users' sessions
        user.set_password(login.password)
    return accounts_services.user_save(user=user)


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


FAQ = {
    "trattoria-da-mario": [
        ("Do you have gluten-free options?",
         "Any pasta dish can be made with gluten-free pasta for 2 euros more. Our pizza dough contains gluten, "
         "so we cannot make a gluten-free pizza."),
        ("Is there parking nearby?",
         "We have no parking of our own; the Sant'Ambrogio garage is a five-minute walk away."),
        ("Can I bring my dog?", "Yes, well-behaved dogs are welcome inside and on the terrace."),
        ("Do you have vegetarian or vegan dishes?",
         "Yes: Margherita, Marinara and Penne all'arrabbiata are vegetarian; Marinara and the arrabbiata are vegan."),
        ("Do you deliver?", "We do not deliver. Order by phone and pick it up at the restaurant."),
        ("Which payment methods do you accept?", "Cash, all major credit and debit cards, and contactless."),
        ("Do you have high chairs for children?", "Yes, we have high chairs; mention it when you book."),
    ],
    "sushi-zen": [
        ("Do you have vegetarian sushi?", "Yes, ask for our avocado, cucumber and pickled radish maki."),
        ("Do you deliver?", "No, we only serve at the restaurant and for pickup."),
        ("Is your fish fresh?", "Our fish arrives every morning and is blast-frozen as the law requires for raw fish."),
    ],
}  # fmt: skip


@transaction.atomic
def seed_faq(*, businesses: dict[str, Business]) -> list[FaqEntry]:
    """Create or restore the demo FAQ entries (idempotent: matched by question)."""
    entries = []
    for slug, rows in FAQ.items():
        for position, (question, answer) in enumerate(rows):
            entry = FaqEntry.objects.filter(business=businesses[slug], question=question).first() or FaqEntry(
                business=businesses[slug], question=question
            )
            entry.answer = answer
            entry.position = position
            entry.is_active = True
            entries.append(services.faq_entry_save(entry=entry))
    return entries
