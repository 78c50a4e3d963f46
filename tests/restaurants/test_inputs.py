"""Inputs a client can send that must be refused with a ValidationError, never another exception.

NUL characters (PostgreSQL refuses them with a DataError), dates at the ends of Python's
calendar (OverflowError), and malformed arguments to the restaurant services.
"""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from restaurants import services
from restaurants.models import Closure, FaqEntry, Membership, OpeningHours
from restaurants.schedule import OutOfRange, in_range, to_instant, wall_clock
from restaurants.selectors import business_info, faq_search
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


# --- Closures, memberships, hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reason", "field"),
    [
        (date(2026, 12, 25), "Natale\x00", "reason"),
        (date(2026, 12, 25), "x" * 201, "reason"),
        ("Christmas", "", "date"),
    ],
)
def test_a_closure_is_validated_before_it_is_written(business, day, reason, field):
    with pytest.raises(ValidationError) as exc:
        services.closure_set(business=business, date=day, reason=reason)
    assert list(exc.value.message_dict) == [field]
    assert not Closure.objects.exists()


def test_a_closure_date_may_be_given_as_text(business):
    closure = services.closure_set(business=business, date="2026-12-25", reason=" Natale ")
    assert (closure.date, closure.reason) == (date(2026, 12, 25), "Natale")


def test_an_unknown_role_is_a_validation_error(business, make_user):
    with pytest.raises(ValidationError) as exc:
        services.membership_set(business=business, user=make_user(), role="boss")
    assert exc.value.message_dict == {"role": ["Value 'boss' is not a valid choice."]}
    assert not Membership.objects.exists()


@pytest.mark.parametrize(
    ("periods", "field"),
    [
        (None, "periods"),
        ([(1, time(12))], "periods"),
        (["Tuesday"], "periods"),
        ([(9, time(12), time(15))], "weekday"),
        ([(1, "noon", time(15))], "opens_at"),
        ([(1, time(12), time(15)), (1, time(14), time(16))], "periods"),
    ],
)
def test_malformed_hours_are_a_validation_error(business, periods, field):
    with pytest.raises(ValidationError) as exc:
        services.opening_hours_replace(business=business, periods=periods)
    assert list(exc.value.message_dict) == [field]
    assert not OpeningHours.objects.exists()


def test_every_malformed_period_is_reported_at_once(business):
    with pytest.raises(ValidationError) as exc:
        services.opening_hours_replace(business=business, periods=[(9, time(12), time(15)), (1, "noon", time(15))])
    assert set(exc.value.message_dict) == {"weekday", "opens_at"}


def test_hours_may_be_given_as_text(business):
    services.opening_hours_replace(business=business, periods=[(1, "12:00", "15:00")])
    assert OpeningHours.objects.get().opens_at == time(12)


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


def test_faq_search_takes_any_query(business):
    services.faq_entry_save(entry=FaqEntry(business=business, question="Is there parking?", answer="Yes."))
    assert faq_search(business, 123) == []
    assert [e.question for e in faq_search(business, "parking\x00")] == ["Is there parking?"]
