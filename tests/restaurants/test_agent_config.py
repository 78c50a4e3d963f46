"""A number's config_override is checked against an explicit schema; the effective config merges it."""

import pytest
from django.core.exceptions import ValidationError

from restaurants.agent_config import OVERRIDE_KEYS, effective_config, validate_config_override


def messages_for(data) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        validate_config_override(data)
    return exc.value.messages


def test_valid_override_is_normalised():
    assert validate_config_override(
        {"greeting": "  Ready to take your order  ", "max_call_minutes": 10, "transfer_number": "055 1234567"}
    ) == {"greeting": "Ready to take your order", "max_call_minutes": 10, "transfer_number": "+390551234567"}
    assert validate_config_override({}) == {}
    assert validate_config_override(None) == {}


def test_unknown_key_is_refused_by_name():
    (message,) = messages_for({"greting": "typo"})
    assert "Unknown key 'greting'" in message
    assert "greeting" in message  # the allowed keys are listed


def test_oversized_value_is_refused_by_name():
    (message,) = messages_for({"greeting": "x" * 501})
    assert message == "'greeting' is too long: at most 500 characters."
    (message,) = messages_for({"system_prompt": "x" * 8001})
    assert "'system_prompt' is too long" in message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"max_call_minutes": 0}, "'max_call_minutes' must be between 1 and 60"),
        ({"max_call_minutes": "10"}, "'max_call_minutes' is invalid"),
        ({"language": "klingon"}, "'language' must be one of"),
        ({"overflow_action": "explode"}, "'overflow_action' must be one of"),
        ({"transfer_number": "12"}, "'transfer_number' is not a valid phone number"),
        ({"greeting": ""}, "'greeting' must not be empty"),
        ({"greeting": 42}, "'greeting' is invalid"),
        (["greeting"], "must be a JSON object"),
    ],
)
def test_bad_values_name_their_key(data, fragment):
    assert any(fragment in m for m in messages_for(data)), messages_for(data)


@pytest.mark.parametrize("key", ["greeting", "system_prompt", "voice", "overflow_message"])
def test_text_with_a_nul_is_refused_by_name(key):
    # PostgreSQL's jsonb refuses "\u0000": saved, this was a DataError (a 500 in the admin).
    assert messages_for({key: "ciao\x00"}) == [f"'{key}' contains characters we cannot store."]


def test_every_problem_is_reported_at_once():
    assert len(messages_for({"nope": 1, "greeting": "x" * 600, "max_call_minutes": 99})) == 3


def test_effective_config_overrides_key_by_key(business):
    business.agent_greeting = "How can I help?"
    business.default_language = "it"
    business.max_call_minutes = 12
    orders = effective_config(business, {"greeting": "Ready to take your order"})
    reservations = effective_config(business, {})

    assert orders.greeting == "Ready to take your order"
    assert reservations.greeting == "How can I help?"
    assert orders.language == reservations.language == "it"
    assert orders.max_call_minutes == 12
    assert orders.from_number == {"greeting"}
    assert reservations.from_number == frozenset()


def test_override_schema_and_effective_config_cover_the_same_keys(business):
    assert set(OVERRIDE_KEYS) == set(effective_config(business).as_dict()) - {"from_number"}
