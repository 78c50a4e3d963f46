"""Tenancy that fails loudly (panbot.tenancy): every tenant model's query needs a business scope, a scope
reads its business's rows only, and the platform-wide reads say so."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.db import connections, models, transaction

from orders.models import MenuItem, Modifier, Order
from panbot.tenancy import ScopeError, business_scope, in_business_scope, platform_wide, runs_platform_wide
from restaurants.models import Business, FaqEntry
from tests.tenancy import production_tenancy

pytestmark = pytest.mark.django_db

# Models that are not one business's rows: the tenant itself, carriers' trunks, users and their tokens.
NOT_TENANT_DATA = {
    "restaurants.Business",
    "telephony.PbxTrunk",
    "accounts.AuthState",
    "token_blacklist.OutstandingToken",
    "token_blacklist.BlacklistedToken",
}


def _belongs_to_a_business(model: type[models.Model], depth: int = 0) -> bool:
    """A foreign key to Business, or to a model that has one (a line of an order, a modifier of a group)."""
    for field in model._meta.fields:
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            continue
        if field.related_model is Business or (depth < 3 and _belongs_to_a_business(field.related_model, depth + 1)):
            if field.name in {"changed_by", "requested_by", "assigned_by", "ended_by", "user"}:
                continue  # a user who acted is not what the row belongs to
            return True
    return False


def _project_models() -> list[type[models.Model]]:
    ours = {"panbot", "accounts", "restaurants", "telephony", "orders", "reservations", "printing", "analytics"}
    return [m for m in apps.get_models() if m._meta.app_label in ours or m._meta.label in NOT_TENANT_DATA]


TENANT_MODELS = [m for m in _project_models() if m._meta.label not in NOT_TENANT_DATA and _belongs_to_a_business(m)]


def test_the_list_of_tenant_models_is_what_we_think_it_is():
    # A new model that belongs to a business lands in TENANT_MODELS by itself; this pins the list so
    # that the test below cannot pass by finding nothing.
    assert len(TENANT_MODELS) >= 25
    assert {m._meta.label for m in TENANT_MODELS} >= {
        "orders.Order", "orders.OrderItem", "orders.OrderItemModifier", "orders.Modifier", "reservations.Reservation",
        "telephony.CallRecord", "telephony.SipNumber", "restaurants.Membership", "panbot.Event",
        "printing.PrintJob", "analytics.CallHourlyRollup",
    }  # fmt: skip
    assert not {m._meta.label for m in _project_models()} - {m._meta.label for m in TENANT_MODELS} - NOT_TENANT_DATA


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_every_tenant_model_refuses_a_query_outside_a_scope_and_filters_inside_one(model, business):
    with production_tenancy():
        with pytest.raises(ScopeError):
            list(model.objects.all())
        with pytest.raises(ScopeError):
            model.objects.filter(pk=1).exists()
        with business_scope(business.pk):
            assert model.objects.count() == 0  # the scope's path to the business is a real lookup
            sql = str(model.objects.all().query)
            assert f"= {business.pk}" in sql, sql


def test_every_way_of_running_a_query_outside_a_scope_raises(business, make_menu):
    from django.db.models import Exists, OuterRef

    menu = make_menu(business)
    before = (MenuItem.objects.filter(is_available=True).count(), Modifier.objects.count())
    with production_tenancy():
        attempts = {
            "exists": lambda: MenuItem.objects.exists(),
            "exclude().exists": lambda: MenuItem.objects.exclude(pk=0).exists(),
            "select_related().exists": lambda: MenuItem.objects.select_related("category").exists(),
            "update": lambda: MenuItem.objects.update(is_available=False),
            "delete": lambda: Modifier.objects.all().delete(),
            "values_list": lambda: list(MenuItem.objects.values_list("pk", flat=True)),
            "explain": lambda: MenuItem.objects.explain(),
            "related manager": lambda: list(menu.margherita.modifier_groups.all()),
            "subquery": lambda: Business.objects.filter(pk__in=MenuItem.objects.values("business_id")).exists(),
            "exists subquery": lambda: Business.objects.filter(Exists(MenuItem.objects.filter(business=OuterRef("pk"))))
            .exists(),
            "prefetch": lambda: list(Business.objects.prefetch_related("menu_items")),
        }  # fmt: skip
        for name, attempt in attempts.items():
            with pytest.raises(ScopeError), transaction.atomic():  # update and delete mark it for rollback
                attempt()
                pytest.fail(f"{name} ran outside a scope")
    assert (MenuItem.objects.filter(is_available=True).count(), Modifier.objects.count()) == before  # untouched


@pytest.mark.django_db(transaction=True)
async def test_async_queries_outside_a_scope_raise(business, make_menu):
    from channels.db import database_sync_to_async as db

    await db(make_menu)(business)
    with production_tenancy():
        with pytest.raises(ScopeError):
            [item async for item in MenuItem.objects.all()]
        with pytest.raises(ScopeError):
            await MenuItem.objects.acount()
        with business_scope(business.pk):
            assert await MenuItem.objects.acount() > 0
    await sync_to_async(connections.close_all)()  # the async ORM's thread keeps its connection otherwise


def test_a_scope_reads_its_business_rows_only_whatever_the_query_forgot(make_business, make_menu):
    mine, theirs = make_business("Mine"), make_business("Theirs")
    my_menu, their_menu = make_menu(mine), make_menu(theirs)
    with production_tenancy(), business_scope(mine.pk):
        assert set(MenuItem.objects.values_list("business_id", flat=True)) == {mine.pk}
        with pytest.raises(MenuItem.DoesNotExist):
            MenuItem.objects.get(pk=their_menu.margherita.pk)
        # Two joins away from the business: the modifiers of another business's groups stay out of reach.
        assert not Modifier.objects.filter(group__item=their_menu.margherita).exists()
        assert Modifier.objects.filter(group__item=my_menu.margherita).exists()
        # Related managers are scoped too.
        assert list(their_menu.margherita.modifier_groups.all()) == []


def test_writes_need_no_scope_and_platform_wide_reads_see_every_business(make_business):
    first, second = make_business("First"), make_business("Second")
    with production_tenancy():
        FaqEntry.objects.create(business=first, question="Parking?", answer="Yes.")
        FaqEntry.objects.create(business=second, question="Dogs?", answer="Yes.")
        with platform_wide():
            assert FaqEntry.objects.filter(business__in=[first, second]).count() == 2
        with business_scope(second.pk):
            assert list(FaqEntry.objects.values_list("question", flat=True)) == ["Dogs?"]
            with platform_wide():  # nested: platform-wide, then back to the business
                assert FaqEntry.objects.count() == 2
            assert FaqEntry.objects.count() == 1
        with pytest.raises(ScopeError):
            FaqEntry.objects.count()


def test_runs_platform_wide_and_in_business_scope_set_the_scope_for_the_call_only(make_business):
    business = make_business()
    FaqEntry.objects.create(business=business, question="Parking?", answer="Yes.")

    @runs_platform_wide
    def count_everywhere() -> int:
        return FaqEntry.objects.count()

    with production_tenancy():
        assert count_everywhere() == 1
        assert in_business_scope(business.pk, FaqEntry.objects.count) == 1
        with pytest.raises(ScopeError):
            Order.objects.count()


@pytest.mark.parametrize("bad", [None, 0, -3, "7", True, 7.0])
def test_a_business_scope_needs_a_business_id(bad):
    # A business scope names one business: a missing or malformed id is refused where it is passed.
    with pytest.raises(ValueError, match="needs a business id"), business_scope(bad):
        pass
