"""What the agent knows: address, hours, "open now?" in the restaurant's time zone, closures, and the FAQ."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from restaurants import services
from restaurants.models import FaqEntry
from restaurants.selectors import business_info, faq_list, faq_search
from tests.conftest import ROME

pytestmark = pytest.mark.django_db


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


@pytest.fixture
def trattoria(business, trattoria_hours):
    business.address = "Via dei Neri 12, Firenze"
    business.public_phone = "+390552100000"
    business.save()
    return trattoria_hours(business)


def test_open_during_service_with_the_week_ahead(trattoria):
    info = business_info(trattoria, now=rome(2026, 6, 13, 20, 0))
    assert info.open_now is True
    assert info.closes_at == rome(2026, 6, 13, 23, 0)
    assert info.now == rome(2026, 6, 13, 20, 0) and info.now.tzinfo == ROME
    assert [p.as_text() for p in info.today.periods] == ["12:00-15:00", "19:00-23:00"]
    assert [d.date for d in info.week] == [date(2026, 6, d) for d in range(13, 20)]
    assert [d.is_closed for d in info.week] == [False, False, True, False, False, False, False]  # Monday
    assert info.next_opening == rome(2026, 6, 14, 12, 0)


def test_as_text_for_a_prompt(trattoria):
    services.closure_set(business=trattoria, date=date(2026, 6, 16), reason="staff holiday")
    info = business_info(trattoria, now=rome(2026, 6, 13, 16, 30))
    assert info.as_text() == "\n".join(
        [
            "Trattoria Da Mario",
            "Address: Via dei Neri 12, Firenze",
            "Phone: +39 055 210 0000",
            "Now: Saturday 13 June 2026 16:30 (Europe/Rome)",
            "Closed now.",
            "Opens next today at 19:00.",
            "Hours this week:",
            "- Saturday 13 June: 12:00-15:00, 19:00-23:00",
            "- Sunday 14 June: 12:00-15:00, 19:00-23:00",
            "- Monday 15 June: closed",
            "- Tuesday 16 June: closed (staff holiday)",
            "- Wednesday 17 June: 12:00-15:00, 19:00-23:00",
            "- Thursday 18 June: 12:00-15:00, 19:00-23:00",
            "- Friday 19 June: 12:00-15:00, 19:00-23:00",
            "Upcoming closures: Tuesday 16 June (staff holiday).",
        ]
    )


def test_the_next_opening_skips_closed_days_and_closures(trattoria):
    services.closure_set(business=trattoria, date=date(2026, 6, 16), reason="")
    info = business_info(trattoria, now=rome(2026, 6, 14, 23, 30))  # Sunday night; Monday closed, Tuesday closure
    assert (info.open_now, info.closes_at) == (False, None)
    assert info.next_opening == rome(2026, 6, 17, 12, 0)
    assert [(c.date, c.reason) for c in info.upcoming_closures] == [(date(2026, 6, 16), "")]
    assert info.week[2].as_text() == "Tuesday 16 June: closed"


def test_open_now_is_judged_in_the_restaurants_zone_not_utc(trattoria):
    # 17:30 UTC is 19:30 in Rome (summer): open; a UTC reading would say closed.
    info = business_info(trattoria, now=datetime(2026, 6, 13, 17, 30, tzinfo=UTC))
    assert info.open_now is True and info.now.tzinfo == ROME


def test_after_midnight_the_previous_nights_period_is_still_open(business, trattoria_hours):
    trattoria_hours(business, [(5, time(19), time(2))])  # Saturday 19:00 to Sunday 02:00
    info = business_info(business, now=rome(2026, 6, 14, 1, 0))
    assert info.open_now is True
    assert info.closes_at == rome(2026, 6, 14, 2, 0)
    assert info.today.is_closed  # Sunday itself has no period starting on it


def test_a_closure_closes_the_night_that_starts_on_it(business, trattoria_hours):
    trattoria_hours(business, [(5, time(19), time(2))])
    services.closure_set(business=business, date=date(2026, 6, 13))
    assert business_info(business, now=rome(2026, 6, 13, 20, 0)).open_now is False
    assert business_info(business, now=rome(2026, 6, 14, 1, 0)).open_now is False


def test_closing_time_on_the_spring_forward_night(business, trattoria_hours):
    trattoria_hours(business, [(5, time(22), time(4))])
    info = business_info(business, now=datetime.fromisoformat("2026-03-29T03:30+02:00"))
    assert info.open_now is True
    assert info.closes_at.isoformat() == "2026-03-29T04:00:00+02:00"
    assert [p.as_text() for p in business_info(business, now=rome(2026, 3, 28, 12, 0)).today.periods] == ["22:00-04:00"]


def test_a_business_without_hours_is_never_open(business, at):
    at(2026, 6, 13, 20, 0)
    info = business_info(business)  # `now` defaults to the clock
    assert (info.open_now, info.next_opening) == (False, None)
    assert info.now == rome(2026, 6, 13, 20, 0)
    assert "Closed now." in info.as_text()


# --- FAQ -------------------------------------------------------------------------------------------------------


@pytest.fixture
def faq(business):
    entries = [
        ("Is there parking nearby?", "The Sant'Ambrogio garage is a five-minute walk away."),
        ("Can I bring my dog?", "Yes, dogs are welcome inside and on the terrace."),
        ("Do you have gluten-free options?", "Any pasta can be made gluten-free; pizza dough has gluten."),
        ("Do you deliver?", "No; order by phone and pick it up."),
    ]
    return [
        services.faq_entry_save(entry=FaqEntry(business=business, question=q, answer=a, position=i))
        for i, (q, a) in enumerate(entries)
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Do you have parking?", "Is there parking nearby?"),
        ("parkin", "Is there parking nearby?"),  # speech-to-text slip
        ("are dogs allowed", "Can I bring my dog?"),
        ("glutten free pizza", "Do you have gluten-free options?"),
        ("delivery", "Do you deliver?"),
        ("is there a terrace", "Can I bring my dog?"),  # found in the answer
    ],
)
def test_faq_search_finds_the_entry_a_caller_means(business, faq, query, expected):
    assert faq_search(business, query)[0].question == expected


def test_faq_search_returns_nothing_for_unrelated_or_empty_questions(business, faq):
    assert faq_search(business, "what is the wifi password") == []
    assert faq_search(business, "do you have") == []  # nothing but stopwords
    assert faq_search(business, "") == []


def test_faq_search_skips_inactive_entries_and_respects_the_limit(business, faq):
    parking = faq[0]
    parking.is_active = False
    services.faq_entry_save(entry=parking)
    assert faq_search(business, "parking") == []
    assert len(faq_search(business, "dog or gluten")) == 2
    assert len(faq_search(business, "dog or gluten", limit=1)) == 1
    assert [e.question for e in faq_list(business)] == [e.question for e in faq[1:]]


def test_italian_questions_are_searched_on_their_topic_words(business, faq):
    services.faq_entry_save(
        entry=FaqEntry(business=business, question="C'è un parcheggio vicino?", answer="Sì, il garage Sant'Ambrogio.")
    )
    assert faq_search(business, "Avete un parcheggio?")[0].question == "C'è un parcheggio vicino?"


def test_another_restaurants_faq_is_never_searched(business, outsider_business, faq):
    assert faq_search(outsider_business, "parking") == []
    assert faq_list(outsider_business) == []


def test_faq_entries_are_validated(business, faq):
    with pytest.raises(ValidationError) as exc:
        services.faq_entry_save(entry=FaqEntry(business=business, question="", answer=""))
    assert set(exc.value.message_dict) == {"question", "answer"}
    with pytest.raises(IntegrityError, match="faq_unique_question"), transaction.atomic():
        FaqEntry.objects.create(business=business, question="Do you deliver?", answer="Still no.")
