"""`order_transition`: the kitchen's path, cancellations, refusals, history, events and who may act."""

import pytest
from django.core.exceptions import ValidationError

from orders.models import Order
from orders.services import order_place, order_transition
from panbot.errors import NotFound
from panbot.models import Event

pytestmark = pytest.mark.django_db

PATH = ["accepted", "preparing", "ready", "completed"]


@pytest.fixture
def order(business, menu, taking_orders, at):
    at(2026, 6, 13, 18, 0)
    return order_place(
        business=business,
        items=[{"item_id": menu.cola.pk, "quantity": 1}],
        customer_name="Giulia",
        customer_phone="+393331234567",
    )


def move(order, to_status, **kwargs):
    return order_transition(business=order.business, order_id=order.pk, to_status=to_status, **kwargs)


@pytest.fixture
def staff(business, member):
    return member(business, "staff")


def test_the_kitchens_path_is_recorded_step_by_step(order, staff):
    for status in PATH:
        order = move(order, status, by=staff)
        assert order.status == status
    assert list(order.status_changes.values_list("from_status", "to_status", "changed_by")) == [
        ("", "new", None),
        ("new", "accepted", staff.pk),
        ("accepted", "preparing", staff.pk),
        ("preparing", "ready", staff.pk),
        ("ready", "completed", staff.pk),
    ]
    updates = Event.objects.filter(type="order.updated").order_by("id")
    assert [(e.payload["previous_status"], e.payload["status"]) for e in updates] == [
        ("new", "accepted"), ("accepted", "preparing"), ("preparing", "ready"), ("ready", "completed"),
    ]  # fmt: skip
    assert Order.objects.get(pk=order.pk).status == "completed"


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_any_open_order_can_be_cancelled_with_a_reason(order, staff, steps):
    for status in PATH[:steps]:
        order = move(order, status, by=staff)
    cancelled = move(order, "cancelled", by=staff, reason="customer called back")
    assert cancelled.status == "cancelled"
    last = cancelled.status_changes.last()
    assert (last.to_status, last.reason) == ("cancelled", "customer called back")


@pytest.mark.parametrize(
    ("steps", "to_status", "message"),
    [
        (0, "ready", "Order #1 is new; it can move to accepted or cancelled, not ready."),
        (0, "completed", "Order #1 is new; it can move to accepted or cancelled, not completed."),
        (2, "accepted", "Order #1 is preparing; it can move to ready or cancelled, not accepted."),
        (1, "accepted", "Order #1 is already accepted."),
        (0, "new", "Order #1 is already new."),
        (4, "cancelled", "Order #1 is completed; it cannot change any more."),
        (4, "ready", "Order #1 is completed; it cannot change any more."),
    ],
)
def test_moves_off_the_path_are_refused_and_change_nothing(order, staff, steps, to_status, message):
    for status in PATH[:steps]:
        order = move(order, status, by=staff)
    events = Event.objects.count()
    with pytest.raises(ValidationError) as exc:
        move(order, to_status, by=staff)
    assert exc.value.message_dict == {"to_status": [message]}
    assert Order.objects.get(pk=order.pk).status == order.status
    assert order.status_changes.count() == steps + 1 and Event.objects.count() == events


def test_a_cancelled_order_stays_cancelled(order, staff):
    move(order, "cancelled", by=staff)
    with pytest.raises(ValidationError) as exc:
        move(order, "accepted", by=staff)
    assert exc.value.messages == ["Order #1 was cancelled; it cannot change any more."]


def test_the_status_is_re_read_under_lock_not_taken_from_a_stale_instance(order, staff):
    stale = Order.objects.get(pk=order.pk)
    move(order, "cancelled", by=staff)
    with pytest.raises(ValidationError, match="was cancelled"):
        move(stale, "accepted", by=staff)


def test_unknown_status_is_refused(order, staff):
    with pytest.raises(ValidationError) as exc:
        move(order, "eaten", by=staff)
    assert exc.value.message_dict == {"to_status": ["'eaten' is not an order status."]}


def test_members_stakeholders_and_the_agent_may_act(order, business, member, stakeholder):
    order = move(order, "accepted", by=member(business, "owner"))
    order = move(order, "preparing", by=stakeholder)
    order = move(order, "ready", by=None)  # the phone agent
    assert order.status == "ready"


def test_another_restaurants_staff_cannot_touch_the_order(order, outsider_business, member, make_user):
    for user in (member(outsider_business, "owner"), make_user()):
        with pytest.raises(NotFound) as exc:
            move(order, "cancelled", by=user)
        assert exc.value.messages == ["We could not find that order."]
    assert Order.objects.get(pk=order.pk).status == "new"


def test_an_inactive_member_cannot_act(order, staff):
    staff.is_active = False
    staff.save()
    with pytest.raises(NotFound):
        move(order, "accepted", by=staff)


def test_the_agent_passes_its_business_and_cannot_touch_another(order, business, outsider_business):
    with pytest.raises(NotFound):
        order_transition(business=outsider_business, order_id=order.pk, to_status="cancelled")
    assert order_transition(business=business, order_id=order.pk, to_status="cancelled").status == "cancelled"
