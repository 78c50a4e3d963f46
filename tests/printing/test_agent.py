"""The relay path end to end on loopback: a print agent claims over HTTP, prints on its "LAN", reports back."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import CommandError, call_command

from orders.services import order_place
from printing import services, transport
from printing.agent import PlatformError, PrintAgent
from printing.models import Printer, PrintJob
from tests.printing.conftest import FakePrinter, decode_escpos

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def relay(business, menu, taking_orders, make_printer, fake_printer, at):
    """A kitchen printer in the restaurant's LAN (only the agent reaches it) and one phone order for it."""
    printer = make_printer(fake_printer.port, connection=Printer.Connection.RELAY)
    at(2026, 6, 13, 18, 0)
    order = order_place(business=business, items=[{"item_id": menu.cola.pk, "quantity": 2}], customer_name="Anna",
                        customer_phone="333 765 4321")  # fmt: skip
    _, token = services.print_agent_create(business_id=business.pk, name="Kitchen PC")
    return printer, order, token


def test_the_agent_prints_the_order_once_and_reports_it(relay, live_server, fake_printer, tmp_path):
    _, order, token = relay
    agent = PrintAgent(base_url=live_server.url, token=token, state_file=tmp_path / "state.json")
    assert agent.step() == 1
    (data,) = fake_printer.wait_for_jobs(1)
    assert f"#{order.ticket_number}" in decode_escpos(data, "cp858")
    job = PrintJob.objects.get()
    assert (job.status, job.attempts) == ("printed", 1)
    assert agent.step() == 0  # nothing left
    time.sleep(0.2)
    assert len(fake_printer.jobs) == 1


def test_a_lost_report_never_prints_the_ticket_twice(relay, live_server, fake_printer, tmp_path):
    _, _, token = relay

    class LosesReports(PrintAgent):
        def _call(self, path, body):
            if path.startswith("jobs/"):
                raise PlatformError("the network went away")
            return super()._call(path, body)

    losing = LosesReports(base_url=live_server.url, token=token, state_file=tmp_path / "state.json")
    assert losing.step() == 1
    assert list(losing.unreported) == [PrintJob.objects.get().pk]  # kept for the next step, not lost
    assert len(fake_printer.wait_for_jobs(1)) == 1
    # The agent restarts; the platform hands the job out again once its lease has run out.
    PrintJob.objects.update(claimed_until="2000-01-01T00:00:00Z")
    restarted = PrintAgent(base_url=live_server.url, token=token, state_file=tmp_path / "state.json")
    assert restarted.step() == 1
    time.sleep(0.2)
    assert len(fake_printer.jobs) == 1  # reported as printed, not printed again
    assert PrintJob.objects.get().status == "printed"


def test_a_failing_lan_printer_is_retried_by_the_agent_then_failed(relay, live_server, tmp_path, closed_port):
    printer, _, token = relay
    Printer.objects.filter(pk=printer.pk).update(port=closed_port)
    agent = PrintAgent(base_url=live_server.url, token=token, state_file=tmp_path / "state.json")
    for attempt in range(1, 5):
        PrintJob.objects.update(not_before=None)  # the backoff is the platform's; here we do not wait it out
        assert agent.step() == 1
        job = PrintJob.objects.get()
        assert job.attempts == attempt
    assert (job.status, "refused" in job.error) == ("failed", True)
    assert Printer.objects.get(pk=printer.pk).status == "offline"


def test_the_command_runs_one_step_with_the_token_from_the_environment(relay, live_server, fake_printer, tmp_path,
                                                                       monkeypatch):  # fmt: skip
    _, _, token = relay
    monkeypatch.setenv("PRINT_AGENT_TOKEN", token)
    out = io.StringIO()
    call_command(
        "print_agent", "--url", live_server.url, "--once", "--state-file", str(tmp_path / "s.json"), stdout=out
    )
    assert "1 job(s) handled" in out.getvalue()
    assert len(fake_printer.wait_for_jobs(1)) == 1


def test_the_command_refuses_a_revoked_token_clearly(relay, live_server, tmp_path, monkeypatch):
    monkeypatch.setenv("PRINT_AGENT_TOKEN", "pa_not-a-real-token")
    with pytest.raises(CommandError, match="401"):
        call_command("print_agent", "--url", live_server.url, "--once", "--state-file", str(tmp_path / "s.json"))
    monkeypatch.delenv("PRINT_AGENT_TOKEN")
    with pytest.raises(CommandError, match="PRINT_AGENT_TOKEN"):
        call_command("print_agent", "--url", live_server.url, "--once")


