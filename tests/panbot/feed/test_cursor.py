"""Cursors: what they cover, and that anything but a cursor the server wrote is refused as unreadable."""

from __future__ import annotations

import pytest

from panbot.feed.cursor import BadCursor, Cursor, Horizon


def test_a_snapshot_sees_finished_transactions_only():
    horizon = Horizon.parse("100:110:103,107")
    assert [x for x in range(95, 115) if horizon.sees(x)] == [
        95,
        96,
        97,
        98,
        99,
        100,
        101,
        102,
        104,
        105,
        106,
        108,
        109,
    ]
    assert horizon.sees(None)  # rows older than transaction ids


def test_a_cursor_covers_its_snapshot_its_delivered_ids_and_its_batch_prefix():
    cursor = Cursor(horizon=Horizon.parse("100:110:103"), taken_at=1.0, delivered=frozenset({50}))
    assert cursor.covers(101, 7) and not cursor.covers(103, 8) and cursor.covers(120, 50)
    batch = cursor.in_batch(Horizon.parse("115:115:"), 60)
    assert batch.covers(103, 59) and not batch.covers(103, 61)  # committed by the batch read, up to id 60
    assert not batch.covers(115, 10)  # committed after the batch read


def test_a_cursor_survives_encoding():
    cursor = Cursor(
        horizon=Horizon.parse("100:110:103,107"), taken_at=1796635447.5, delivered=frozenset({5, 9}),
        batch_horizon=Horizon.parse("120:121:"), batch_last_id=42,
    )  # fmt: skip
    text = cursor.encode()
    assert text.replace("-", "").replace("_", "").isalnum()  # URL-safe as it is
    assert Cursor.decode(text) == cursor


@pytest.mark.parametrize("text", ["", "x" * 20_000, "not base64!", "e30", "eyJ2IjoyfQ", "bnVsbA", "W10"])
def test_anything_else_is_unreadable(text):
    with pytest.raises(BadCursor):
        Cursor.decode(text)


@pytest.mark.parametrize("snapshot", ["1:2", "a:b:", "5:3:", "5:9:12", "-1:3:"])
def test_malformed_snapshots_are_refused(snapshot):
    with pytest.raises(BadCursor):
        Horizon.parse(snapshot)
