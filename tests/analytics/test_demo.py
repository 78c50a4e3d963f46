"""seed_demo's call history: weeks of calls with sales and rollups, the same however often it runs."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.demo import DEMO_DAYS, seed_calls
from analytics.models import CallHourlyRollup
from analytics.selectors import AnalyticsScope, analytics_report
from orders.models import MenuCategory, MenuItem, Order, OrderItem
from reservations.models import Reservation
from restaurants.models import Business
from telephony.models import CallRecord, SipNumber
from tests.analytics.calls import on_sqlite

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (CallRecord, Order, OrderItem, Reservation, CallHourlyRollup)
    return {model.__name__: model.objects.count() for model in models}


def call_facts() -> list[tuple]:
    return list(CallRecord.objects.values_list("sip_call_id", "status", "reason", "started_at").order_by("sip_call_id"))


def test_seed_demo_adds_weeks_of_calls_with_rollups_once(settings):
    settings.DEBUG = True
    output = seed()
    first, calls = counts(), call_facts()
    assert "calls added" in output
    assert first["CallRecord"] > DEMO_DAYS * 25 and first["Order"] > 50 and first["Reservation"] > 20
    assert first["CallHourlyRollup"] > 0
    seed()
    assert counts() == first and call_facts() == calls

    mario = Business.objects.get(slug="trattoria-da-mario")
    today = timezone.now().astimezone(mario.tz).date()
    days = {r.started_at.astimezone(mario.tz).date() for r in CallRecord.objects.filter(business=mario)}
    assert min(days) == today - timedelta(days=DEMO_DAYS) and max(days) == today - timedelta(days=1)
    # The dashboard's charts: rollups agree with the records, with sales and a filled grid.
    args = (mario.pk, mario.timezone, today - timedelta(days=DEMO_DAYS), today - timedelta(days=1))
    from_rollups = analytics_report(AnalyticsScope(*args))
    assert from_rollups == analytics_report(AnalyticsScope(*args, source="raw"))
    assert from_rollups["current"]["orders"] > 0 and from_rollups["current"]["lost_to_limits"] > 0
    assert sum(map(sum, from_rollups["busiest_hours"])) == from_rollups["current"]["calls"]
    record = CallRecord.objects.filter(business=mario).first()
    assert record.language == "it" and len(record.config_version) == 12 and record.in_opening_hours is not None


@pytest.mark.django_db(databases=["default", "embedded"])
def test_the_demo_calls_leave_real_analytics_on_the_embedded_default():
    """`make run` (SQLite) then seed_demo: the owner's analytics have the demo weeks, from rollups, once."""
    today = date(2026, 11, 5)  # the three weeks before hold the night summer time ended (25 October)
    with on_sqlite():
        mario = Business.objects.create(name="Trattoria Da Mario", slug="trattoria-da-mario", timezone="Europe/Rome")
        SipNumber.objects.create(number="+390550000001", business=mario, assigned_at=mario.created_at)
        SipNumber.objects.create(number="+390550000002", business=mario, assigned_at=mario.created_at)
        pizza = MenuCategory.objects.create(business=mario, name="Pizze")
        MenuItem.objects.create(business=mario, category=pizza, name="Margherita", price=Decimal("8.50"))
        added = seed_calls(businesses={"trattoria-da-mario": mario}, today=today)
        rows = counts()
        assert added > DEMO_DAYS * 20 and rows["CallHourlyRollup"] > 0
        assert seed_calls(businesses={"trattoria-da-mario": mario}, today=today) == 0
        assert counts() == rows  # idempotent, rollups included

        first = today - timedelta(days=DEMO_DAYS)
        report = analytics_report(AnalyticsScope(mario.pk, mario.timezone, first, today - timedelta(days=1)))
        current = report["current"]
        records = CallRecord.objects.filter(business=mario)
        answered = records.filter(status="completed").exclude(reason="worker_full")
        assert current["calls"] == records.count() == added
        assert (
            current["answered"] == answered.count() and current["rejected"] == records.filter(status="rejected").count()
        )
        assert (
            current["lost_forwarded"]
            == records.filter(reason__in=["number_busy", "business_busy", "worker_full"])
            .exclude(forwarded_from="")
            .count()
        )
        assert sum(day["calls"] for day in report["days"]) == current["calls"]
        assert sum(map(sum, report["busiest_hours"])) == current["calls"]
        assert current["orders"] == Order.objects.filter(business=mario).exclude(status="cancelled").count() > 0
        assert current["revenue"] == sum(
            o.total for o in Order.objects.filter(business=mario).exclude(status="cancelled")
        )
        assert current["reservations"] > 0 and current["p90_duration_seconds"] is not None
