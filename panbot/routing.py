"""WebSocket routes. Consumers live in their apps; this list is the only place they are mounted."""

from __future__ import annotations

from typing import Any

from django.urls import path

from panbot.feed.consumer import FeedConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/v1/businesses/<int:business_id>/feed/", FeedConsumer.as_asgi()),
]
