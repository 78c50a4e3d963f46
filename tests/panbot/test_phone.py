import pytest
from django.core.exceptions import ValidationError

from panbot.phone import format_international, parse_phone, to_e164


@pytest.mark.parametrize(
    "typed",
    ["+390551234567", "+39 055 123 4567", "055 1234567", "+39-055-1234567", "0039 055 1234567", " (055) 123-4567 "],
)
def test_what_people_type_becomes_e164(typed, settings):
    settings.PHONE_DEFAULT_REGION = "IT"
    assert to_e164(typed) == "+390551234567"


def test_national_number_uses_the_region_given():
    assert to_e164("020 7946 0958", "GB") == "+442079460958"
    assert to_e164("(415) 555-2671", "US") == "+14155552671"


@pytest.mark.parametrize(
    "garbage",
    ["", None, "hello", "+39", "123", "+39 055 12", "+999 1234567", "1" * 65, "٠٥٥١٢٣٤٥٦٧' OR 1=1 --", 12345],
)
def test_invalid_numbers_give_none(garbage):
    assert to_e164(garbage) is None


def test_parse_phone_raises_a_validation_error_that_says_what_is_wanted():
    with pytest.raises(ValidationError) as exc:
        parse_phone("not a number")
    assert "valid phone number" in exc.value.messages[0]
    assert exc.value.code == "invalid_phone"


def test_format_international_is_for_people():
    assert format_international("+390551234567") == "+39 055 123 4567"
    assert format_international("junk") == "junk"
