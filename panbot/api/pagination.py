"""Cursor pagination for every list: stable under inserts, no COUNT query, and a bad cursor is a 400."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

INVALID_CURSOR = "This cursor is not one we gave out; start again from the first page."


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pagination ordered by the view's `cursor_ordering` (default newest first by id).

    A view lists rows in a fixed order: `cursor_ordering = ("number",)`. The first key must be
    unique and not null, or pages could skip or repeat rows.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-pk",)

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._model = queryset.model
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:  # DRF answers a cursor it cannot decode with 404
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None

    def decode_cursor(self, request: Any) -> Any:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            # The position is filtered on (`number > position`): a value the column cannot hold
            # ("abc" for an id, a NUL for text) would be a database error, not an empty page.
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: object) -> None:
        name = self.ordering[0].lstrip("-")
        meta = self._model._meta
        try:
            value = (meta.pk if name == "pk" else meta.get_field(name)).to_python(position)
        except (DjangoValidationError, FieldDoesNotExist, TypeError, ValueError):
            raise NotFound() from None
        if "\x00" in str(position) or (isinstance(value, int) and not -(2**63) <= value < 2**63):
            raise NotFound()
