"""Inputs a client can send that must be refused with a ValidationError, never another exception.

NUL characters (PostgreSQL refuses them with a DataError).
"""

import pytest
from django.core.exceptions import ValidationError

from restaurants import services
from restaurants.models import FaqEntry

pytestmark = pytest.mark.django_db

NUL_REFUSED = ["This text contains characters we cannot store."]


# --- NUL characters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "address", "agent_greeting", "agent_system_prompt", "overflow_message"])
def test_business_text_with_a_nul_is_a_validation_error(business, field):
    setattr(business, field, "Da Mario\x00")
    with pytest.raises(ValidationError) as exc:
        services.business_save(business=business)
    assert exc.value.message_dict == {field: NUL_REFUSED}
    assert exc.value.error_dict[field][0].code == "null_characters_not_allowed"


@pytest.mark.parametrize("field", ["question", "answer"])
def test_faq_text_with_a_nul_is_a_validation_error(business, field):
    entry = FaqEntry(business=business, question="Parking?", answer="In the square.")
    setattr(entry, field, "Parking\x00")
    with pytest.raises(ValidationError) as exc:
        services.faq_entry_save(entry=entry)
    assert exc.value.message_dict == {field: NUL_REFUSED}
    assert not FaqEntry.objects.exists()


def test_other_field_errors_are_reported_with_the_nul(business):
    business.name, business.address = "", "Via\x00"
    with pytest.raises(ValidationError) as exc:
        services.business_save(business=business)
    assert exc.value.message_dict == {"name": ["This field cannot be blank."], "address": NUL_REFUSED}
