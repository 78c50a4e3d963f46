"""Done when: an order taken by the voice agent (`simulate_call --script`) prints its kitchen ticket once."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from printing import services
from printing.models import Printer, PrintJob
from restaurants.models import Business
from tests.printing.conftest import decode_escpos

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "simulate" / "order_pizza.json"


def test_a_phone_order_prints_one_kitchen_ticket(settings, at, fake_printer):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    trattoria = Business.objects.get(slug="trattoria-da-mario")
    services.printer_save(printer=Printer(business=trattoria, name="Cucina", host="127.0.0.1", port=fake_printer.port))
    at(2026, 6, 13, 19, 30)

    call_command("simulate_call", "--to", "+39 055 123 4567", "--script", str(SCRIPT), stdout=io.StringIO())

    (data,) = fake_printer.wait_for_jobs(1)
    text = decode_escpos(data, "cp858")
    assert "ORDINE TELEFONICO" in text and "#1" in text and "Rossi" in text
    assert "1 x Margherita" in text and "Size: Maxi" in text
    time.sleep(0.3)
    assert len(fake_printer.jobs) == 1
    assert list(PrintJob.objects.values_list("kind", "status", "attempts")) == [("kitchen", "printed", 1)]
