"""Reading what clients send: counts and ids as tool calls spell them, and text the database can store."""

import pytest

from panbot.inputs import as_id, as_int, storable


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, 2),
        ("2", 2),
        (" 12 ", 12),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),  # no count or id is that long
        ("9" * 5000, None),  # int() would raise ValueError (Python's 4300-digit limit)
        ("²", None),  # a digit int() refuses
        ("-1", None),
        ("2.0", None),
        (True, None),
        (None, None),
        (2.0, None),
    ],
)
def test_as_int_reads_ints_and_digit_strings_only(value, expected):
    assert as_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(7, 7), ("7", None), ("abc", None), (True, None), (None, None)])
def test_as_id_takes_ints_only(value, expected):
    assert as_id(value) == expected


def test_text_with_a_nul_is_not_storable():
    assert storable("ciao") and storable("") and storable(None)
    assert not storable("ciao\x00")
