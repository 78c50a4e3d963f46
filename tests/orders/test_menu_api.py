"""The menu endpoints: staff read the menu and mark sold-outs; managers and owners create and change it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders import services
from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup
from panbot.models import Event
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def menu_url(world, path, business=None):
    return f"/api/v1/businesses/{(business or world.own.business).pk}/menu/{path}"


@pytest.fixture
def theirs(world):
    """The outsider's menu: a category, an item, a group and an option, whose ids must mean nothing here."""
    foreign = world.foreign
    return foreign.menu_category, foreign.menu_item, foreign.modifier_group, foreign.modifier


# --- Reading -----------------------------------------------------------------------------------------


def test_staff_read_items_with_their_groups_and_options(world, theirs):
    own = world.own
    own.modifier  # noqa: B018 (Margherita, Extras, Burrata)
    olive = Modifier.objects.create(group=own.modifier_group, name="Olive", price_delta=Decimal("1.00"), position=1)
    group = own.modifier_group.pk
    response = world.client("staff").get(menu_url(world, "items/"))
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": own.menu_item.pk,
            "category_id": own.menu_category.pk,
            "name": "Margherita",
            "description": "",
            "price": "8.00",
            "is_available": True,
            "aliases": [],
            "allergens": [],
            "position": 0,
            "modifier_groups": [
                {
                    "id": own.modifier_group.pk,
                    "item_id": own.menu_item.pk,
                    "name": "Extras",
                    "min_selected": 0,
                    "max_selected": 2,
                    "position": 0,
                    "modifiers": [
                        {
                            "id": own.modifier.pk,
                            "group_id": group,
                            "name": "Burrata",
                            "price_delta": "3.00",
                            "is_available": True,
                            "position": 0,
                        },
                        {
                            "id": olive.pk,
                            "group_id": group,
                            "name": "Olive",
                            "price_delta": "1.00",
                            "is_available": True,
                            "position": 1,
                        },
                    ],
                }
            ],
        }
    ]


@pytest.mark.parametrize("path", ["categories/", "items/", "modifier-groups/", "modifiers/"])
def test_each_list_shows_only_the_business_rows(world, theirs, path):
    world.own.modifier  # noqa: B018 (one row of each kind)
    response = world.client("staff").get(menu_url(world, path))
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    mine = {"categories/": world.own.menu_category, "items/": world.own.menu_item,
            "modifier-groups/": world.own.modifier_group, "modifiers/": world.own.modifier}[path]  # fmt: skip
    assert ids == [mine.pk]


@pytest.mark.parametrize(
    ("path", "attribute"),
    [("categories", "menu_category"), ("items", "menu_item"), ("modifier-groups", "modifier_group"),
     ("modifiers", "modifier")],
)  # fmt: skip
def test_outsiders_get_404_and_another_business_row_is_404_under_your_own(world, path, attribute):
    mine, foreign = getattr(world.own, attribute), getattr(world.foreign, attribute)
    outsider = world.client("outsider")
    assert outsider.get(menu_url(world, f"{path}/")).status_code == 404
    assert outsider.get(menu_url(world, f"{path}/{mine.pk}/")).status_code == 404
    assert outsider.patch(menu_url(world, f"{path}/{mine.pk}/"), {"name": "Ours now"}, format="json").status_code == 404
    owner = world.client("owner")
    assert owner.get(menu_url(world, f"{path}/{foreign.pk}/")).status_code == 404
    response = owner.patch(menu_url(world, f"{path}/{foreign.pk}/"), {"name": "Ours now"}, format="json")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name != "Ours now"


# --- Writing -----------------------------------------------------------------------------------------


def test_manager_builds_a_category_an_item_a_group_and_an_option(world):
    client = world.client("manager")
    category = client.post(menu_url(world, "categories/"), {"name": "Dolci", "position": 2}, format="json")
    assert category.status_code == 201, category.content
    assert category.json() == {"id": category.json()["id"], "name": "Dolci", "description": "", "position": 2}
    item = client.post(
        menu_url(world, "items/"),
        {"category_id": category.json()["id"], "name": "Tiramisù", "price": "6.50", "aliases": ["tiramisu"],
         "allergens": ["eggs", "milk"]},
        format="json",
    )  # fmt: skip
    assert item.status_code == 201, item.content
    assert (item.json()["price"], item.json()["allergens"], item.json()["modifier_groups"]) == (
        "6.50", ["eggs", "milk"], [],
    )  # fmt: skip
    group = client.post(
        menu_url(world, "modifier-groups/"), {"item_id": item.json()["id"], "name": "Size", "min_selected": 1},
        format="json",
    )  # fmt: skip
    assert group.status_code == 201, group.content
    option = client.post(
        menu_url(world, "modifiers/"), {"group_id": group.json()["id"], "name": "Large", "price_delta": "2.00"},
        format="json",
    )  # fmt: skip
    assert option.status_code == 201, option.content
    shown = client.get(menu_url(world, f"items/{item.json()['id']}/")).json()
    assert [(g["name"], [m["name"] for m in g["modifiers"]]) for g in shown["modifier_groups"]] == [("Size", ["Large"])]
    row = MenuItem.objects.get(pk=item.json()["id"])
    assert (row.business, row.price, row.aliases) == (world.own.business, Decimal("6.50"), ["tiramisu"])


