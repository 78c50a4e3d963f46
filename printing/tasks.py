"""Celery tasks: send a print job (retried 1 s, 2 s, 4 s apart), and resume jobs whose task message was lost."""

from __future__ import annotations

from celery import shared_task

from printing import services


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_print_job(self, job_id: int, expected_attempts: int) -> str:  # type: ignore[no-untyped-def]
    """One attempt at a job; on failure, the next one after its delay (the service counts attempts, not Celery)."""
    attempt = services.print_job_attempt(job_id=job_id, expected_attempts=expected_attempts)
    while attempt.retry_in is not None and self.request.is_eager:
        # Eager Celery (the embedded default, the tests) cannot schedule: retries run now, inline.
        expected_attempts += 1
        attempt = services.print_job_attempt(job_id=job_id, expected_attempts=expected_attempts)
    if attempt.retry_in is not None:
        raise self.retry(args=(job_id, expected_attempts + 1), countdown=attempt.retry_in)
    return attempt.result


@shared_task
def resume_print_jobs() -> int:
    return services.print_jobs_resume()
