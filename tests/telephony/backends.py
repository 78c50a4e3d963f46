"""Marks for tests of call admission on both backends (the `call_backend` fixture, tests/telephony/conftest.py)."""

from __future__ import annotations

import pytest

# A module's `pytestmark = ON_BOTH_BACKENDS`: every test in it runs on PostgreSQL and on SQLite.
ON_BOTH_BACKENDS = [pytest.mark.django_db(databases=["default", "embedded"]), pytest.mark.usefixtures("call_backend")]

# A test in such a module whose subject is PostgreSQL's own (its statements, locks, query counts).
POSTGRES_ONLY = pytest.mark.parametrize("call_backend", ["postgresql"], indirect=True)
