"""Kitchen tickets, receipts and test pages: one layout, printed as ESC/POS bytes or shown as a text preview.

A ticket is a list of `Line`s. `preview()` gives exactly the characters the printer prints
(what the dashboard and the tests show); `escpos()` gives the bytes, built with python-escpos,
with the printer's code page so accented text prints as accented text. A character the code
page lacks prints as "?" in both.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from escpos.printer import Dummy  # type: ignore[import-untyped]  # python-escpos ships no type hints

from orders.models import Order, OrderChannel
from panbot.phone import format_international

# Characters per line in the printer's standard font (font A, 12x24 dots).
COLUMNS = {58: 32, 80: 48}

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Line:
    """One printed line: its text and how it stands out."""

    text: str = ""
    align: Align = "left"
    bold: bool = False
    big: bool = False  # double width and height: half the characters fit
    inverted: bool = False  # white on black: notes and allergies


RULE = "rule"

WORDS = {
    "en": {
        "phone": "PHONE ORDER", "staff": "COUNTER ORDER", "web": "WEB ORDER", "pickup": "Pickup",
        "notes": "NOTES", "printed": "Printed", "subtotal": "Subtotal", "total": "TOTAL", "order": "Order",
        "thanks": "Thank you!", "test": "TEST PAGE", "test_ok": "If you can read this, the printer works.",
        "reprint": "REPRINT",
    },
    "it": {
        "phone": "ORDINE TELEFONICO", "staff": "ORDINE AL BANCO", "web": "ORDINE WEB", "pickup": "Ritiro",
        "notes": "NOTE", "printed": "Stampato", "subtotal": "Subtotale", "total": "TOTALE", "order": "Ordine",
        "thanks": "Grazie!", "test": "PAGINA DI PROVA", "test_ok": "Se leggi questo, la stampante funziona.",
        "reprint": "RISTAMPA",
    },
}  # fmt: skip
CURRENCY_SIGNS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}


def _words(language: str) -> dict[str, str]:
    return WORDS.get(language.split("-")[0], WORDS["en"])


def _money(amount: Decimal, currency: str, language: str) -> str:
    text = f"{amount:.2f}"
    if language.startswith("it"):
        text = text.replace(".", ",")
    return f"{text} {CURRENCY_SIGNS.get(currency, currency)}"


def _when(moment: datetime, tz: object) -> str:
    return timezone.localtime(moment, tz).strftime("%d/%m %H:%M")  # type: ignore[arg-type]


def _columns(left: str, right: str, width: int) -> str:
    """`left` and `right` on one line, `left` cut to make room."""
    room = width - len(right) - 1
    return f"{left[:room]:<{room}} {right}"


def kitchen_ticket(order: Order, *, reprint: bool = False) -> list[Line | str]:
    """What the cooks need: the number big, when, what (with options and notes), nothing about money."""
    business = order.business
    words = _words(business.default_language)
    channel = words.get(order.channel if order.channel in (OrderChannel.PHONE, OrderChannel.STAFF) else "web", "")
    lines: list[Line | str] = [Line(channel, align="center", bold=True)]
    if reprint:
        lines.append(Line(words["reprint"], align="center", inverted=True))
    lines += [
        Line(f"#{order.ticket_number}", align="center", big=True),
        Line(f"{words['pickup']} {_when(order.pickup_at, business.tz)}", align="center", bold=True),
        Line(order.customer_name, align="center"),
        RULE,
    ]
    for line in order.lines.all():
        lines.append(Line(f"{line.quantity} x {line.name}", bold=True))
        for modifier in line.modifiers.all():
            lines.append(Line(f"   {modifier.group_name}: {modifier.name}"))
        if line.notes:
            lines.append(Line(f"!  {line.notes}", inverted=True))
    if order.notes:
        lines += [RULE, Line(f"! {words['notes']}: {order.notes}", bold=True, inverted=True)]
    lines += [RULE, Line(f"{words['printed']} {_when(timezone.now(), business.tz)}", align="center")]
    return lines


def receipt(order: Order, *, reprint: bool = False) -> list[Line | str]:
    """What the customer takes home: the business, the lines with prices and options, the totals."""
    business = order.business
    language, words = business.default_language, _words(business.default_language)
    lines: list[Line | str] = [Line(business.name, align="center", bold=True)]
    contact = (business.address, format_international(business.public_phone))
    lines += [Line(part, align="center") for part in contact if part]
    if reprint:
        lines.append(Line(words["reprint"], align="center", inverted=True))
    lines += [
        RULE,
        Line(f"{words['order']} #{order.ticket_number} - {_when(order.created_at, business.tz)}"),
        Line(f"{words['pickup']} {_when(order.pickup_at, business.tz)} - {order.customer_name}"),
        RULE,
    ]
    for line in order.lines.all():
        lines.append(Line(f"{line.quantity} x {line.name}\t{_money(line.line_total, order.currency, language)}"))
        for modifier in line.modifiers.all():
            delta = f"+{_money(modifier.price_delta, order.currency, language)}" if modifier.price_delta else ""
            lines.append(Line(f"   {modifier.name}\t{delta}"))
    lines += [
        RULE,
        Line(f"{words['subtotal']}\t{_money(order.subtotal, order.currency, language)}"),
        Line(f"{words['total']}\t{_money(order.total, order.currency, language)}", bold=True),
        RULE,
        Line(words["thanks"], align="center"),
    ]
    return lines


def sample_page(printer_name: str, business_name: str, language: str) -> list[Line | str]:
    words = _words(language)
    return [
        Line(words["test"], align="center", big=True),
        Line(business_name, align="center", bold=True),
        Line(printer_name, align="center"),
        RULE,
        Line(words["test_ok"]),
        Line("àèéìòù ÀÈÉÌÒÙ €"),
    ]


# C0 control characters and DEL: in a customer's note, "\x1dV\x00" would cut the paper and
# "\x1bp\x00" open the cash drawer. Line breaks and tabs become spaces, the others go.
_CONTROLS = {code: None for code in (*range(0x20), 0x7F)} | {ord(c): " " for c in "\t\n\r\v\f"}


def _plain(text: str) -> str:
    """The text without control characters: a ticket's text is printed, never obeyed."""
    return text.translate(_CONTROLS)


