"""`manage.py simulate_call`: the whole call path in text, on the demo data, in PostgreSQL."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from orders.models import Order
from telephony.models import ActiveCall, CallRecord

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "simulate" / "order_pizza.json"


@pytest.fixture
def demo(settings, at):
    settings.DEBUG = True
    call_command("seed_demo", "--no-calls", stdout=io.StringIO())
    settings.DEBUG = False
    at(2026, 6, 13, 19, 30)  # Saturday evening in Florence: the trattoria is open


def simulate(*args: str) -> str:
    out = io.StringIO()
    call_command("simulate_call", *args, stdout=out)
    return out.getvalue()


def test_scripted_order_lands_in_the_database_with_the_right_total(demo):
    output = simulate("--to", "+39 055 123 4567", "--script", str(SCRIPT))

    (order,) = Order.objects.all()
    # Margherita 7.50 + Maxi 4.00 + Burrata 3.00, Diavola 9.00, Coca-Cola 3.00
    assert order.total == Decimal("26.50")
    assert (order.customer_name, order.customer_phone, order.ticket_number) == ("Rossi", "+393331234567", 1)
    record = CallRecord.objects.get()
    assert order.call_id == record.pk
    assert (record.status, record.reason) == ("completed", "agent_hangup")
    assert not ActiveCall.objects.exists()

    assert "Agent: Trattoria Da Mario, buongiorno!" in output
    assert "Caller: Sì, va bene, confermo. A nome Rossi." in output
    assert "Order placed: ticket number 1, total 26.50 EUR" in output
    assert "order #1: 26.50 EUR, new" in output
    assert "status completed, reason agent_hangup" in output


def test_a_busy_number_prints_the_rejection(demo):
    from telephony import services

    for n in range(2):  # the Orders number takes two calls at once
        services.call_admit(called="+390551234567", caller=f"+3933300000{n}", sip_call_id=f"busy-{n}",
                            room_name=f"call-busy-{n}")  # fmt: skip
    output = simulate("--to", "+390551234567", "--script", str(SCRIPT))
    assert "Rejected: number_busy." in output
    assert "status rejected, reason number_busy" in output
    assert not Order.objects.exists()


def test_an_unknown_number_is_rejected(demo):
    output = simulate("--to", "+390550000000", "--script", str(SCRIPT))
    assert "Rejected: unknown_number." in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--script", "/nonexistent.json"], "Cannot read the script /nonexistent.json"),
        (["--from", "12"], "--from '12' is not a valid phone number"),
        ([], "An interactive simulation needs an LLM: set LLM_API_KEY"),
    ],
)
def test_bad_invocations_say_what_is_wrong(demo, args, message):
    if "--from" in args:
        args = [*args, "--script", str(SCRIPT)]
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        simulate("--to", "+390551234567", *args)


def test_when_the_script_ends_the_caller_hangs_up(demo, tmp_path):
    short = tmp_path / "short.json"
    short.write_text('{"turns": [{"caller": "Ciao", "agent": [{"tool": "restaurant_info"}, "Ciao"]}, '
                     '{"caller": "E poi?", "agent": ["Niente"]}]}')  # fmt: skip
    output = simulate("--to", "+390551234567", "--script", str(short))
    assert "Caller: E poi?" in output
    assert CallRecord.objects.get().reason == "caller_hangup"  # the script ended: the caller hangs up


def test_the_embedded_default_runs_the_shipped_script(tmp_path):
    """`make run`'s database (SQLite, no Redis): migrate, seed and a scripted call, as the README says."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_SETTINGS_MODULE="panbot.settings.base"
    )

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "-v0")
    manage("seed_demo")
    output = manage("simulate_call", "--to", "055 1234567", "--script", str(SCRIPT))
    assert "Order placed: ticket number 1, total 26.50 EUR" in output
    assert "status completed, reason agent_hangup" in output


def test_a_model_that_runs_out_of_script_ends_the_call_and_frees_the_slot(demo):
    import asyncio

    from telephony.agent.scripted import ScriptedLLM, ScriptError
    from telephony.agent.simulate import simulate_call

    lines: list[str] = []
    with pytest.raises(ScriptError):
        asyncio.run(
            simulate_call(
                to="+390551234567",
                caller="+393331234567",
                model=ScriptedLLM([]),
                caller_lines=["Ciao"],
                write=lines.append,
            )
        )
    record = CallRecord.objects.get()
    assert (record.status, record.reason) == ("failed", "error")
    assert not ActiveCall.objects.exists()
