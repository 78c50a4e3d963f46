"""The SIP edge: the firewall ruleset from the trunks, checked by nft and proven in a network namespace."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from telephony import services
from telephony.models import PbxTrunk

pytestmark = pytest.mark.django_db

NFT = shutil.which("nft") or "/usr/sbin/nft"
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"


def rules(*args: str) -> str:
    out = io.StringIO()
    call_command("firewall_rules", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def trunk(name: str, *addresses: str, active: bool = True) -> PbxTrunk:
    return services.trunk_save(trunk=PbxTrunk(name=name, allowed_addresses=list(addresses), is_active=active))


def in_namespace(*command: str, stdin: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run a command in a network namespace of its own (loopback only): nothing reaches the host's tables."""
    return subprocess.run(
        [UNSHARE, "-rn", "/bin/sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def nft_check(ruleset: str) -> subprocess.CompletedProcess:
    return in_namespace(NFT, "-c", "-f", "-", stdin=ruleset)


@pytest.fixture
def trunks():
    return [
        trunk("Yeastar Firenze", "203.0.113.10", "198.51.100.0/24"),
        trunk("Carrier v6", "2001:db8:10::/48", "2001:db8:10:5::1"),  # the second inside the first
        trunk("Overlapping", "198.51.100.128/25", "192.0.2.0/24"),  # inside the first trunk's /24
        trunk("Old PBX", "233.252.0.7", active=False),
    ]


def test_ruleset_lets_in_the_active_trunks_merged_per_family(trunks):
    text = rules("--sip-port", "5060,15060")
    assert "elements = { 192.0.2.0/24, 198.51.100.0/24, 203.0.113.10 }" in text
    assert "elements = { 2001:db8:10::/48 }" in text
    assert "233.252.0.7" not in text  # the deactivated trunk
    assert "th dport { 5060, 15060 } ip saddr @sip_sources_v4 accept" in text
    assert "th dport { 5060, 15060 } ip6 saddr @sip_sources_v6 accept" in text
    assert "meta l4proto { tcp, udp } th dport { 5060, 15060 } drop" in text
    assert "udp dport 10000-12000 accept" in text
    assert "reject" not in text  # forbidden packets get no answer at all
    assert "5061" not in text  # TLS off by default


def test_sip_is_judged_before_destination_nat_so_published_container_ports_are_covered(trunks):
    assert "type filter hook prerouting priority -150; policy accept;" in rules()


def test_operators_are_warned_of_open_trunks_and_missing_carrier_ranges(trunks, settings):
    trunk("Open", "0.0.0.0/0")
    err = io.StringIO()
    call_command("firewall_rules", stdout=io.StringIO(), stderr=err)
    assert "trunk Open allow(s) every address" in err.getvalue()
    assert "SIP_CARRIER_ADDRESSES is empty" in err.getvalue()
    settings.SIP_CARRIER_ADDRESSES = ["192.0.2.0/28"]
    err = io.StringIO()
    call_command("firewall_rules", stdout=io.StringIO(), stderr=err)
    assert "SIP_CARRIER_ADDRESSES is empty" not in err.getvalue()


def test_ruleset_replaces_only_its_own_table():
    text = rules()
    tables = {line.split("{")[0].strip() for line in text.splitlines() if line.startswith(("table", "delete"))}
    assert tables == {"table inet panbot", "delete table inet panbot"}


def test_same_database_gives_the_same_bytes_and_a_header_saying_what_and_when(trunks):
    first, second = rules(), rules()
    assert first == second
    header = first.splitlines()[:4]
    assert header[0] == "#!/usr/sbin/nft -f"
    assert "manage.py firewall_rules" in header[1]
    newest = max(t.updated_at for t in PbxTrunk.objects.all())
    assert f"Trunks as of {newest.isoformat(timespec='seconds')}" in header[2]


def test_a_trunk_change_changes_the_ruleset(trunks):
    before = rules()
    trunks[0].allowed_addresses = ["203.0.113.11"]
    services.trunk_save(trunk=trunks[0])
    after = rules()
    assert "203.0.113.11" in after and "203.0.113.10" not in after
    assert before != after


def test_tls_port_and_carrier_ranges_from_settings(settings, trunks):
    settings.SIP_TLS_PORT = 5061
    settings.SIP_CARRIER_ADDRESSES = ["100.64.0.0/10"]
    text = rules()
    assert "tcp dport 5061 ip saddr @sip_sources_v4 accept" in text
    assert "tcp dport 5061 drop" in text
    assert "100.64.0.0/10" in text
    assert "carrier setting" in text


def test_an_active_trunk_without_addresses_is_refused_not_opened(trunks):
    PbxTrunk.objects.create(name="Forgotten", allowed_addresses=[])
    with pytest.raises(CommandError, match="Forgotten"):
        rules()


def test_no_trunk_at_all_drops_every_sip_packet():
    err = io.StringIO()
    call_command("firewall_rules", stdout=io.StringIO(), stderr=err)
    assert "every SIP packet is dropped" in err.getvalue()
    result = nft_check(rules())
    assert result.returncode == 0, result.stderr


def test_nft_accepts_the_ruleset_for_v4_v6_overlaps_and_tls(settings, trunks):
    settings.SIP_TLS_PORT = 5061
    result = nft_check(rules("--sip-port", "5060,15060", "--rtp-range", "10000-12000"))
    assert result.returncode == 0, result.stderr


def test_nft_refuses_a_broken_ruleset():
    # The check above would mean nothing if nft accepted anything.
    result = nft_check(rules().replace("flags interval", "flags nonsense", 1))
    assert result.returncode != 0


def test_demo_trunks_pass_the_check_command(settings):
    settings.DEBUG = True  # seed_demo's development logins
    call_command("seed_demo", stdout=io.StringIO())
    err = io.StringIO()
    # --check runs `nft -c`, which only parses and validates: the host is not changed.
    call_command("firewall_rules", "--check", "--sip-port", "5060,15060", stdout=io.StringIO(), stderr=err)
    assert "valid" in err.getvalue()


def test_output_file_is_written_whole(tmp_path, trunks):
    target = tmp_path / "panbot.nft"
    call_command("firewall_rules", "--output", str(target), stdout=io.StringIO(), stderr=io.StringIO())
    assert target.read_text() == rules()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sip-port", "five"], "--sip-port"),
        (["--sip-port", "70000"], "--sip-port"),
        (["--rtp-range", "12000-10000"], "--rtp-range"),
        (["--rtp-range", "10000"], "--rtp-range"),
        (["--tls-port", "-1"], "--tls-port"),
    ],
)
def test_bad_flags_are_refused_with_their_name(args, message):
    with pytest.raises(CommandError, match=message):
        rules(*args)


