"""Media capacity against the call limits: the system check, livekit_sync's line and the admin's list."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from telephony.checks import ghost_window, rtp_capacity, rtp_capacity_deploy
from telephony.edge.capacity import platform_capacity

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(make_business, make_number):
    """Admissible at once: 3 (business limit under its numbers' 2+2) + 1 (numbers' limit under 5) = 4."""
    capped = make_business(max_concurrent_calls=3)
    make_number(business=capped, max_concurrent_calls=2)
    make_number(business=capped, max_concurrent_calls=2)
    make_number(business=capped, max_concurrent_calls=9, is_active=False)  # inactive: admits nothing
    roomy = make_business(max_concurrent_calls=5)
    make_number(business=roomy, max_concurrent_calls=1)
    closed = make_business(max_concurrent_calls=8, is_active=False)
    make_number(business=closed, max_concurrent_calls=8)
    make_number(max_concurrent_calls=50)  # the pool: unassigned numbers take no calls
    return capped, roomy


def test_admissible_calls_take_the_smaller_of_business_and_numbers_limits(limits):
    assert platform_capacity().admissible_calls == 4


def test_agent_workers_cap_the_admissible_calls(settings, limits):
    settings.AGENT_MAX_SESSIONS, settings.AGENT_WORKERS = 1, 3
    capacity = platform_capacity()
    assert (capacity.by_limits, capacity.agent_sessions, capacity.admissible_calls) == (4, 3, 3)


@pytest.mark.parametrize(
    ("rtp_range", "expected"),
    [
        ((10000, 10019), []),  # 10 calls' worth of ports for 4 calls: 40 %
        ((10000, 10009), ["telephony.W001"]),  # 5 calls' worth: 80 %
        ((10000, 10007), ["telephony.W001"]),  # 4 calls' worth: exactly 100 % still carries them all
        ((10000, 10005), ["telephony.W001", "telephony.E001"]),  # 3 calls' worth: 133 %, an error on deploy
    ],
)
def test_check_warns_at_80_percent_and_errors_above_100_on_deploy(settings, limits, rtp_range, expected):
    settings.RTP_PORT_RANGE = rtp_range
    assert [message.id for message in rtp_capacity() + rtp_capacity_deploy()] == expected


def test_check_message_says_what_to_widen(settings, limits):
    settings.RTP_PORT_RANGE = (10000, 10005)
    (error,) = rtp_capacity_deploy()
    assert "up to 4 concurrent calls" in error.msg and "10000-10005 carry 3" in error.msg
    assert "RTP_PORT_RANGE" in error.hint


def test_deploy_check_fails_on_the_capacity_error_and_other_commands_still_run(settings, limits):
    settings.RTP_PORT_RANGE = (10000, 10003)
    with pytest.raises(SystemCheckError, match=r"telephony\.E001.*200% used"):
        call_command("check", "--deploy")
    call_command("check")  # a warning: limits a stakeholder raised must not stop migrate, run_agent, ...
    out = io.StringIO()
    call_command("firewall_rules", stdout=out, stderr=io.StringIO())  # runs the system checks first
    assert "table inet panbot" in out.getvalue()


def test_ghost_window_check_warns_past_15_seconds(settings):
    settings.CALL_LEASE_SECONDS, settings.CALL_REAPER_SECONDS = 10, 2
    assert ghost_window() == []
    settings.CALL_LEASE_SECONDS, settings.CALL_REAPER_SECONDS = 15, 5
    (warning,) = ghost_window()
    assert warning.id == "telephony.W002" and "20 s" in warning.msg


def test_defaults_reclaim_a_ghost_within_15_seconds_and_survive_a_lost_heartbeat(settings):
    # The worst case of the reaper alone: lease + one period. One lost heartbeat leaves a gap of
    # two periods, which must stay inside the lease.
    assert settings.CALL_LEASE_SECONDS + settings.CALL_REAPER_SECONDS <= 15
    assert 2 * settings.AGENT_HEARTBEAT_SECONDS < settings.CALL_LEASE_SECONDS
    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "telephony.tasks.reap_stale_calls"]
    assert entry["schedule"] == settings.CALL_REAPER_SECONDS


def test_admin_number_list_shows_platform_capacity(client, stakeholder, settings, limits):
    settings.RTP_PORT_RANGE = (10000, 10009)
    client.force_login(stakeholder)
    page = client.get("/admin/telephony/sipnumber/").content.decode()
    assert "Platform capacity:" in page
    assert "up to 4 concurrent calls admissible" in page
    assert "10000-10009 carry 5" in page and "80 % used" in page and "widen RTP_PORT_RANGE soon" in page
