"""GET .../analytics/ and .../calls/export.csv: answers, refusals, tenancy, query counts."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from analytics.export import safe_cell
from analytics.services import rollups_rebuild
from tests.analytics.calls import finished_call, local, order_on

ROME = "Europe/Rome"


def analytics_url(business, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/businesses/{business.pk}/analytics/" + (f"?{params}" if params else "")


def export_url(business, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/businesses/{business.pk}/calls/export.csv" + (f"?{params}" if params else "")


def csv_rows(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# --- analytics --------------------------------------------------------------------------------------


def test_analytics_echoes_the_range_and_answers_from_rollups(world):
    business, number = world.own.business, world.own.number
    call = finished_call(business, number, local(ROME, 2026, 5, 4, 12, 0), seconds=90)
    order_on(call, "30.00")
    rollups_rebuild(business_id=business.pk)
    response = world.client("manager").get(analytics_url(business, **{"from": "2026-05-01", "to": "2026-05-07"}))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["range"] == {"from": "2026-05-01", "to": "2026-05-07"}
    assert body["previous_range"] == {"from": "2026-04-24", "to": "2026-04-30"}
    assert body["timezone"] == ROME and body["currency"] == "EUR" and body["number"] is None
    assert [d["calls"] for d in body["days"]] == [0, 0, 0, 1, 0, 0, 0]
    assert body["current"]["answered"] == 1 and body["current"]["revenue"] == "30.00"
    assert body["busiest_hours"][0][12] == 1  # Monday, noon
    # Rollups are what it reads: without them, nothing.
    business.call_rollups.all().delete()
    response = world.client("owner").get(analytics_url(business, **{"from": "2026-05-01", "to": "2026-05-07"}))
    assert response.json()["current"]["calls"] == 0


def test_analytics_defaults_to_the_last_30_local_days(world):
    response = world.client("owner").get(analytics_url(world.own.business))
    body = response.json()
    first, last = date.fromisoformat(body["range"]["from"]), date.fromisoformat(body["range"]["to"])
    assert (last - first).days == 29 and len(body["days"]) == 30


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-05-10", "to": "2026-05-09"}, "to"),
        ({"from": "2025-01-01", "to": "2026-02-05"}, "to"),  # 401 days
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"number": "abc"}, "number"),
        ({"number": "99999999999999999999"}, "number"),
        ({"from": "0001-01-01"}, "from"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_ranges_are_400_naming_the_field(world, query, field):
    response = world.client("manager").get(analytics_url(world.own.business, **query))
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_400_days_is_the_longest_range(world):
    response = world.client("manager").get(
        analytics_url(world.own.business, **{"from": "2025-01-01", "to": "2026-02-04"})
    )
    assert response.status_code == 200
    assert len(response.json()["days"]) == 400


def test_a_number_of_another_business_is_refused_and_a_former_one_accepted(world, stakeholder):
    from telephony import services

    foreign = world.foreign.number
    response = world.client("manager").get(analytics_url(world.own.business, number=foreign.pk))
    assert response.status_code == 400 and "number" in response.json()
    former = world.own.number
    finished_call(world.own.business, former, local(ROME, 2026, 5, 4, 12, 0))
    rollups_rebuild(business_id=world.own.business.pk)
    services.number_assign(sip_number=former, business=world.foreign.business, by=stakeholder)
    response = world.client("manager").get(
        analytics_url(world.own.business, number=former.pk, **{"from": "2026-05-04", "to": "2026-05-04"})
    )
    assert response.status_code == 200, response.content
    assert response.json()["current"]["calls"] == 1


def test_outsiders_do_not_see_analytics(world):
    assert world.client("outsider").get(analytics_url(world.own.business)).status_code == 404
    assert world.client("stakeholder").get(analytics_url(world.own.business)).status_code == 404
    assert world.client("staff").get(analytics_url(world.own.business)).status_code == 403


def test_analytics_queries_do_not_grow_with_calls(world):
    business, number = world.own.business, world.own.number
    url = analytics_url(business, **{"from": "2026-03-01", "to": "2026-03-31"}, number=number.pk)
    client = world.client("manager")  # its token minted before counting
    counts = []
    for calls in (1, 200):
        start = local(ROME, 2026, 3, 1, 9, 0)
        for i in range(calls):
            call = finished_call(business, number, start + timedelta(hours=7 * i + len(counts)), seconds=30 + i)
            if i % 3 == 0:
                order_on(call, "10.00")
        rollups_rebuild(business_id=business.pk)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert response.json()["current"]["calls"] > 100
    # The business, the number check, then volume (with the durations), sales and the grid.
    assert counts == [5, 5]


# --- CSV export -----------------------------------------------------------------------------------


def test_export_streams_the_filtered_calls_as_csv(world):
    business, number = world.own.business, world.own.number
    other = world.own.number.__class__.objects.get(pk=world.own.number.pk)
    first = finished_call(business, number, local(ROME, 2026, 5, 4, 12, 0), seconds=75, caller="+393330000001")
    finished_call(business, number, local(ROME, 2026, 5, 4, 13, 0), status="rejected", reason="number_busy")
    finished_call(business, number, local(ROME, 2026, 5, 6, 0, 30), caller="+393330000002")  # next day
    finished_call(world.foreign.business, world.foreign.number, local(ROME, 2026, 5, 4, 12, 0))
    order_on(first, "12.00")
    client = world.client("manager")
    response = client.get(export_url(business, **{"from": "2026-05-04", "to": "2026-05-05"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="calls-' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [(r["started_at"], r["status"], r["orders"]) for r in rows] == [
        ("2026-05-04T12:00:00+02:00", "completed", "1"),
        ("2026-05-04T13:00:00+02:00", "rejected", "0"),
    ]
    assert rows[0]["duration_seconds"] == "75.0" and rows[0]["caller"] == "+393330000001"
    assert rows[0]["number"] == other.number and rows[0]["number_label"] == "Orders"
    by_status = csv_rows(
        client.get(export_url(business, **{"from": "2026-05-01", "to": "2026-05-31"}, status="rejected"))
    )
    assert [r["reason"] for r in by_status] == ["number_busy"]
    by_reason = csv_rows(
        client.get(export_url(business, **{"from": "2026-05-01", "to": "2026-05-31"}, reason="caller_hangup"))
    )
    assert len(by_reason) == 2
    by_caller = csv_rows(client.get(export_url(business, **{"from": "2026-05-01", "to": "2026-05-31"}, caller="0002")))
    assert [r["started_at"] for r in by_caller] == ["2026-05-06T00:30:00+02:00"]
    by_number = csv_rows(
        client.get(export_url(business, **{"from": "2026-05-01", "to": "2026-05-31"}, number=number.pk))
    )
    assert len(by_number) == 3


def test_export_does_not_show_a_later_holders_label_of_a_former_number(world, stakeholder):
    from telephony import services

    number = world.own.number
    finished_call(world.own.business, number, local(ROME, 2026, 5, 4, 12, 0))
    services.number_assign(sip_number=number, business=world.foreign.business, by=stakeholder)
    services.number_update(sip_number=number, by=stakeholder, label="Sushi takeaway")
    url = export_url(world.own.business, **{"from": "2026-05-04", "to": "2026-05-04"})
    (row,) = csv_rows(world.client("manager").get(url))
    assert (row["number"], row["number_label"]) == (number.number, "")


def test_export_neutralises_formulas(world):
    business, number = world.own.business, world.own.number
    for caller in ('=HYPERLINK("http://evil")', "@SUM(A1)", "-2+3", "+39 055 123", "\tcmd"):
        finished_call(business, number, local(ROME, 2026, 5, 4, 12, 0), caller=caller)
    number.label = "=1+1"
    number.save(update_fields=["label"])
    rows = csv_rows(world.client("owner").get(export_url(business, **{"from": "2026-05-04", "to": "2026-05-04"})))
    callers = sorted(r["caller"] for r in rows)
    assert callers == sorted(['\'=HYPERLINK("http://evil")', "'@SUM(A1)", "'-2+3", "+39 055 123", "'\tcmd"])
    assert {r["number_label"] for r in rows} == {"'=1+1"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+393331112222", "+393331112222"), ("-12.5", "-12.5"),
     ("-1+1", "'-1+1"), ("\rX", "'\rX"), ("Mario", "Mario"), (None, "")],
)  # fmt: skip
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_export_refuses_outsiders_staff_and_bad_filters(world):
    url = export_url(world.own.business)
    assert world.client("outsider").get(url).status_code == 404
    assert world.client("staff").get(url).status_code == 403
    response = world.client("manager").get(export_url(world.own.business, status="lost"))
    assert response.status_code == 400 and "status" in response.json()
    response = world.client("manager").get(export_url(world.own.business, **{"from": "2026-05-10", "to": "2026-05-01"}))
    assert response.status_code == 400 and "to" in response.json()


def test_export_queries_do_not_grow_with_rows(world):
    business, number = world.own.business, world.own.number
    client = world.client("manager")
    counts = []
    for calls in (1, 300):
        for i in range(calls):
            finished_call(business, number, local(ROME, 2026, 5, 4, 8, 0) + timedelta(seconds=i * 10))
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(client.get(export_url(business, **{"from": "2026-05-04", "to": "2026-05-04"})))
        counts.append(len(queries))
    assert len(rows) == 301
    assert counts[0] == counts[1], counts
