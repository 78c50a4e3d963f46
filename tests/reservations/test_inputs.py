"""Inputs a client can send that must be refused with a ValidationError, never another exception.

NUL characters (PostgreSQL refuses them with a DataError).
"""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from reservations.models import Reservation
from reservations.services import reservation_book, reservation_transition
from tests.conftest import ROME

pytestmark = pytest.mark.django_db

CALLER = "333 123 4567"
EXTREMES = [datetime.min, datetime.max, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)]


@pytest.fixture
def morning(at, taking_bookings):
    at(2026, 6, 13, 10, 0)  # a Saturday


def book(business, **overrides):
    fields = {"starts_at": datetime(2026, 6, 13, 20, 0, tzinfo=ROME), "party_size": 2, "name": "Rossi",
              "phone": CALLER}  # fmt: skip
    fields.update(overrides)
    return reservation_book(business=business, **fields)


# --- NUL characters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "Rossi\x00"}, "name", "The name for the booking contains characters we cannot store."),
        ({"notes": "high chair\x00"}, "notes", "The note contains characters we cannot store."),
        ({"idempotency_key": "call-1\x00"}, "idempotency_key",
         "The idempotency key contains characters we cannot store."),
    ],
)  # fmt: skip
def test_text_with_a_nul_is_refused_naming_the_field(business, morning, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        book(business, **overrides)
    assert exc.value.message_dict == {field: [message]}
    assert exc.value.error_dict[field][0].code == "null_characters_not_allowed"
    assert not Reservation.objects.exists()


def test_a_nul_in_a_reason_is_refused(business, morning):
    booking = book(business)
    with pytest.raises(ValidationError) as exc:
        reservation_transition(business=business, reservation_id=booking.pk, to_status="cancelled", reason="x\x00")
    assert exc.value.message_dict == {"reason": ["The reason contains characters we cannot store."]}
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_a_key_that_is_not_a_string_is_read_as_text(business, morning):
    assert book(business, idempotency_key=42).idempotency_key == "42"
