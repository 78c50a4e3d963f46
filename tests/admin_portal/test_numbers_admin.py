"""The stakeholder adds numbers and (re)assigns them through the admin, with a confirmation step and history."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from telephony.models import ActiveCall, CallRecord, NumberAssignment, SipNumber

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:telephony_sipnumber_changelist")
ADD = reverse("admin:telephony_sipnumber_add")


@pytest.fixture
def admin_client(client, stakeholder):
    client.force_login(stakeholder)
    return client


def add_form(**overrides):
    data = {
        "number": "+39 055 123 4567",
        "label": "Orders",
        "business": "",
        "trunk": "",
        "is_active": "on",
        "max_concurrent_calls": "2",
        "config_override": "{}",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_add_number_typed_with_spaces_is_stored_in_e164(admin_client):
    response = admin_client.post(ADD, add_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    number = SipNumber.objects.get()
    assert (number.number, number.label, number.max_concurrent_calls) == ("+390551234567", "Orders", 2)


def test_add_number_with_business_records_the_assignment(admin_client, business, stakeholder):
    response = admin_client.post(ADD, add_form(business=str(business.pk)))
    assert response.status_code == 302
    (row,) = NumberAssignment.objects.all()
    assert (row.business, row.assigned_by) == (business, stakeholder)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("number", "12345", "valid phone number"),
        ("number", "<script>alert(1)</script>", "valid phone number"),
        ("max_concurrent_calls", "0", "greater than or equal to 1"),
        ("config_override", '{"greeting": "hi", "colour": "red"}', "Unknown key &#x27;colour&#x27;"),
        ("config_override", '{"greeting": "' + "x" * 600 + '"}', "&#x27;greeting&#x27; is too long"),
        ("config_override", "{not json", "Enter a valid JSON"),
        # PostgreSQL's jsonb refuses "\u0000" (it was a DataError, a 500).
        ("config_override", '{"greeting": "ciao\\u0000"}', "&#x27;greeting&#x27; contains characters we cannot store"),
        # Python's JSON parser and encoder recurse (a RecursionError, a 500, reading or showing it again).
        ("config_override", "[" * 100_000 + "]" * 100_000, "Enter a valid JSON"),
        ("config_override", "[" * 900 + "]" * 900, "Enter a valid JSON"),
        ("label", "Orders\x00", "Null characters are not allowed"),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(admin_client, field, value, fragment):
    response = admin_client.post(ADD, add_form(**{field: value}))
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not SipNumber.objects.exists()


def test_duplicate_number_typed_differently_is_a_form_error(admin_client, make_number):
    make_number("+390551234567")
    response = admin_client.post(ADD, add_form(number="055 1234567"))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_change_page_edits_settings_but_not_the_holder(admin_client, make_number, business):
    number = make_number(business=business, label="Old")
    url = reverse("admin:telephony_sipnumber_change", args=[number.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="business"' not in page  # holder changes only through the actions
    response = admin_client.post(
        url,
        add_form(
            label="Reservations",
            max_concurrent_calls="1",
            config_override='{"greeting": "How can I help?"}',
            **{"assignments-TOTAL_FORMS": "1", "assignments-INITIAL_FORMS": "1"},
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    number.refresh_from_db()
    assert number.label == "Reservations"
    assert number.config_override == {"greeting": "How can I help?"}
    assert number.business == business


def select(action, *numbers, **extra):
    return {"action": action, ACTION_CHECKBOX_NAME: [str(n.pk) for n in numbers], "index": "0", **extra}


def confirm(action, *numbers, **extra):
    return {"action": action, ACTION_CHECKBOX_NAME: [str(n.pk) for n in numbers], "apply": "1", **extra}


def test_assign_action_asks_for_confirmation_first(admin_client, make_number, business):
    number = make_number()
    response = admin_client.post(CHANGELIST, select("assign_to_business", number))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Assign numbers to a business" in page
    assert number.number in page
    assert business.name in page  # offered in the form
    number.refresh_from_db()
    assert number.business is None
    assert not NumberAssignment.objects.exists()


def test_assign_then_reassign_then_unassign_writes_the_history(
    admin_client, make_number, business, outsider_business, stakeholder
):
    a, b = make_number(), make_number()

    response = admin_client.post(CHANGELIST, confirm("assign_to_business", a, b, business=str(business.pk)))
    assert response.status_code == 302
    assert set(SipNumber.objects.values_list("business", flat=True)) == {business.pk}

    admin_client.post(CHANGELIST, confirm("assign_to_business", a, business=str(outsider_business.pk)))
    a.refresh_from_db()
    assert a.business == outsider_business

    admin_client.post(CHANGELIST, confirm("unassign", b))
    b.refresh_from_db()
    assert b.business is None

    history_a = list(NumberAssignment.objects.filter(sip_number=a).order_by("assigned_at"))
    assert [(h.business, h.ended_at is None) for h in history_a] == [(business, False), (outsider_business, True)]
    assert all(h.assigned_by == stakeholder for h in history_a)
    (history_b,) = NumberAssignment.objects.filter(sip_number=b)
    assert history_b.ended_by == stakeholder and history_b.ended_at is not None

    # The history shows inline on the number's page.
    page = admin_client.get(reverse("admin:telephony_sipnumber_change", args=[a.pk])).content.decode()
    assert "assignment history" in page.lower()
    assert page.count(business.name) >= 1 and outsider_business.name in page


def test_assign_without_choosing_a_business_shows_the_form_again(admin_client, make_number):
    number = make_number()
    response = admin_client.post(CHANGELIST, confirm("assign_to_business", number, business=""))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not NumberAssignment.objects.exists()


def test_unassign_confirmation_warns_about_live_calls(admin_client, make_number, business):
    number = make_number(business=business)
    _live_call(number)
    response = admin_client.post(CHANGELIST, select("unassign", number))
    assert response.status_code == 200
    assert "return to the pool" in response.content.decode()
    number.refresh_from_db()
    assert number.business == business


def _live_call(number, caller="+393331112222"):
    now = timezone.now()
    record = CallRecord.objects.create(
        business=number.business, sip_number=number, sip_call_id=f"call-{caller}-{number.pk}", started_at=now
    )
    return ActiveCall.objects.create(
        business=number.business,
        sip_number=number,
        call_record=record,
        sip_call_id=record.sip_call_id,
        caller_number=caller,
        started_at=now,
        last_heartbeat_at=now,
    )


def test_list_shows_every_tenant_with_live_call_counts(
    admin_client, make_number, business, outsider_business, django_assert_max_num_queries
):
    mario = make_number(business=business, label="Orders")
    make_number(business=outsider_business, label="Main line")
    make_number(label="Pool")
    _live_call(mario, "+393331110001")
    _live_call(mario, "+393331110002")

    with django_assert_max_num_queries(12):
        response = admin_client.get(CHANGELIST)
    rows = {row.label: row for row in response.context["cl"].result_list}
    assert set(rows) == {"Orders", "Main line", "Pool"}
    assert rows["Orders"].live_call_count == 2
    assert rows["Main line"].live_call_count == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"assigned": "no"}, {"Pool"}),
        ({"assigned": "yes"}, {"Orders", "Main line"}),
        ({"is_active__exact": "0"}, {"Main line"}),
        ({"q": "055 1234567"}, {"Orders"}),
        ({"q": "sushi"}, {"Main line"}),
    ],
)
def test_filters_and_search(admin_client, make_number, business, outsider_business, query, expected):
    make_number("+390551234567", business=business, label="Orders")
    make_number("+390557654321", business=outsider_business, label="Main line", is_active=False)
    make_number("+390551234569", label="Pool")
    response = admin_client.get(CHANGELIST, query)
    assert {row.label for row in response.context["cl"].result_list} == expected


def test_numbers_cannot_be_deleted(admin_client, make_number):
    number = make_number()
    assert admin_client.get(reverse("admin:telephony_sipnumber_delete", args=[number.pk])).status_code == 403
