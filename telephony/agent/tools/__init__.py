"""The agent's tools: thin wrappers that parse, call one service or selector, and return words to say."""

from telephony.agent.tools.booking import book_table, cancel_reservation, check_availability, find_my_reservations
from telephony.agent.tools.call import end_call, transfer_to_staff
from telephony.agent.tools.info import restaurant_info, search_faq
from telephony.agent.tools.ordering import (
    add_to_order,
    order_status,
    place_order,
    read_menu,
    remove_from_order,
    review_order,
    search_menu,
)

ALL = [
    search_menu, read_menu, add_to_order, remove_from_order, review_order, place_order, order_status,
    check_availability, book_table, find_my_reservations, cancel_reservation,
    restaurant_info, search_faq, transfer_to_staff, end_call,
]  # fmt: skip