def _layout(lines: list[Line | str], width: int) -> list[Line]:
    """Rules drawn, two-column lines padded, long lines wrapped (big lines hold half as many characters).

    Every text is stripped of control characters here, so the preview and the bytes agree.
    """
    out: list[Line] = []
    for line in lines:
        if line == RULE:
            out.append(Line("-" * width))
            continue
        if not isinstance(line, Line):
            raise TypeError(f"a ticket holds Lines and RULE, not {line!r}")
        room = width // 2 if line.big else width
        if "\t" in line.text:  # the column separator the layout itself puts in
            left, right = line.text.split("\t", 1)
            text = _columns(_plain(left), _plain(right), room)
            out.append(Line(text, line.align, line.bold, line.big, line.inverted))
            continue
        for chunk in textwrap.wrap(_plain(line.text), room, subsequent_indent="   ") or [""]:
            out.append(Line(chunk, line.align, line.bold, line.big, line.inverted))
    return out


def _printable(text: str, code_page: str) -> str:
    return text.encode(code_page, errors="replace").decode(code_page)


def preview(lines: list[Line | str], *, paper_width_mm: int, code_page: str) -> str:
    """The ticket as text: the same characters the printer prints, aligned as it aligns them."""
    width = COLUMNS[paper_width_mm]
    rows = []
    for line in _layout(lines, width):
        room = width // 2 if line.big else width
        text = _printable(line.text, code_page)
        if line.align == "center":
            text = text.center(room).rstrip()
        elif line.align == "right":
            text = text.rjust(room)
        rows.append(text)
    return "\n".join(rows) + "\n"


def escpos(lines: list[Line | str], *, paper_width_mm: int, code_page: str) -> bytes:
    """The ticket as ESC/POS bytes: initialise, select the code page, the lines with their styles, feed, cut."""
    printer = Dummy()
    printer.hw("INIT")
    printer.charcode(code_page)
    width = COLUMNS[paper_width_mm]
    for line in _layout(lines, width):
        room = width // 2 if line.big else width
        text = line.text
        # Alignment is padding, as in the preview, so the preview is exactly what prints.
        if line.align == "center":
            text = text.center(room).rstrip()
        elif line.align == "right":
            text = text.rjust(room)
        printer.set(
            bold=line.bold,
            invert=line.inverted,
            double_width=line.big,
            double_height=line.big,
            normal_textsize=not line.big,
        )
        printer.text(text + "\n")
    printer.set(normal_textsize=True, bold=False, invert=False)
    printer.cut()
    return bytes(printer.output)
