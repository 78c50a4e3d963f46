"""The printing API: printers (managers), reprints and an order's jobs (staff), print agents; outsiders see nothing."""

from __future__ import annotations

import pytest

from printing.models import PrintAgent, Printer, PrintJob

pytestmark = pytest.mark.django_db

BASE = "/api/v1/businesses/{}/"


def printers_url(world, suffix: str = "") -> str:
    return BASE.format(world.own.business.pk) + "printers/" + suffix


def test_manager_adds_a_printer_and_sees_its_state(world):
    response = world.client("manager").post(
        printers_url(world),
        {"name": "Cucina", "host": "192.168.1.50", "paper_width_mm": 58, "tickets": "both"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["port"], body["protocol"], body["code_page"], body["auto_print"], body["status"]) == (
        9100, "escpos", "CP858", True, "unknown",
    )  # fmt: skip
    assert Printer.objects.get(pk=body["id"]).business == world.own.business


def test_an_ipp_printer_defaults_to_port_631(world):
    response = world.client("owner").post(
        printers_url(world), {"name": "Ufficio", "host": "printer.local", "protocol": "ipp"}, format="json"
    )
    assert response.status_code == 201 and response.json()["port"] == 631


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("169.254.169.254", "cannot be a printer's address"),  # a cloud's metadata service
        ("0.0.0.0", "cannot be a printer's address"),  # noqa: S104 (an address refused, not bound)
        ("224.0.0.1", "cannot be a printer's address"),
        ("not a host!", "is not a host name or IP address"),
        ("999.1.1.1", "is not a host name or IP address"),
    ],
)
def test_hosts_that_cannot_be_printers_are_refused(world, host, message):
    response = world.client("manager").post(printers_url(world), {"name": "X", "host": host}, format="json")
    assert response.status_code == 400
    assert message in response.json()["host"][0]


def test_the_platform_itself_is_not_a_printer_outside_development(world, settings):
    settings.PRINTER_ALLOW_LOOPBACK = False
    response = world.client("manager").post(printers_url(world), {"name": "X", "host": "127.0.0.1"}, format="json")
    assert response.status_code == 400 and "print agent" in response.json()["host"][0]


def test_printer_names_are_unique_within_a_business(world):
    assert world.own.printer.name == "Kitchen"
    body = {"name": "Kitchen", "host": "10.0.0.2"}
    response = world.client("manager").post(printers_url(world), body, format="json")
    assert response.status_code == 400


def test_a_business_field_in_the_body_is_refused(world):
    body = {"name": "Bar", "host": "10.0.0.3", "business": world.foreign.business.pk}
    response = world.client("manager").post(printers_url(world), body, format="json")
    assert response.status_code == 400 and response.json()["business"] == ["Unknown field."]


def test_staff_cannot_configure_printers_and_outsiders_do_not_see_them(world):
    printer = world.own.printer
    assert world.client("staff").get(printers_url(world)).status_code == 403
    assert world.client("staff").patch(printers_url(world, f"{printer.pk}/"), {"auto_print": False}).status_code == 403
    assert world.client("outsider").get(printers_url(world, f"{printer.pk}/")).status_code == 404


def test_update_changes_only_what_is_sent(world):
    printer = world.own.printer
    response = world.client("manager").patch(
        printers_url(world, f"{printer.pk}/"), {"auto_print": False}, format="json"
    )
    assert response.status_code == 200
    printer.refresh_from_db()
    assert (printer.auto_print, printer.name, printer.host) == (False, "Kitchen", "192.168.1.50")


def test_staff_reprint_an_order_and_see_its_jobs(world):
    assert world.own.printer.name == "Kitchen"  # before the order: it prints nothing by itself then
    order_url = BASE.format(world.own.business.pk) + f"orders/{world.own.order.pk}/"
    assert world.own.printer.tickets == "kitchen"  # added after the order: the reprint is its only job
    client = world.client("staff")
    response = client.post(order_url + "print/", {"kind": "kitchen"}, format="json")
    assert response.status_code == 202
    (job,) = response.json()
    assert (job["kind"], job["status"], job["reprint"], job["printer_name"]) == ("kitchen", "queued", True, "Kitchen")
    listed = client.get(order_url + "print-jobs/").json()["results"]
    # Newest first: the reprint, then the ticket the order printed by itself when it was placed.
    assert (listed[0]["id"], listed[0]["reprint"]) == (job["id"], True)
    assert [j["reprint"] for j in listed] == [True, False]


