"""Call admission on the embedded default (SQLite), as `make run` and simulate_call use it."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_admission_and_call_lifecycle_on_sqlite(tmp_path):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PYTHONPATH=str(ROOT))
    env.update(CALLER_MAX_CALLS_PER_MINUTE="10000")  # the scenarios call from one number many times a minute
    result = subprocess.run(
        [sys.executable, "-m", "tests.telephony.embedded_scenarios"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["number_limit"] == ["admitted", "number_busy"]
    assert out["business_limit"] == ["admitted", "business_busy"]
    assert out["replay"] == [True, True]
    assert out["end"] == ["completed", "caller_hangup", "caller_hangup", True, 1]
    assert out["heartbeat_before"] is True
    assert out["reaped"] == 1
    assert out["heartbeat_after"] is False
    assert out["late"] == ["ghost", [{"role": "caller", "text": "pronto?"}]]
    assert out["reclaim"] == "admitted"
    assert out["race"] == ["admitted"] + ["number_busy"] * 5
    calls, finished, busy, rejected = out["rollups"]
    assert calls == finished and busy == rejected == 7  # 2 refusals before the race, 5 in it
    assert out["backend"] == "telephony.services.calls.backends.sqlite"
