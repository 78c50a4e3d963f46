"""Inputs a client can send that must be refused with a ValidationError, never another exception.

NUL characters (PostgreSQL refuses them with a DataError) and dates at the ends of Python's
calendar (OverflowError).
"""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from restaurants import services
from restaurants.models import FaqEntry
from restaurants.schedule import OutOfRange, in_range, to_instant, wall_clock
from restaurants.selectors import business_info
from tests.conftest import ROME

pytestmark = pytest.mark.django_db

NUL_REFUSED = ["This text contains characters we cannot store."]


# --- NUL characters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "address", "agent_greeting", "agent_system_prompt", "overflow_message"])
def test_business_text_with_a_nul_is_a_validation_error(business, field):
    setattr(business, field, "Da Mario\x00")
    with pytest.raises(ValidationError) as exc:
        services.business_save(business=business)
    assert exc.value.message_dict == {field: NUL_REFUSED}
    assert exc.value.error_dict[field][0].code == "null_characters_not_allowed"


@pytest.mark.parametrize("field", ["question", "answer"])
def test_faq_text_with_a_nul_is_a_validation_error(business, field):
    entry = FaqEntry(business=business, question="Parking?", answer="In the square.")
    setattr(entry, field, "Parking\x00")
    with pytest.raises(ValidationError) as exc:
        services.faq_entry_save(entry=entry)
    assert exc.value.message_dict == {field: NUL_REFUSED}
    assert not FaqEntry.objects.exists()


def test_other_field_errors_are_reported_with_the_nul(business):
    business.name, business.address = "", "Via\x00"
    with pytest.raises(ValidationError) as exc:
        services.business_save(business=business)
    assert exc.value.message_dict == {"name": ["This field cannot be blank."], "address": NUL_REFUSED}


# --- Dates at the ends of the calendar --------------------------------------------------------------------


@pytest.mark.parametrize(
    "now", [datetime.min, datetime.max, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)]
)
def test_business_info_at_the_ends_of_the_calendar_is_refused(business, trattoria_hours, now):
    trattoria_hours(business)
    with pytest.raises(ValidationError) as exc:
        business_info(business, now=now)
    assert exc.value.message_dict == {"now": ["That date is too far from today."]}


def test_business_info_far_ahead_but_computable_still_answers(business, trattoria_hours):
    trattoria_hours(business)
    info = business_info(business, now=datetime(9990, 6, 13, 20, 0, tzinfo=ROME))
    assert info.open_now and info.today.date == date(9990, 6, 13)


def test_business_info_needs_a_datetime(business):
    with pytest.raises(ValidationError) as exc:
        business_info(business, now="now")
    assert exc.value.message_dict == {"now": ["Give the time as a date and time."]}


def test_time_helpers_refuse_the_ends_of_the_calendar():
    assert in_range(date(2026, 6, 13)) and in_range(datetime(9990, 1, 1))
    assert not in_range(date.max) and not in_range(datetime.min)
    for value in (datetime.min, datetime.max, datetime.max.replace(tzinfo=UTC)):
        with pytest.raises(OutOfRange):
            to_instant(value, ROME)
    with pytest.raises(OutOfRange):
        wall_clock(date.max, time(0), ROME)
