"""The error convention: every problem at once, general ones first, NotFound a ValidationError."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from panbot.errors import ErrorCollector, NotFound


def test_collector_raises_every_problem_with_general_ones_first():
    errors = ErrorCollector()
    assert not errors
    errors.raise_if_any()  # nothing to raise
    errors.add("items", "Margherita is sold out today.")
    errors.add("items", "Margherita is sold out today.")  # said once
    errors.add(None, "We are not taking orders right now.", code="not_accepting")
    assert errors and errors.has("items")
    with pytest.raises(ValidationError) as exc:
        errors.raise_if_any()
    assert exc.value.messages == ["We are not taking orders right now.", "Margherita is sold out today."]
    assert exc.value.error_dict[NON_FIELD_ERRORS][0].code == "not_accepting"


def test_not_found_is_a_validation_error():
    with pytest.raises(ValidationError) as exc:
        raise NotFound({"order": ["We could not find that order."]})
    assert isinstance(exc.value, NotFound)
    assert exc.value.message_dict == {"order": ["We could not find that order."]}
