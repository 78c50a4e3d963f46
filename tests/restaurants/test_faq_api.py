"""The FAQ endpoints: managers and owners list, add, change and remove what the agent answers callers."""

from __future__ import annotations

import pytest

from restaurants.models import FaqEntry
from restaurants.selectors import faq_search

pytestmark = pytest.mark.django_db


def faq_url(world, entry=None):
    return f"/api/v1/businesses/{world.own.business.pk}/faq/" + (f"{entry.pk}/" if entry else "")


def test_manager_adds_an_entry_the_agent_then_finds(world):
    response = world.client("manager").post(
        faq_url(world), {"question": "Are dogs allowed?", "answer": "Yes, on the terrace.", "position": 2},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    entry = FaqEntry.objects.get(pk=response.json()["id"])
    assert response.json() == {"id": entry.pk, "question": "Are dogs allowed?", "answer": "Yes, on the terrace.",
                               "is_active": True, "position": 2}  # fmt: skip
    assert entry.business == world.own.business
    assert faq_search(world.own.business, "can I bring my dog") == [entry]


def test_list_shows_the_business_entries_active_or_not(world):
    mine = world.own.faq_entry
    hidden = FaqEntry.objects.create(business=world.own.business, question="Delivery?", answer="No.", is_active=False)
    world.foreign.faq_entry  # noqa: B018
    response = world.client("owner").get(faq_url(world))
    assert response.status_code == 200
    assert [(e["id"], e["is_active"]) for e in response.json()["results"]] == [(mine.pk, True), (hidden.pk, False)]


def test_patch_changes_only_what_is_sent_and_a_deactivated_entry_is_not_answered(world):
    entry = world.own.faq_entry
    response = world.client("manager").patch(faq_url(world, entry), {"is_active": False}, format="json")
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["question"]) == (False, "Do you have parking?")
    assert faq_search(world.own.business, "parking") == []


def test_delete_removes_the_entry(world):
    entry = world.own.faq_entry
    response = world.client("manager").delete(faq_url(world, entry))
    assert response.status_code == 204
    assert not FaqEntry.objects.filter(pk=entry.pk).exists()
    assert world.client("manager").get(faq_url(world, entry)).status_code == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"question": ""}, {"question": ["This field cannot be blank."]}),
        ({"answer": "x" * 2001}, {"answer": ["Ensure this value has at most 2000 characters (it has 2001)."]}),
        ({"question": "Delivery?"},
         {"non_field_errors": ["FAQ entry with this Business and Question already exists."]}),
        ({"is_active": "yes"}, {"is_active": ["Must be a valid boolean."]}),
        ({"business": 2}, {"business": ["Unknown field."]}),
    ],
)  # fmt: skip
def test_refusals_are_the_models_sentences_and_change_nothing(world, body, errors):
    entry = world.own.faq_entry
    FaqEntry.objects.create(business=world.own.business, question="Delivery?", answer="No.")
    response = world.client("manager").patch(faq_url(world, entry), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    entry.refresh_from_db()
    assert (entry.question, entry.is_active) == ("Do you have parking?", True)
    assert entry.answer == "Yes, behind the restaurant."


def test_create_needs_a_question_and_an_answer(world):
    response = world.client("manager").post(faq_url(world), {"question": "Open on Sundays?"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"answer": ["This field is required."]}


def test_staff_may_not_edit_the_faq(world):
    assert world.client("staff").get(faq_url(world)).status_code == 403
    response = world.client("staff").delete(faq_url(world, world.own.faq_entry))
    assert response.status_code == 403
    assert FaqEntry.objects.filter(pk=world.own.faq_entry.pk).exists()


def test_outsiders_get_404_and_cannot_touch_another_business_entry(world):
    mine, theirs = world.own.faq_entry, world.foreign.faq_entry
    outsider = world.client("outsider")
    assert outsider.get(faq_url(world)).status_code == 404
    assert outsider.delete(faq_url(world, mine)).status_code == 404
    owner = world.client("owner")
    for response in (
        owner.get(faq_url(world, theirs)),
        owner.patch(faq_url(world, theirs), {"answer": "Ours now"}, format="json"),
        owner.delete(faq_url(world, theirs)),
    ):
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.answer == "Yes, behind the restaurant."
    assert FaqEntry.objects.filter(pk=mine.pk).exists()
