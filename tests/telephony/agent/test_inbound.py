"""What the agent reads off the SIP participant LiveKit hands it."""

import pytest

from telephony.agent.inbound import inbound_call_from_attributes


def test_a_direct_call():
    call = inbound_call_from_attributes(
        {"sip.trunkPhoneNumber": "+390551234567", "sip.phoneNumber": "+393331112222", "sip.callID": "SCL_1",
         "sip.trunkID": "ST_1"},
        room_name="call-_+393331112222_abc", participant_identity="sip_+393331112222",
    )  # fmt: skip
    assert (call.called, call.caller, call.sip_call_id, call.diversion, call.trunk_id) == (
        "+390551234567", "+393331112222", "SCL_1", None, "ST_1",
    )  # fmt: skip


def test_diversion_comes_from_the_attribute_livekit_sync_maps_or_the_raw_header():
    base = {"sip.trunkPhoneNumber": "+390551234567", "sip.callID": "SCL_2"}
    mapped = inbound_call_from_attributes(
        {**base, "panbot.diversion": "<sip:+390552100000@pbx>"}, room_name="r", participant_identity="p"
    )
    raw = inbound_call_from_attributes(
        {**base, "sip.h.diversion": "<tel:+390552100000>"}, room_name="r", participant_identity="p"
    )
    assert mapped.diversion == "<sip:+390552100000@pbx>"
    assert raw.diversion == "<tel:+390552100000>"


def test_job_metadata_fills_in_what_the_attributes_lack():
    call = inbound_call_from_attributes(
        {}, room_name="call-x", participant_identity="p", job_metadata='{"called": "+390551234567", "diversion": "x"}'
    )
    assert (call.called, call.diversion) == ("+390551234567", "x")
    # Without LiveKit's call id the room (one call) is the key, so a re-dispatched job finds its admission.
    assert call.sip_call_id == "room:call-x"


def test_bad_job_metadata_is_ignored():
    for metadata in ("not json", "[1, 2]", "null"):
        call = inbound_call_from_attributes({"sip.trunkPhoneNumber": "1"}, room_name="r", participant_identity="p",
                                            job_metadata=metadata)  # fmt: skip
        assert call.called == "1" and call.diversion is None


@pytest.mark.django_db
def test_the_trunk_region_is_looked_up_only_for_national_numbers(make_number, business, django_assert_num_queries):
    """LiveKit usually passes E.164: admission then costs no query for the trunk's region."""
    from telephony import services
    from telephony.agent.inbound import InboundCall
    from telephony.agent.runner import _admit
    from telephony.models import PbxTrunk

    trunk = services.trunk_save(trunk=PbxTrunk(name="PBX", allowed_addresses=["203.0.113.10"], default_region="GB"))
    services.trunk_link_livekit(trunk_id=trunk.pk, livekit_trunk_id="ST_pbx")
    make_number("+442079460958", business=business, max_concurrent_calls=2)
    international = InboundCall("+442079460958", "+393331112222", "SCL_1", "call-1", "sip_1", trunk_id="ST_pbx")
    national = InboundCall("020 7946 0958", "+393331112222", "SCL_2", "call-2", "sip_2", trunk_id="ST_pbx")

    with django_assert_num_queries(4):  # savepoint, route + locks, take slot + event, release
        assert _admit(international, "w").admitted
    with django_assert_num_queries(5):  # + the trunk, whose region (GB) reads the national number
        assert _admit(national, "w").admitted
