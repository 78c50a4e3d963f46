"""seed_demo's call history: weeks of calls with sales and rollups, the same however often it runs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.demo import DEMO_DAYS
from analytics.models import CallHourlyRollup
from analytics.selectors import AnalyticsScope, analytics_report
from orders.models import Order, OrderItem
from reservations.models import Reservation
from restaurants.models import Business
from telephony.models import CallRecord

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