def test_a_reprint_on_another_business_printer_is_refused_as_unknown(world):
    order_url = BASE.format(world.own.business.pk) + f"orders/{world.own.order.pk}/print/"
    response = world.client("staff").post(order_url, {"printer": world.foreign.printer.pk}, format="json")
    assert response.status_code == 400 and response.json()["printer"] == ["No such printer (or it is deactivated)."]
    assert not PrintJob.objects.exists()


def test_an_order_of_another_business_has_no_jobs_here(world):
    url = BASE.format(world.own.business.pk) + f"orders/{world.foreign.order.pk}/print-jobs/"
    assert world.client("owner").get(url).status_code == 404


def test_a_receipt_reprint_without_a_receipt_printer_says_so(world):
    assert world.own.printer.tickets == "kitchen"  # no receipts
    url = BASE.format(world.own.business.pk) + f"orders/{world.own.order.pk}/print/"
    response = world.client("staff").post(url, {"kind": "receipt"}, format="json")
    assert response.status_code == 400 and response.json()["kind"] == ["No active printer prints receipts."]


def test_manager_prints_a_test_page(world):
    response = world.client("manager").post(printers_url(world, f"{world.own.printer.pk}/test/"), {}, format="json")
    assert response.status_code == 202 and response.json()["kind"] == "test"


def test_a_print_agent_token_is_shown_once_and_revoking_it_locks_the_device_out(world, api_client):
    agents_url = BASE.format(world.own.business.pk) + "print-agents/"
    created = world.client("manager").post(agents_url, {"name": "Kitchen PC"}, format="json").json()
    token = created["token"]
    assert token.startswith("pa_") and not PrintAgent.objects.filter(token_hash=token).exists()
    assert "token" not in world.client("manager").get(agents_url).json()["results"][0]
    api_client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    assert api_client.post("/api/v1/print-agent/claim/", {}, format="json").status_code == 200
    world.client("manager").patch(agents_url + f"{created['id']}/", {"is_active": False}, format="json")
    refused = api_client.post("/api/v1/print-agent/claim/", {}, format="json")
    assert refused.status_code == 401 and refused.json()["code"] == "device_token_not_valid"


def test_an_agent_only_gets_and_reports_its_own_business_jobs(world, api_client):
    from printing import services

    _, own_token = services.print_agent_create(business_id=world.own.business.pk, name="PC")
    foreign_job = world.foreign.print_job
    own_job = world.own.print_job
    api_client.credentials(HTTP_AUTHORIZATION=f"Device {own_token}")
    jobs = api_client.post("/api/v1/print-agent/claim/", {}, format="json").json()["jobs"]
    assert [j["id"] for j in jobs] == [own_job.pk]
    report = {"attempt": 1, "printed": True, "printer_status": "ok"}
    assert (
        api_client.post(f"/api/v1/print-agent/jobs/{foreign_job.pk}/result/", report, format="json").status_code == 404
    )
    assert api_client.post(f"/api/v1/print-agent/jobs/{own_job.pk}/result/", report, format="json").status_code == 200


def test_stakeholder_adds_a_printer_in_the_admin_and_sees_jobs(client, stakeholder, business):
    client.force_login(stakeholder)
    response = client.post(
        "/admin/printing/printer/add/",
        {"business": business.pk, "name": "Pass", "host": "169.254.169.254", "port": 9100, "protocol": "escpos",
         "connection": "direct", "paper_width_mm": 80, "code_page": "CP858", "tickets": "kitchen",
         "auto_print": "on", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200 and "cannot be a printer" in response.content.decode()  # a form error
    assert not Printer.objects.exists()
    for page in ("/admin/printing/printer/", "/admin/printing/printjob/", "/admin/printing/printagent/"):
        assert client.get(page).status_code == 200
