"""The print agent: runs on a machine in the restaurant, connects out to the platform, prints on the LAN.

A platform in the cloud cannot open a connection to 192.168.1.50:9100; the agent can. Each
step claims the restaurant's due jobs for relay printers over the API (device token), sends
each to its printer with the same transport the platform uses, and reports the outcome.

Never twice: the agent writes a job id to its state file once the printer took the job, before
reporting. If the report is lost and the platform hands the job out again after its lease, the
agent finds the id and only reports again.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from printing import transport

logger = logging.getLogger(__name__)

KEEP_IDS = 5000  # printed job ids remembered (a busy kitchen's few days)


class PlatformError(Exception):
    """The platform could not be reached or refused the agent (a revoked token, a bad URL).

    `status`: the platform's HTTP answer (None when it could not be reached).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def refused(self) -> bool:
        """The platform answered 4xx: the same request again gets the same answer."""
        return self.status is not None and 400 <= self.status < 500


class PrintAgent:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        state_file: Path,
        timeout: float = 10.0,
        printer_timeout: float = 5.0,
        send: Callable[..., transport.Delivery] = transport.send,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.state_file = state_file
        self.timeout = timeout
        self.printer_timeout = printer_timeout
        self.send = send
        self.printed, self.unconfirmed = self._load()
        self.unreported: dict[int, dict[str, Any]] = {}

    def _load(self) -> tuple[list[int], list[int]]:
        try:
            state = json.loads(self.state_file.read_text())
            return [int(i) for i in state["printed"]], [int(i) for i in state.get("unconfirmed", [])]
        except FileNotFoundError:
            return [], []
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("Ignoring an unreadable state file %s", self.state_file)
            return [], []

    def _remember(self, job_id: int, *, unconfirmed: bool = False) -> None:
        """Write the job down before reporting: sent (printed or unconfirmed) is never sent again."""
        if unconfirmed:
            self.unconfirmed = [*self.unconfirmed, job_id][-KEEP_IDS:]
        else:
            self.printed = [*self.printed, job_id][-KEEP_IDS:]
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"printed": self.printed, "unconfirmed": self.unconfirmed}))
        os.replace(tmp, self.state_file)  # never half a state file: a crash keeps the previous one

    def _call(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(  # noqa: S310 (the operator's platform URL, http or https)
            f"{self.base_url}/api/v1/print-agent/{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Device {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            raise PlatformError(f"The platform answered {exc.code}: {detail}", exc.code) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PlatformError(f"Could not reach the platform at {self.base_url}: {exc}") from None

    def step(self) -> int:
        """Report what is pending, claim due jobs, print and report each; the number of jobs handled.

        A claimed job is handled on its own: one that cannot be printed or reported is logged (its
        report kept for the next step) and the others still go out. Only a platform that cannot be
        reached for the claim raises PlatformError.
        """
        for job_id, report in list(self.unreported.items()):
            self._report(job_id, report)
        jobs = self._call("claim/", {"limit": 10})["jobs"]
        for job in jobs:
            try:
                self._handle(job)
            except Exception:
                logger.exception("Job %s could not be handled", job.get("id") if isinstance(job, dict) else job)
        return len(jobs)

    def _handle(self, job: dict[str, Any]) -> None:
        job_id = int(job["id"])
        report: dict[str, Any]
        if job_id in self.printed:
            report = {"printed": True, "printer_status": "ok", "error": ""}  # printed before; the report was lost
        elif job_id in self.unconfirmed:
            report = {"printed": False, "printer_status": "offline", "error": transport.UNCONFIRMED}
            report["unconfirmed"] = True  # sent before, not confirmed; the report was lost
        else:
            try:
                delivery = self.send(
                    protocol=job["protocol"],
                    host=job["host"],
                    port=int(job["port"]),
                    data=base64.b64decode(job["document"]),
                    timeout=self.printer_timeout,
                    job_name=f"PanBot {job['kind']} {job['order_id'] or 'test'}",
                )
            except Exception as exc:  # a job the agent cannot send: a failed attempt, the others go on
                logger.exception("Job %s could not be sent", job_id)
                error = f"The print agent could not send it: {type(exc).__name__}."
                delivery = transport.Delivery(False, "offline", error)
            if delivery.printed:
                self._remember(job_id)
            if delivery.unconfirmed:
                # It may be on paper: never sent again by this agent; the platform fails it for a person.
                self._remember(job_id, unconfirmed=True)
            report = {
                "printed": delivery.printed,
                "printer_status": delivery.status,
                "error": delivery.error,
                "unconfirmed": delivery.unconfirmed,
            }
            logger.info(
                "Job %s on %s: %s", job_id, job.get("printer_name"), "printed" if delivery.printed else delivery.error
            )
        report["attempt"] = int(job["attempt"])  # the claim this report is for
        self.unreported[job_id] = report
        self._report(job_id, report)

    def _report(self, job_id: int, report: dict[str, Any]) -> None:
        """Send a report; kept for the next step while the platform cannot be reached or fails (5xx).

        A refusal (4xx: 409 the claim was lost and the job handed out again, 404 the job is gone)
        is final: the report is dropped, not sent forever.
        """
        try:
            self._call(f"jobs/{job_id}/result/", report)
        except PlatformError as exc:
            if exc.refused:
                logger.warning("Job %s: the platform refused the report, dropped: %s", job_id, exc)
                del self.unreported[job_id]
            else:
                logger.warning("Job %s: the report will be sent again: %s", job_id, exc)
            return
        del self.unreported[job_id]
