"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis, on hypothesis).

For each operation schemathesis generates requests from the schema, valid and invalid ones, and
each response must be no server error, have a status the operation documents, and match the
documented schema and content type. The schema is loaded from the app itself, so new endpoints
are fuzzed without touching this file.

The requests run as the owner of `world.own` (as the stakeholder under /api/v1/platform/), with
the path's ids (business, objects) replaced by real ones most of the time (see `_ids`), so the
fuzzing reaches the views rather than 404s.
Deterministic (derandomized, no example database) and bounded: FUZZ_EXAMPLES per operation.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api import operations
from tests.api.operations import PATH_OBJECTS

FUZZ_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The schema as /api/v1/schema/ serves it, generated in-process at collection (no database needed).
schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(operations.schema())))
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _in_process_wsgi(db, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    # As Django's test client does: a WSGI request must not close the test's database connection
    # (which holds the test's transaction) when it finishes.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _ids(world, case) -> None:
    """Real ids in the path, except when hypothesis generated a small number (it then probes a 404)."""
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if isinstance(value, int) and value % 7 == 0:
            continue  # keep some generated ids: unknown businesses and objects must be clean 404s
        if name == "business_id":
            params[name] = world.own.business.pk
        elif name in PATH_OBJECTS:
            params[name] = getattr(world.own, PATH_OBJECTS[name]).pk


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_fuzz(case, world):
    _ids(world, case)
    # The platform API's operations as a stakeholder (anyone else only ever reaches its 403).
    token = world.tokens("stakeholder" if operations.is_platform(case.path) else "owner").access
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
