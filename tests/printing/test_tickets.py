"""Tickets: the text preview is the golden layout, and the ESC/POS bytes print exactly that text."""

from __future__ import annotations

import pytest

from orders.services import order_place
from printing import tickets
from tests.printing.conftest import decode_escpos

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(business, menu, at, taking_orders):
    business.name, business.address, business.public_phone = (
        "Trattoria Da Mario",
        "Via Roma 1, Firenze",
        "+390551234567",
    )
    business.save()
    at(2026, 6, 13, 18, 0)
    return order_place(
        business=business,
        items=[
            {"item_id": menu.margherita.pk, "quantity": 2, "modifier_ids": [menu.maxi.pk, menu.burrata.pk],
             "notes": "ben cotta"},
            {"item_id": menu.tiramisu.pk, "quantity": 1},
        ],
        customer_name="Giulia Rossi",
        customer_phone="333 123 4567",
        notes="Allergia alle noci: niente frutta secca",
    )  # fmt: skip


KITCHEN_80 = """\
               ORDINE TELEFONICO
           #1
               Ritiro 13/06 19:20
                  Giulia Rossi
------------------------------------------------
2 x Margherita
   Size: Maxi
   Extra toppings: Burrata
!  ben cotta
1 x Tiramisù
------------------------------------------------
! NOTE: Allergia alle noci: niente frutta secca
------------------------------------------------
              Stampato 13/06 18:00
"""

RECEIPT_58 = """\
       Trattoria Da Mario
      Via Roma 1, Firenze
        +39 055 123 4567
--------------------------------
Ordine #1 - 13/06 18:00
Ritiro 13/06 19:20 - Giulia
   Rossi
--------------------------------
2 x Margherita           30,00 ?
   Maxi                  +4,00 ?
   Burrata               +3,00 ?
1 x Tiramisù              6,00 ?
--------------------------------
Subtotale                36,00 ?
TOTALE                   36,00 ?
--------------------------------
            Grazie!
"""


def test_kitchen_ticket_80mm_golden(order):
    lines = tickets.kitchen_ticket(order)
    assert tickets.preview(lines, paper_width_mm=80, code_page="CP858") == KITCHEN_80


def test_receipt_58mm_in_a_code_page_without_euro_or_u_grave(order):
    # CP437 has no €: the preview shows the "?" the printer prints (and wraps what does not fit).
    lines = tickets.receipt(order)
    assert tickets.preview(lines, paper_width_mm=58, code_page="CP437") == RECEIPT_58


@pytest.mark.parametrize("code_page", ["CP858", "CP850", "CP437", "CP1252"])
@pytest.mark.parametrize("width", [58, 80])
@pytest.mark.parametrize("build", [tickets.kitchen_ticket, tickets.receipt])
def test_escpos_bytes_print_exactly_the_preview(order, build, width, code_page):
    lines = build(order)
    data = tickets.escpos(lines, paper_width_mm=width, code_page=code_page)
    assert decode_escpos(data, code_page) == tickets.preview(lines, paper_width_mm=width, code_page=code_page)


def test_accented_text_uses_the_printers_code_page(order):
    data = tickets.escpos(tickets.receipt(order), paper_width_mm=80, code_page="CP858")
    assert b"\x1bt\x13" in data  # ESC t 19: CP858 selected before any text
    assert "Tiramisù".encode("cp858") in data and "€".encode("cp858") in data
    assert b"\x1dV" in data  # the ticket is cut


def test_every_line_fits_the_paper(order):
    for width, columns in ((58, 32), (80, 48)):
        for build in (tickets.kitchen_ticket, tickets.receipt):
            text = tickets.preview(build(order), paper_width_mm=width, code_page="CP858")
            assert max(len(row) for row in text.splitlines()) <= columns


def test_kitchen_ticket_in_english_and_marked_as_a_reprint(order):
    order.business.default_language = "en"
    text = tickets.preview(tickets.kitchen_ticket(order, reprint=True), paper_width_mm=80, code_page="CP858")
    assert "PHONE ORDER" in text and "REPRINT" in text and "Pickup 13/06 19:20" in text
    assert "! NOTES: Allergia" in text


def test_notes_and_allergies_print_inverted_and_bold(order):
    note = next(
        line for line in tickets.kitchen_ticket(order) if isinstance(line, tickets.Line) and "NOTE" in line.text
    )
    assert note.inverted and note.bold
    data = tickets.escpos(tickets.kitchen_ticket(order), paper_width_mm=80, code_page="CP858")
    before_note = data[: data.index(b"! NOTE")]
    assert before_note.rfind(b"\x1dB\x01") > before_note.rfind(b"\x1dB\x00")  # white on black when it prints


@pytest.mark.parametrize("injected", ["\x1dV\x00", "\x1bp\x00\x19\xfa", "\x10\x14\x01\x00\x05", "\x7f\x1b@"])
def test_control_characters_in_a_customers_text_never_reach_the_printer(order, injected):
    from orders.models import Order

    # In memory (PostgreSQL refuses NUL in text; other control characters could come from any writer).
    placed = Order.objects.prefetch_related("lines__modifiers").get(pk=order.pk)
    placed.notes, placed.customer_name = f"senza{injected}cipolla", f"Giulia{injected}"
    for line in placed.lines.all():
        line.notes = f"ben{injected}cotta"
    for build in (tickets.kitchen_ticket, tickets.receipt):
        lines = build(placed)
        data = tickets.escpos(lines, paper_width_mm=80, code_page="CP858")
        assert b"\x1bp" not in data and b"\x10\x14" not in data and b"\x7f" not in data
        assert data.count(b"\x1dV") == 1  # only the ticket's own cut, at the end
        text = decode_escpos(data, "cp858")  # raises on any command the layout does not emit
        preview = tickets.preview(lines, paper_width_mm=80, code_page="CP858")
        assert text == preview  # the preview shows what prints
        assert not any(ord(c) < 0x20 and c != "\n" for c in preview)
        assert "Giulia" in preview
    kitchen = tickets.preview(tickets.kitchen_ticket(placed), paper_width_mm=80, code_page="CP858")
    assert "senza" in kitchen and "cipolla" in kitchen and "ben" in kitchen
