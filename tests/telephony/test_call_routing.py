"""call_route: the Diversion header names the restaurant when it names one of our numbers, else the called number."""

import pytest

from telephony import services
from telephony.models import PbxTrunk
from tests.telephony.backends import ON_BOTH_BACKENDS

pytestmark = ON_BOTH_BACKENDS

ORDERS = "+390551234567"
RESERVATIONS = "+390551234568"
SUSHI = "+390557654321"


@pytest.fixture
def numbers(make_number, business, outsider_business):
    return {
        "orders": make_number(ORDERS, business=business, label="Orders"),
        "reservations": make_number(RESERVATIONS, business=business, label="Reservations"),
        "sushi": make_number(SUSHI, business=outsider_business),
    }


def test_a_direct_call_routes_on_the_called_number(numbers, business, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        routed = services.call_route(called=f"sip:{ORDERS}@pbx.example")
        assert routed.business == business  # loaded with the number
    assert routed == numbers["orders"]


def test_diversion_naming_one_of_our_numbers_wins_over_the_called_number(numbers, outsider_business):
    routed = services.call_route(called=ORDERS, diversion=f"<sip:{SUSHI}@carrier.example>;reason=unconditional")
    assert routed == numbers["sushi"]
    assert routed.business == outsider_business


def test_diversion_naming_a_number_we_do_not_have_falls_back_to_the_called_number(numbers):
    diversion = "<sip:+390559999999@carrier.example>;reason=unconditional;counter=1"
    assert services.call_route(called=RESERVATIONS, diversion=diversion) == numbers["reservations"]
    assert (
        services.call_route(called=RESERVATIONS, diversion="<sip:anonymous@x>;privacy=full") == numbers["reservations"]
    )


def test_later_diversion_entries_are_tried_when_the_first_is_not_ours(numbers):
    diversion = "<sip:+390559999999@hop2.example>;reason=no-answer, <sip:0557654321@hop1.example>;reason=unconditional"
    assert services.call_route(called=ORDERS, diversion=diversion) == numbers["sushi"]


def test_diversion_naming_an_unassigned_or_inactive_number_still_wins(make_number, numbers, stakeholder):
    # The call was forwarded from that number: answering it as the called number's
    # restaurant would put the caller through to the wrong business.
    pool = make_number("+390551234569")
    routed = services.call_route(called=ORDERS, diversion=f"<sip:{pool.number}@carrier.example>")
    assert routed == pool and routed.business is None

    services.number_update(sip_number=numbers["sushi"], by=stakeholder, is_active=False)
    assert services.call_route(called=ORDERS, diversion=f"<tel:{SUSHI}>") == numbers["sushi"]


def test_national_numbers_are_read_in_the_trunks_region(make_number, business):
    london = make_number("+442079460018", business=business)
    trunk = PbxTrunk.objects.create(name="London PBX", default_region="GB")
    assert services.call_route(called="020 7946 0018", trunk=trunk) == london
    assert services.call_route(called="020 7946 0018") is None  # read as an Italian number: not ours


@pytest.mark.parametrize(
    "called", [None, "", "garbage", "sip:anonymous@x", "+390559999999", "x" * 10_000, "+390551234567\x00"]
)
def test_unknown_or_garbage_numbers_route_nowhere(numbers, called, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert services.call_route(called=called, diversion=called) is None
