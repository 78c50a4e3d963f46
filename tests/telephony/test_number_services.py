"""Assigning numbers writes history with the acting user and announces it to the businesses involved."""

import pytest
from django.core.exceptions import ValidationError

from panbot.models import Event
from telephony import services
from telephony.models import NumberAssignment, SipNumber

pytestmark = pytest.mark.django_db


def test_create_with_business_opens_an_assignment(make_number, business, stakeholder):
    number = make_number("+390551234567", business=business)
    (row,) = NumberAssignment.objects.all()
    assert (row.sip_number, row.business, row.assigned_by, row.ended_at) == (number, business, stakeholder, None)
    assert number.assigned_by == stakeholder
    assert number.assigned_at == row.assigned_at


def test_create_without_business_stays_in_the_pool(make_number):
    number = make_number()
    assert number.business is None and number.assigned_at is None
    assert not NumberAssignment.objects.exists()


def test_reassign_closes_the_old_assignment_and_opens_a_new_one(
    make_number, business, outsider_business, stakeholder, make_user
):
    other_operator = make_user(is_staff=True)
    number = make_number(business=business)
    number = services.number_assign(sip_number=number, business=outsider_business, by=other_operator)

    assert number.business == outsider_business
    old, new = NumberAssignment.objects.order_by("assigned_at")
    assert old.business == business and old.ended_at is not None and old.ended_by == other_operator
    assert new.business == outsider_business and new.ended_at is None and new.assigned_by == other_operator
    assert old.ended_at <= new.assigned_at
    assert list(Event.objects.filter(business=business).values_list("type", flat=True)) == [
        "number.assigned",
        "number.unassigned",
    ]
    assert list(Event.objects.filter(business=outsider_business).values_list("type", flat=True)) == ["number.assigned"]


def test_assigning_to_the_current_holder_changes_nothing(make_number, business, stakeholder):
    number = make_number(business=business)
    services.number_assign(sip_number=number, business=business, by=stakeholder)
    assert NumberAssignment.objects.count() == 1


def test_unassign_returns_the_number_to_the_pool(make_number, business, stakeholder):
    number = make_number(business=business)
    number = services.number_unassign(sip_number=number, by=stakeholder)
    number.refresh_from_db()
    assert number.business is None and number.assigned_at is None and number.assigned_by is None
    (row,) = NumberAssignment.objects.all()
    assert row.ended_at is not None and row.ended_by == stakeholder
    services.number_unassign(sip_number=number, by=stakeholder)  # again: a no-op
    assert NumberAssignment.objects.count() == 1


def test_update_changes_only_allowed_fields(make_number, business, stakeholder):
    number = make_number(business=business)
    number = services.number_update(sip_number=number, by=stakeholder, label="Orders", max_concurrent_calls=2)
    number.refresh_from_db()
    assert (number.label, number.max_concurrent_calls) == ("Orders", 2)
    with pytest.raises(TypeError, match="business"):
        services.number_update(sip_number=number, by=stakeholder, business=None)


def test_update_without_changes_writes_no_event(make_number, business, stakeholder):
    number = make_number(business=business, label="Orders")
    before = Event.objects.count()
    services.number_update(sip_number=number, by=stakeholder, label="Orders")
    assert Event.objects.count() == before


def test_override_patch_sets_and_clears_keys_on_the_stored_override(make_number, business, stakeholder):
    number = make_number(business=business, config_override={"greeting": "Ciao", "voice": "nova"})
    stale = SipNumber.objects.get(pk=number.pk)  # the patch applies to the row as locked, not this copy
    SipNumber.objects.filter(pk=number.pk).update(
        config_override={"greeting": "Ciao", "voice": "nova", "language": "en"}
    )
    updated = services.number_update(sip_number=stale, by=stakeholder, config_override_patch={"greeting": None})
    assert updated.config_override == {"voice": "nova", "language": "en"}


@pytest.mark.parametrize("patch", [["greeting"], "greeting", {"colour": None}])
def test_a_bad_override_patch_is_a_validation_error(make_number, business, stakeholder, patch):
    number = make_number(business=business)
    with pytest.raises(ValidationError) as refused:
        services.number_update(sip_number=number, by=stakeholder, config_override_patch=patch)
    assert "config_override" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_simultaneous_patches_of_different_keys_both_stay(make_number, business, stakeholder):
    from tests.concurrency import run_concurrently

    number = make_number(business=business)
    patches = [{"greeting": "Pronto!"}, {"voice": "nova"}, {"language": "en"}, {"max_call_minutes": 5}]
    results = run_concurrently(
        len(patches),
        lambda i: services.number_update(sip_number=number, by=stakeholder, config_override_patch=patches[i]),
    )
    assert all(outcome == "ok" for outcome, _ in results), results
    number.refresh_from_db()
    assert number.config_override == {"greeting": "Pronto!", "voice": "nova", "language": "en", "max_call_minutes": 5}


def test_a_number_reassigned_between_a_tenants_read_and_its_update_is_not_found(
    make_number, business, outsider_business, stakeholder
):
    from panbot.errors import NotFound
    from panbot.tenancy import business_scope, platform_wide

    number = make_number(business=business, label="Orders")
    with business_scope(business.pk):
        seen = SipNumber.objects.get(pk=number.pk)  # the API view's read
        with platform_wide():  # meanwhile a stakeholder moves it
            services.number_assign(sip_number=number, business=outsider_business, by=stakeholder)
        with pytest.raises(NotFound, match="no longer one of this business's numbers"):
            services.number_update(sip_number=seen, by=None, label="Ours still?")
    number.refresh_from_db()
    assert (number.business_id, number.label) == (outsider_business.pk, "Orders")