def test_one_job_the_agent_cannot_send_does_not_abandon_the_others(relay, live_server, fake_printer, tmp_path,
                                                                   business):  # fmt: skip
    printer, _, token = relay
    PrintJob.objects.create(business=business, printer=printer, kind="test")
    calls: list[int] = []

    def send(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug while sending the first job")
        return transport.send(**kwargs)

    agent = PrintAgent(base_url=live_server.url, token=token, state_file=tmp_path / "state.json", send=send)
    assert agent.step() == 2
    assert len(fake_printer.wait_for_jobs(1)) == 1
    statuses = sorted(PrintJob.objects.values_list("status", flat=True))
    assert statuses == ["printed", "queued"]  # the bad one is a failed attempt, retried later; none left `sending`
    assert "RuntimeError" in PrintJob.objects.get(status="queued").error
    assert agent.unreported == {}


def test_a_ticket_the_lan_printer_did_not_confirm_is_failed_not_retried(relay, live_server, tmp_path):
    printer, _, token = relay
    dropping = FakePrinter(mode="reset_after")
    try:
        Printer.objects.filter(pk=printer.pk).update(port=dropping.port)
        agent = PrintAgent(base_url=live_server.url, token=token, state_file=tmp_path / "state.json")
        assert agent.step() == 1
        job = PrintJob.objects.get()
        assert (job.status, job.attempts, job.error) == ("failed", 1, transport.UNCONFIRMED)
        # A claim of the same job again (say, after a lost report) is never sent again by this agent.
        PrintJob.objects.update(status="queued")
        assert agent.step() == 1
        assert len(dropping.connections) == 1
    finally:
        dropping.stop()


def test_a_late_report_from_an_agent_that_lost_its_claim_is_refused(relay, live_server, tmp_path, api_client):
    """Agent A claims, stalls past its lease; agent B claims the job again; A's late report must not count."""
    _, _, token = relay
    api_client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    (first,) = api_client.post("/api/v1/print-agent/claim/", {}, format="json").json()["jobs"]
    PrintJob.objects.update(claimed_until="2000-01-01T00:00:00Z")  # A's lease runs out
    (second,) = api_client.post("/api/v1/print-agent/claim/", {}, format="json").json()["jobs"]
    assert (first["attempt"], second["attempt"]) == (1, 2)
    url = f"/api/v1/print-agent/jobs/{first['id']}/result/"
    late = api_client.post(url, {"attempt": 1, "printed": False, "printer_status": "offline", "error": "A gave up"},
                           format="json")  # fmt: skip
    assert late.status_code == 409 and late.json()["code"] == "print_job_claim_lost"
    job = PrintJob.objects.get()
    assert (job.status, job.attempts, job.error) == ("sending", 2, "")  # B's claim is untouched
    missing = api_client.post(url, {"printed": True, "printer_status": "ok"}, format="json")
    assert missing.status_code == 400 and "attempt" in missing.json()
    current = api_client.post(url, {"attempt": 2, "printed": True, "printer_status": "ok"}, format="json")
    assert current.status_code == 200
    assert PrintJob.objects.get().status == "printed"


def test_a_refused_pending_report_is_dropped_a_platform_failure_keeps_it(relay, live_server, fake_printer, tmp_path):
    _, _, token = relay

    class Flaky(PrintAgent):
        answer: int | None = 503

        def _call(self, path, body):
            if path.startswith("jobs/") and self.answer is not None:
                raise PlatformError(f"The platform answered {self.answer}", self.answer)
            return super()._call(path, body)

    agent = Flaky(base_url=live_server.url, token=token, state_file=tmp_path / "state.json")
    assert agent.step() == 1
    job_id = PrintJob.objects.get().pk
    assert list(agent.unreported) == [job_id]  # 503: kept
    agent.step()
    assert list(agent.unreported) == [job_id]  # still kept
    agent.answer = 409
    agent.step()
    assert agent.unreported == {}  # refused: dropped, not retried forever
    assert len(fake_printer.jobs) == 1
