"""Invariants of the restaurant models, in the database as well as in validation."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from restaurants import services
from restaurants.models import Business, Closure, Membership, OpeningHours

pytestmark = pytest.mark.django_db


def test_slug_is_unique(business):
    with pytest.raises(IntegrityError), transaction.atomic():
        Business.objects.create(name="Copy", slug=business.slug)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("max_concurrent_calls", 0, "business_max_calls_positive"),
        ("max_call_minutes", 0, "business_max_call_minutes_range"),
        ("currency", "eur", "business_currency_iso"),
    ],
)
def test_database_refuses_impossible_business_values(business, field, value, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Business.objects.filter(pk=business.pk).update(**{field: value})


def test_business_validation_names_bad_fields(business):
    business.timezone = "Mars/Olympus"
    business.other_languages = ["xx"]
    business.public_phone = "12"
    with pytest.raises(ValidationError) as exc:
        business.full_clean()
    assert set(exc.value.message_dict) == {"timezone", "other_languages", "public_phone"}
    assert "IANA time zone" in exc.value.message_dict["timezone"][0]


def test_transfer_on_overflow_needs_a_transfer_number(business):
    business.overflow_action = "transfer"
    with pytest.raises(ValidationError) as exc:
        business.full_clean()
    assert "transfer_number" in exc.value.message_dict


def test_one_membership_per_user_and_business(business, make_user):
    user = make_user()
    Membership.objects.create(user=user, business=business, role="owner")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, business=business, role="staff")


def test_membership_role_is_checked_by_the_database(business, make_user):
    with pytest.raises(IntegrityError, match="membership_role_valid"), transaction.atomic():
        Membership.objects.create(user=make_user(), business=business, role="chef")


def test_opening_hours_constraints(business):
    with pytest.raises(IntegrityError, match="hours_not_empty"), transaction.atomic():
        OpeningHours.objects.create(business=business, weekday=0, opens_at=time(12), closes_at=time(12))
    with pytest.raises(IntegrityError, match="hours_weekday_range"), transaction.atomic():
        OpeningHours.objects.create(business=business, weekday=7, opens_at=time(12), closes_at=time(15))


def test_closure_is_unique_per_date(business):
    Closure.objects.create(business=business, date=date(2026, 12, 25))
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(business=business, date=date(2026, 12, 25))


def test_opening_hours_replace_sets_the_week(business):
    services.opening_hours_replace(
        business=business, periods=[(1, time(12), time(15)), (1, time(19), time(23)), (5, time(19), time(2))]
    )
    hours = list(business.opening_hours.all())
    assert [str(h) for h in hours] == ["Tuesday 12:00-15:00", "Tuesday 19:00-23:00", "Saturday 19:00-02:00"]
    assert hours[2].overnight


@pytest.mark.parametrize(
    "periods",
    [
        [(1, time(12), time(15)), (1, time(14), time(16))],
        [(5, time(19), time(2)), (6, time(1), time(3))],  # Saturday night runs into Sunday
        [(6, time(22), time(3)), (0, time(2), time(4))],  # Sunday night runs into Monday
        [(2, time(12), time(15)), (2, time(12), time(15))],
    ],
)
def test_overlapping_hours_are_refused(business, periods):
    with pytest.raises(ValidationError, match="overlaps"):
        services.opening_hours_replace(business=business, periods=periods)
    assert not business.opening_hours.exists()


def test_adjacent_hours_are_fine():
    services.validate_hours([(1, time(12), time(15)), (1, time(15), time(18)), (6, time(20), time(0))])