def test_patch_changes_only_what_is_sent_and_moves_an_item_between_own_categories(world):
    item = world.own.menu_item
    drinks = MenuCategory.objects.create(business=world.own.business, name="Bevande")
    response = world.client("owner").patch(
        menu_url(world, f"items/{item.pk}/"), {"price": "8.50", "category_id": drinks.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["price"], response.json()["category_id"], response.json()["name"]) == (
        "8.50", drinks.pk, "Margherita",
    )  # fmt: skip
    event = Event.objects.filter(type="menu.item_updated").get()
    assert event.payload == {"item_id": item.pk, "category_id": drinks.pk, "name": "Margherita", "price": "8.50",
                             "is_available": True}  # fmt: skip


def test_a_category_item_or_group_of_another_business_in_a_body_is_refused_like_an_unknown_id(world, theirs):
    their_category, their_item, their_group, _ = theirs
    unknown = 10**9
    client = world.client("manager")

    def refusal(path, body, method="post"):
        response = getattr(client, method)(menu_url(world, path), body, format="json")
        assert response.status_code == 400, response.content
        return response.json()

    for foreign_id, expect in ((their_category.pk, their_category.pk), (unknown, unknown)):
        sentence = {"category_id": [f"There is no category {expect} on this menu."]}
        assert refusal("items/", {"category_id": foreign_id, "name": "Nigiri", "price": "4.00"}) == sentence
        assert refusal(f"items/{world.own.menu_item.pk}/", {"category_id": foreign_id}, "patch") == sentence
    for foreign_id in (their_item.pk, unknown):
        assert refusal("modifier-groups/", {"item_id": foreign_id, "name": "Sauce"}) == {
            "item_id": [f"There is no item {foreign_id} on this menu."]
        }
    for foreign_id in (their_group.pk, unknown):
        assert refusal("modifiers/", {"group_id": foreign_id, "name": "Wasabi"}) == {
            "group_id": [f"There is no modifier group {foreign_id} on this menu."]
        }
    assert not MenuItem.objects.filter(name="Nigiri").exists()
    world.own.menu_item.refresh_from_db()
    assert world.own.menu_item.category == world.own.menu_category


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"price": 8.5}, {"price": ['Give the amount as a decimal string, e.g. "8.50".']}),
        ({"price": "-1.00"}, {"price": ["Ensure this value is greater than or equal to 0."]}),
        ({"allergens": ["glutten"]}, {"allergens": [
            "Give a list of allergens among gluten, crustaceans, eggs, fish, peanuts, soy, milk, nuts, celery, "
            "mustard, sesame, sulphites, lupin, molluscs."]}),
        ({"aliases": ["ok", " "]}, {"aliases": ['Give a list of names callers use for this item, e.g. ["marghe"].']}),
        ({"name": ""}, {"name": ["This field cannot be blank."]}),
        ({"name": "Nul\x00"}, {"name": ["Null characters are not allowed."]}),
        ({"description": "x" * 501}, {"description": ["Ensure this value has at most 500 characters (it has 501)."]}),
        ({"position": 70000}, {"position": ["Ensure this value is less than or equal to 32767."]}),
        ({"business": 1}, {"business": ["Unknown field."]}),
    ],
)  # fmt: skip
def test_item_refusals_are_the_models_sentences_and_change_nothing(world, body, errors):
    item = world.own.menu_item
    response = world.client("manager").patch(menu_url(world, f"items/{item.pk}/"), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert MenuItem.objects.get(pk=item.pk).price == Decimal("8.00")
    assert not Event.objects.exists()


def test_a_name_already_on_the_menu_is_refused(world):
    MenuItem.objects.create(business=world.own.business, category=world.own.menu_category, name="Diavola", price=9)
    response = world.client("manager").patch(
        menu_url(world, f"items/{world.own.menu_item.pk}/"), {"name": "Diavola"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Menu item with this Business and Name already exists."]}


def test_a_group_minimum_above_its_maximum_is_refused(world):
    response = world.client("manager").patch(
        menu_url(world, f"modifier-groups/{world.own.modifier_group.pk}/"), {"min_selected": 3}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"min_selected": ["The minimum cannot be above the maximum."]}


def test_a_group_or_option_cannot_change_its_parent(world, theirs):
    client = world.client("manager")
    response = client.patch(
        menu_url(world, f"modifier-groups/{world.own.modifier_group.pk}/"), {"item_id": theirs[1].pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"item_id": ["Unknown field."]}
    response = client.patch(
        menu_url(world, f"modifiers/{world.own.modifier.pk}/"), {"group_id": theirs[2].pk}, format="json"
    )
    assert response.json() == {"group_id": ["Unknown field."]}


@pytest.mark.django_db(transaction=True)
def test_two_managers_adding_the_same_category_at_once_make_one(world):
    clients = [world.client("manager"), world.client("owner")]
    url = menu_url(world, "categories/")
    results = run_concurrently(2, lambda i: clients[i].post(url, {"name": "Antipasti"}, format="json"))
    statuses = sorted(response.status_code for kind, response in results if kind == "ok")
    assert statuses == [201, 400], results
    refused = next(response for _kind, response in results if response.status_code == 400)
    assert refused.json() in (
        {"name": ["There is already a category called Antipasti."]},  # both validated before either saved
        {"non_field_errors": ["Menu category with this Business and Name already exists."]},
    )
    assert MenuCategory.objects.filter(name="Antipasti").count() == 1


def test_nothing_on_the_menu_is_deleted(world):
    for path in (
        f"categories/{world.own.menu_category.pk}/",
        f"items/{world.own.menu_item.pk}/",
        f"modifier-groups/{world.own.modifier_group.pk}/",
        f"modifiers/{world.own.modifier.pk}/",
    ):
        response = world.client("owner").delete(menu_url(world, path))
        assert response.status_code == 405, path
    assert (MenuCategory.objects.count(), MenuItem.objects.count(), ModifierGroup.objects.count(),
            Modifier.objects.count()) == (1, 1, 1, 1)  # fmt: skip


def test_staff_cannot_change_the_menu_itself(world):
    response = world.client("staff").patch(
        menu_url(world, f"items/{world.own.menu_item.pk}/"), {"price": "1.00"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_required"


# --- Sold out ------------------------------------------------------------------------------------------


def test_staff_mark_an_item_sold_out_and_the_feed_hears_it_on_commit(world, django_capture_on_commit_callbacks):
    item = world.own.menu_item
    with django_capture_on_commit_callbacks() as pushes:
        response = world.client("staff").post(
            menu_url(world, f"items/{item.pk}/availability/"), {"is_available": False}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["is_available"] is False
    assert len(pushes) == 1  # the event is pushed when the change commits, not before
    event = Event.objects.get(type="menu.item_updated")
    assert (event.business_id, event.payload) == (
        world.own.business.pk,
        {"item_id": item.pk, "category_id": item.category_id, "name": "Margherita", "price": "8.00",
         "is_available": False},
    )  # fmt: skip
    # Already sold out: nothing changes, nothing is announced.
    again = world.client("staff").post(
        menu_url(world, f"items/{item.pk}/availability/"), {"is_available": False}, format="json"
    )
    assert again.status_code == 200
    assert Event.objects.filter(type="menu.item_updated").count() == 1
    back = world.client("staff").post(
        menu_url(world, f"items/{item.pk}/availability/"), {"is_available": True}, format="json"
    )
    assert back.json()["is_available"] is True
    assert Event.objects.filter(type="menu.item_updated").count() == 2


def test_staff_mark_an_option_sold_out(world):
    option = world.own.modifier
    response = world.client("staff").post(
        menu_url(world, f"modifiers/{option.pk}/availability/"), {"is_available": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_available"] is False
    option.refresh_from_db()
    assert option.is_available is False


@pytest.mark.parametrize("path", ["items", "modifiers"])
def test_sold_out_refusals(world, theirs, path):
    own = {"items": world.own.menu_item, "modifiers": world.own.modifier}[path]
    foreign = {"items": theirs[1], "modifiers": theirs[3]}[path]
    client = world.client("staff")
    response = client.post(menu_url(world, f"{path}/{own.pk}/availability/"), {"is_available": "no"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"is_available": ["Must be a valid boolean."]}
    response = client.post(menu_url(world, f"{path}/{foreign.pk}/availability/"), {"is_available": False},
                           format="json")  # fmt: skip
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_available is True
    outsider = world.client("outsider").post(
        menu_url(world, f"{path}/{own.pk}/availability/"), {"is_available": False}, format="json"
    )
    assert outsider.status_code == 404


def test_the_admin_save_of_an_item_announces_it_too(world):
    """The admin's list-editable "available" box saves through menu_item_save: the feed hears that change as well."""
    item = world.own.menu_item
    item.is_available = False
    services.menu_item_save(item=item)
    assert Event.objects.get(type="menu.item_updated").payload["is_available"] is False
    services.menu_item_save(
        item=MenuItem(business=world.own.business, category=world.own.menu_category, name="New", price=1)
    )
    assert Event.objects.filter(type="menu.item_updated").count() == 1  # a new item is not an update
