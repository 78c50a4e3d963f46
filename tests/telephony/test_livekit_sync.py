"""`manage.py livekit_sync` makes LiveKit match the database, against a local fake of LiveKit's API."""

import io

import pytest
from django.core.management import CommandError, call_command

from telephony import services
from telephony.models import PbxTrunk

pytestmark = pytest.mark.django_db


def sync(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("livekit_sync", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def trunk():
    return services.trunk_save(
        trunk=PbxTrunk(name="Yeastar P550", allowed_addresses=["203.0.113.10", "10.20.0.0/24"], default_region="IT")
    )


@pytest.fixture
def numbers(make_number, business, trunk):
    return [
        make_number("+390551234567", business=business, trunk=trunk),
        make_number("+390551234568", business=business, trunk=trunk),
        make_number("+390551234569", trunk=trunk),  # in the pool: LiveKit must not accept it
        make_number("+390551234570", business=business, trunk=trunk, is_active=False),
    ]


def test_first_sync_creates_trunk_and_dispatch_rule(fake_livekit, settings, trunk, numbers):
    settings.AGENT_NAME = "panbot-test-agent"
    out, _ = sync()

    (lk_trunk,) = fake_livekit.trunks.values()
    assert sorted(lk_trunk.numbers) == ["+390551234567", "+390551234568"]
    assert sorted(lk_trunk.allowed_addresses) == ["10.20.0.0/24", "203.0.113.10/32"]
    assert dict(lk_trunk.headers_to_attributes) == {"Diversion": "panbot.diversion"}
    assert lk_trunk.name == "Yeastar P550"
    trunk.refresh_from_db()
    assert trunk.livekit_trunk_id == lk_trunk.sip_trunk_id

    (rule,) = fake_livekit.rules.values()
    assert list(rule.trunk_ids) == [lk_trunk.sip_trunk_id]
    assert rule.rule.dispatch_rule_individual.room_prefix == "call-"
    assert [a.agent_name for a in rule.room_config.agents] == ["panbot-test-agent"]
    assert "create inbound trunk 'Yeastar P550'" in out and "create dispatch rule" in out
    # Every request carried a token LiveKit would accept for SIP administration.
    assert all(r.grants.sip is not None and r.grants.sip.admin for r in fake_livekit.requests)


def test_second_sync_changes_nothing(fake_livekit, trunk, numbers):
    sync()
    fake_livekit.requests.clear()
    out, _ = sync()
    assert fake_livekit.mutations() == []
    assert "nothing to change" in out


def test_database_changes_are_carried_over(fake_livekit, trunk, numbers, stakeholder, outsider_business):
    sync()
    services.number_unassign(sip_number=numbers[1], by=stakeholder)
    services.number_assign(sip_number=numbers[2], business=outsider_business, by=stakeholder)
    trunk.allowed_addresses = ["198.51.100.7"]
    services.trunk_save(trunk=trunk)

    out, _ = sync()
    (lk_trunk,) = fake_livekit.trunks.values()
    assert sorted(lk_trunk.numbers) == ["+390551234567", "+390551234569"]
    assert list(lk_trunk.allowed_addresses) == ["198.51.100.7/32"]
    assert "update inbound trunk" in out
    assert [r.method for r in fake_livekit.mutations()].count("CreateSIPInboundTrunk") == 1


def test_dry_run_prints_and_changes_nothing(fake_livekit, trunk, numbers):
    out, _ = sync("--dry-run")
    assert fake_livekit.mutations() == []
    assert not fake_livekit.trunks and not fake_livekit.rules
    assert "Would create inbound trunk 'Yeastar P550'" in out
    assert "Would create dispatch rule" in out
    trunk.refresh_from_db()
    assert trunk.livekit_trunk_id == ""


def test_removed_trunk_is_deleted_with_its_rule(fake_livekit, trunk, numbers):
    sync()
    trunk.is_active = False
    services.trunk_save(trunk=trunk)
    out, _ = sync()
    assert fake_livekit.trunks == {} and fake_livekit.rules == {}
    assert "delete inbound trunk" in out and "delete dispatch rule" in out
    trunk.refresh_from_db()
    assert trunk.livekit_trunk_id == ""


def test_trunks_that_would_be_open_are_skipped_with_a_warning(fake_livekit, make_number, business):
    # Validation refuses a trunk without addresses; one written around it must still not open LiveKit up.
    open_trunk = PbxTrunk.objects.create(name="No addresses", allowed_addresses=[])
    make_number("+390551234567", business=business, trunk=open_trunk)
    services.trunk_save(trunk=PbxTrunk(name="No numbers", allowed_addresses=["203.0.113.10"]))
    _, err = sync()
    assert "Skipped trunk 'No addresses': it has no allowed source addresses." in err
    assert "Skipped trunk 'No numbers': it has no assigned, active numbers." in err
    assert fake_livekit.trunks == {} and fake_livekit.rules == {}


def test_objects_panbot_did_not_create_are_left_alone(fake_livekit, trunk, numbers):
    from livekit.protocol import sip as proto_sip

    foreign = proto_sip.SIPInboundTrunkInfo(sip_trunk_id="ST_manual", name="someone else's", numbers=["+15550100"])
    fake_livekit.trunks["ST_manual"] = foreign
    sync()
    assert "ST_manual" in fake_livekit.trunks
    assert len(fake_livekit.trunks) == 2


def test_livekit_errors_are_reported_clearly(fake_livekit, trunk, numbers):
    fake_livekit.fail_next("CreateSIPInboundTrunk", code="permission_denied", msg="no SIP admin grant", status=403)
    with pytest.raises(CommandError, match=r"LiveKit refused the request: permission_denied \(HTTP 403\): no SIP"):
        sync()


def test_unreachable_livekit_is_reported_clearly(settings, trunk, numbers):
    settings.LIVEKIT_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET = "k", "s" * 40
    with pytest.raises(CommandError, match=r"Could not reach LiveKit at http://127\.0\.0\.1:9"):
        sync()


def test_without_livekit_settings_the_command_says_what_is_missing(settings):
    settings.LIVEKIT_URL = ""
    with pytest.raises(CommandError, match="LIVEKIT_URL"):
        sync()


def test_sync_reports_media_capacity_against_the_rtp_range(fake_livekit, settings, trunk, numbers, business):
    settings.RTP_PORT_RANGE = (10000, 10003)  # 2 calls' worth of ports; the business admits 2 (its numbers)
    out, _ = sync()
    assert "Capacity: up to 2 concurrent calls admissible" in out
    assert "RTP ports 10000-10003 carry 2 (100% used)" in out
