"""Phone numbers are E.164, unique, held by at most one business, with an append-only history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from telephony.models import NumberAssignment, PbxTrunk, SipNumber, normalise_cidrs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["+39 055 123 4567", "055 1234567", "+39-055-1234567", "+390551234567"])
def test_typed_number_is_stored_in_e164(typed, make_number):
    assert make_number(typed).number == "+390551234567"
    assert SipNumber.objects.get().number == "+390551234567"


@pytest.mark.parametrize("bad", ["12", "hello", "+39 055", "+1 555 0000 00000000"])
def test_invalid_number_is_a_validation_error(bad, make_number):
    with pytest.raises(ValidationError) as exc:
        make_number(bad)
    assert "valid phone number" in exc.value.message_dict["number"][0]
    assert not SipNumber.objects.exists()


def test_same_number_typed_differently_is_a_duplicate(make_number):
    make_number("+390551234567")
    with pytest.raises(ValidationError) as exc:
        make_number("055 123 4567")
    assert "already exists" in exc.value.message_dict["number"][0]


def test_database_refuses_non_e164_and_duplicates(make_number):
    number = make_number("+390551234567")
    with pytest.raises(IntegrityError, match="sipnumber_number_e164"), transaction.atomic():
        SipNumber.objects.filter(pk=number.pk).update(number="0551234567")
    with pytest.raises(IntegrityError, match="unique"), transaction.atomic():
        SipNumber.objects.bulk_create([SipNumber(number="+390551234567")])


def test_save_without_clean_still_stores_e164():
    assert SipNumber.objects.create(number="055 765 4321").number == "+390557654321"


def test_business_and_assigned_at_go_together(make_number, business):
    number = make_number()
    with pytest.raises(IntegrityError, match="sipnumber_assigned_at_iff_business"), transaction.atomic():
        SipNumber.objects.filter(pk=number.pk).update(business=business)


def test_at_most_one_open_assignment_per_number(make_number, business, outsider_business):
    number = make_number(business=business)
    with pytest.raises(IntegrityError, match="assignment_one_open_per_number"), transaction.atomic():
        NumberAssignment.objects.create(sip_number=number, business=outsider_business, assigned_at=timezone.now())


def test_limit_must_be_positive(make_number):
    with pytest.raises(ValidationError) as exc:
        make_number(max_concurrent_calls=0)
    assert "max_concurrent_calls" in exc.value.message_dict
    number = make_number()
    with pytest.raises(IntegrityError, match="sipnumber_max_calls_positive"), transaction.atomic():
        SipNumber.objects.filter(pk=number.pk).update(max_concurrent_calls=0)


def test_config_override_is_validated_on_the_model(make_number):
    with pytest.raises(ValidationError) as exc:
        make_number(config_override={"colour": "red", "greeting": "x" * 501})
    messages = exc.value.message_dict["config_override"]
    assert any("Unknown key 'colour'" in m for m in messages)
    assert any("'greeting' is too long" in m for m in messages)
    assert len(messages) == 2


def test_cidrs_are_validated_and_normalised():
    assert normalise_cidrs(["203.0.113.10", "10.0.0.0/24", "2001:db8::/32", "10.0.0.0/24"]) == [
        "203.0.113.10/32",
        "10.0.0.0/24",
        "2001:db8::/32",
    ]
    with pytest.raises(ValidationError) as exc:
        normalise_cidrs(["10.0.0.1/24", "300.1.1.1", "pbx.example.com"])
    assert exc.value.messages == [
        "'10.0.0.1/24' has host bits set; did you mean 10.0.0.0/24?",
        "'300.1.1.1' is not an IP address or CIDR block (e.g. 203.0.113.10 or 10.0.0.0/24).",
        "'pbx.example.com' is not an IP address or CIDR block (e.g. 203.0.113.10 or 10.0.0.0/24).",
    ]


def test_trunk_region_must_be_known():
    trunk = PbxTrunk(name="t", allowed_addresses=["10.0.0.1"], default_region="ZZ")
    with pytest.raises(ValidationError) as exc:
        trunk.full_clean()
    assert "default_region" in exc.value.message_dict


def test_looking_up_an_invalid_number_matches_nothing(make_number):
    make_number("+390551234567")
    assert not SipNumber.objects.filter(number="not a number").exists()


def test_text_the_database_cannot_store_is_a_validation_error(make_number):
    with pytest.raises(ValidationError) as exc:
        make_number(label="Ordini\x00")
    assert "label" in exc.value.message_dict
    trunk = PbxTrunk(name="PBX\x00", allowed_addresses=["203.0.113.10"])
    with pytest.raises(ValidationError) as exc:
        trunk.full_clean()
    assert "name" in exc.value.message_dict
