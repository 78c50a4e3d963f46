"""Query-count helpers for API tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_constant_queries(
    client, url: str, add_rows: Callable[[int], object], *, sizes: Sequence[int] = (1, 50)
) -> list[int]:
    """GET `url` with 1 row, then 50 (`add_rows(n)` adds n more), and assert the query count did not grow.

    The list must show the rows it gained (all on the first page: 50 is the default page size).
    Returns the counts, for a test that also wants to pin the number itself.
    """
    counts, shown, added = [], [], 0
    for size in sizes:
        add_rows(size - added)
        added = size
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        shown.append(len(response.json()["results"]))
        counts.append(len(queries))
    assert shown[-1] - shown[0] == sizes[-1] - sizes[0], f"the list did not show the added rows: {shown}"
    assert len(set(counts)) == 1, f"{url}: queries grew with the rows: {dict(zip(sizes, counts, strict=True))}"
    return counts
