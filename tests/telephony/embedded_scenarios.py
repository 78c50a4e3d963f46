"""Call admission on the embedded default (SQLite), run in a subprocess by test_call_embedded.py.

The suite runs on PostgreSQL; `make run` and `simulate_call` run on SQLite, where call
admission takes its portable path. This script exercises that path against a fresh SQLite
file and prints what happened as JSON, for the test to check.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402

from analytics.models import CallHourlyRollup  # noqa: E402
from panbot.models import Event  # noqa: E402
from panbot.tenancy import platform_wide  # noqa: E402
from restaurants.models import Business  # noqa: E402
from telephony import services  # noqa: E402
from telephony.models import ActiveCall, CallRecord  # noqa: E402
from telephony.services.calls import backends  # noqa: E402
from tests.telephony.leases import age_call  # noqa: E402


def admit(number: str, key: str, **kwargs) -> services.Admission:
    return services.call_admit(called=number, caller="+393331234567", sip_call_id=key, room_name=f"r-{key}", **kwargs)


def main() -> dict:
    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", verbosity=0)
    out: dict = {}
    business = Business.objects.create(name="Mario", slug="mario", max_concurrent_calls=2)
    one = services.number_create(number="+390551234567", business=business, by=None, max_concurrent_calls=1)
    two = services.number_create(number="+390551234568", business=business, by=None, max_concurrent_calls=5)

    first = admit(one.number, "a")
    out["number_limit"] = [first.reason, admit(one.number, "b").reason]
    out["business_limit"] = [admit(two.number, "c").reason, admit(two.number, "d").reason]
    again = admit(one.number, "a")
    out["replay"] = [again.replayed, again.call_record_id == first.call_record_id]

    ended = services.call_end(active_call_id=first.active_call_id, call_record_id=first.call_record_id,
                              reason="caller_hangup", transcript=[{"role": "caller", "text": "ciao"}])  # fmt: skip
    twice = services.call_end(active_call_id=first.active_call_id, call_record_id=first.call_record_id,
                              reason="agent_hangup")  # fmt: skip
    out["end"] = [ended.status, ended.reason, twice.reason, ended.duration_seconds >= 0,
                  Event.objects.filter(type="call.ended").count()]  # fmt: skip

    # A vanished call: its slot is reclaimed by the reaper, and its late end keeps the conversation.
    ghost = CallRecord.objects.get(sip_call_id="c")
    active = ActiveCall.objects.get(call_record=ghost)
    age_call(active.pk, seconds=settings.CALL_LEASE_SECONDS + 5)
    out["heartbeat_before"] = services.call_heartbeat(active_call_id=active.pk)
    age_call(active.pk, seconds=settings.CALL_LEASE_SECONDS + 5)
    out["reaped"] = services.calls_reap_stale()
    out["heartbeat_after"] = services.call_heartbeat(active_call_id=active.pk)
    late = services.call_end(active_call_id=active.pk, call_record_id=ghost.pk, reason="caller_hangup",
                             transcript=[{"role": "caller", "text": "pronto?"}])  # fmt: skip
    out["late"] = [late.reason, late.transcript]

    # A business full of calls past their lease: the next admission reclaims them itself.
    for key in ("e", "f"):
        admission = admit(two.number, key)
        age_call(admission.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 5)
    out["reclaim"] = admit(two.number, "g").reason
    for call in ActiveCall.objects.all():
        services.call_end(active_call_id=call.pk, reason="caller_hangup")

    # Threads racing for a limit-1 number: BEGIN IMMEDIATE serialises them.
    results: list[str] = []
    barrier = threading.Barrier(6)

    def race(i: int) -> None:
        try:
            barrier.wait()
            results.append(admit(one.number, f"race-{i}").reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["race"] = sorted(results)

    # Every finished call counted once in the hourly rollups, the racing refusals (one row, written
    # by five transactions at once) included: the embedded default's Python rollups.
    finished = CallRecord.objects.exclude(status="in_progress").exclude(business=None)
    rollups = CallHourlyRollup.objects.aggregate(calls=Sum("calls"), busy=Sum("number_busy") + Sum("business_busy"))
    out["rollups"] = [rollups["calls"], finished.count(), rollups["busy"], finished.filter(status="rejected").count()]
    out["backend"] = backends.active.__name__
    return out


if __name__ == "__main__":
    with platform_wide():  # the scenario's own set-up and checks read any business (tests/tenancy.py)
        json.dump(main(), sys.stdout)
