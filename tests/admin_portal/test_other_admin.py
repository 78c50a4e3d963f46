"""Trunks, businesses and the live-calls page in the stakeholder admin."""

import pytest
from django.urls import reverse
from django.utils import timezone

from restaurants.models import Membership, OpeningHours
from telephony.models import ActiveCall, CallRecord, PbxTrunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, stakeholder):
    client.force_login(stakeholder)
    return client


def trunk_form(**overrides):
    data = {"name": "Yeastar P550", "allowed_addresses": "203.0.113.10\n10.20.0.0/24", "default_region": "IT",
            "is_active": "on"}  # fmt: skip
    data.update(overrides)
    return data


def test_trunk_addresses_are_validated_and_normalised(admin_client):
    response = admin_client.post(reverse("admin:telephony_pbxtrunk_add"), trunk_form())
    assert response.status_code == 302
    assert PbxTrunk.objects.get().allowed_addresses == ["203.0.113.10/32", "10.20.0.0/24"]


@pytest.mark.parametrize(
    ("addresses", "fragment"),
    [("10.20.0.5/24", "did you mean 10.20.0.0/24?"), ("pbx.example.com", "is not an IP address or CIDR block")],
)
def test_bad_trunk_address_is_a_form_error(admin_client, addresses, fragment):
    response = admin_client.post(reverse("admin:telephony_pbxtrunk_add"), trunk_form(allowed_addresses=addresses))
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not PbxTrunk.objects.exists()


def business_form(business, **overrides):
    data = {
        "name": business.name, "slug": business.slug, "is_active": "on", "max_concurrent_calls": "3",
        "public_phone": "", "address": "", "timezone": "Europe/Rome", "currency": "EUR", "default_language": "it",
        "other_languages": "[]", "agent_greeting": "", "agent_system_prompt": "", "agent_voice": "",
        "max_call_minutes": "15", "overflow_action": "busy", "overflow_message": "", "transfer_number": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "opening_hours-TOTAL_FORMS": "0", "opening_hours-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": "0", "closures-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_business_with_membership_and_hours(admin_client, business, make_user):
    owner = make_user()
    response = admin_client.post(
        reverse("admin:restaurants_business_change", args=[business.pk]),
        business_form(
            business,
            public_phone="055 210 0000",
            **{
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-user": str(owner.pk),
                "memberships-0-role": "owner",
                "opening_hours-TOTAL_FORMS": "2",
                "opening_hours-0-weekday": "1",
                "opening_hours-0-opens_at": "12:00",
                "opening_hours-0-closes_at": "15:00",
                "opening_hours-1-weekday": "1",
                "opening_hours-1-opens_at": "19:00",
                "opening_hours-1-closes_at": "23:00",
            },
        ),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    business.refresh_from_db()
    assert business.public_phone == "+390552100000"
    assert Membership.objects.get(business=business).user == owner
    assert OpeningHours.objects.filter(business=business).count() == 2


def test_overlapping_hours_are_a_form_error(admin_client, business):
    response = admin_client.post(
        reverse("admin:restaurants_business_change", args=[business.pk]),
        business_form(
            business,
            **{
                "opening_hours-TOTAL_FORMS": "2",
                "opening_hours-0-weekday": "1",
                "opening_hours-0-opens_at": "12:00",
                "opening_hours-0-closes_at": "15:00",
                "opening_hours-1-weekday": "1",
                "opening_hours-1-opens_at": "14:00",
                "opening_hours-1-closes_at": "16:00",
            },
        ),
    )
    assert response.status_code == 200
    assert "overlaps" in response.content.decode()
    assert not OpeningHours.objects.exists()


def test_bad_business_values_are_form_errors(admin_client, business):
    response = admin_client.post(
        reverse("admin:restaurants_business_change", args=[business.pk]),
        business_form(business, timezone="Mars/Base", overflow_action="transfer"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not an IANA time zone" in page
    assert "Set a transfer number" in page


def test_live_calls_page_lists_every_tenant_and_is_read_only(admin_client, make_number, business, outsider_business):
    now = timezone.now()
    for biz, caller in ((business, "+393331110001"), (outsider_business, "+393331110002")):
        number = make_number(business=biz)
        record = CallRecord.objects.create(business=biz, sip_number=number, sip_call_id=caller, started_at=now)
        ActiveCall.objects.create(
            business=biz, sip_number=number, call_record=record, sip_call_id=caller, caller_number=caller,
            started_at=now, last_heartbeat_at=now, worker_id="worker-1",
        )  # fmt: skip

    response = admin_client.get(reverse("admin:telephony_activecall_changelist"))
    page = response.content.decode()
    assert "+393331110001" in page and "+393331110002" in page
    assert business.name in page and outsider_business.name in page
    assert 'http-equiv="refresh"' in page
    call = ActiveCall.objects.first()
    assert admin_client.get(reverse("admin:telephony_activecall_add")).status_code == 403
    assert admin_client.get(reverse("admin:telephony_activecall_delete", args=[call.pk])).status_code == 403
    # The detail page is view-only: no form to post changes with.
    detail = admin_client.get(reverse("admin:telephony_activecall_change", args=[call.pk])).content.decode()
    assert 'name="_save"' not in detail


def test_an_invalid_opening_time_is_a_form_error(admin_client, business):
    response = admin_client.post(
        reverse("admin:restaurants_business_change", args=[business.pk]),
        business_form(
            business,
            **{
                "opening_hours-TOTAL_FORMS": "1",
                "opening_hours-0-weekday": "1",
                "opening_hours-0-opens_at": "25:99",
                "opening_hours-0-closes_at": "15:00",
            },
        ),
    )
    assert response.status_code == 200
    assert "Enter a valid time" in response.content.decode()
    assert not OpeningHours.objects.exists()


def test_moving_a_closure_moves_it(admin_client, business):
    from datetime import date

    from restaurants.models import Closure

    closure = Closure.objects.create(business=business, date=date(2027, 1, 10), reason="Inventory")
    response = admin_client.post(
        reverse("admin:restaurants_business_change", args=[business.pk]),
        business_form(
            business,
            **{
                "closures-TOTAL_FORMS": "1",
                "closures-INITIAL_FORMS": "1",
                "closures-0-id": str(closure.pk),
                "closures-0-business": str(business.pk),
                "closures-0-date": "2027-01-11",
                "closures-0-reason": "Inventory",
            },
        ),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(Closure.objects.values_list("date", flat=True)) == [date(2027, 1, 11)]


def test_trunks_are_deactivated_not_deleted(admin_client):
    trunk = PbxTrunk.objects.create(name="Old PBX", allowed_addresses=["203.0.113.10/32"])
    assert admin_client.get(reverse("admin:telephony_pbxtrunk_delete", args=[trunk.pk])).status_code == 403