PROBE = textwrap.dedent(
    """
    import socket, sys, time
    port = int(sys.argv[1])
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", port))
    server.settimeout(1.0)
    for source in ("127.0.0.2", "127.0.0.3"):
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        client.bind((source, 0))
        client.sendto(b"INVITE from " + source.encode(), ("127.0.0.1", port))
    received = []
    try:
        while True:
            data, (address, _) = server.recvfrom(2048)
            received.append(address)
    except socket.timeout:
        pass
    # TCP: the allowed source reaches the stack (a reset: nothing listens), the forbidden one hears nothing.
    outcomes = []
    for source in ("127.0.0.2", "127.0.0.3"):
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.bind((source, 0))
        client.settimeout(1.0)
        try:
            client.connect(("127.0.0.1", port + 1))
            outcomes.append("connected")
        except ConnectionRefusedError:
            outcomes.append("refused")
        except (socket.timeout, TimeoutError):
            outcomes.append("silence")
    print(",".join(received) + "|" + ",".join(outcomes))
    """
)


def run_probe(tmp_path: Path, ruleset: str | None) -> str:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    script = f"{sys.executable} {probe} 15060"
    if ruleset is not None:
        (tmp_path / "rules.nft").write_text(ruleset)
        script = f"{NFT} -f {tmp_path / 'rules.nft'} && {script}"
    result = in_namespace("sh", "-c", script)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_in_a_namespace_only_the_trunks_datagram_arrives(tmp_path):
    trunk("Yeastar P550", "127.0.0.2")
    # Without the ruleset both sources get through: the probe itself can see a difference.
    assert run_probe(tmp_path, None) == "127.0.0.2,127.0.0.3|refused,refused"
    # With it, the forbidden source's datagram never arrives and its TCP SYN gets no reset.
    assert run_probe(tmp_path, rules("--sip-port", "15060,15061")) == "127.0.0.2|refused,silence"
