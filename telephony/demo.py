"""Demo trunk and phone numbers (used by `manage.py seed_demo`; idempotent)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from restaurants.models import Business
from telephony import services
from telephony.models import PbxTrunk, SipNumber

TRUNK = {"name": "Demo PBX (Yeastar P550)", "allowed_addresses": ["192.0.2.10/32"], "default_region": "IT"}

# (number, business slug or None for the pool, label, limit, config_override)
NUMBERS = [
    ("+390551234567", "trattoria-da-mario", "Orders", 2, {}),
    (
        "+390551234568",
        "trattoria-da-mario",
        "Reservations",
        1,
        {"greeting": "Trattoria Da Mario, prenotazioni: come posso aiutarla?", "overflow_action": "message",
         "overflow_message": "Tutte le linee sono occupate, la preghiamo di richiamare tra qualche minuto."},
    ),
    ("+390557654321", "sushi-zen", "Main line", 1, {}),
    ("+390551234569", None, "Pool", 1, {}),
]  # fmt: skip


@transaction.atomic
def seed_numbers(*, businesses: dict[str, Business], by: Any) -> list[SipNumber]:
    trunk = PbxTrunk.objects.filter(name=TRUNK["name"]).first() or PbxTrunk(name=TRUNK["name"])
    trunk.allowed_addresses = TRUNK["allowed_addresses"]
    trunk.default_region = TRUNK["default_region"]
    services.trunk_save(trunk=trunk)
    numbers = []
    for number, slug, label, limit, override in NUMBERS:
        settings = {"label": label, "trunk": trunk, "is_active": True, "max_concurrent_calls": limit,
                    "config_override": override}  # fmt: skip
        sip_number = SipNumber.objects.filter(number=number).first()
        if sip_number is None:
            sip_number = services.number_create(number=number, by=by, **settings)
        else:
            sip_number = services.number_update(sip_number=sip_number, by=by, **settings)
        if slug is None:
            sip_number = services.number_unassign(sip_number=sip_number, by=by)
        else:
            sip_number = services.number_assign(sip_number=sip_number, business=businesses[slug], by=by)
        numbers.append(sip_number)
    return numbers
