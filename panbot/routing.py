"""WebSocket routes. Consumers live in their apps; this list is the only place they are mounted."""

from __future__ import annotations

from django.urls import path

from panbot.feed.consumer import FeedConsumer

websocket_urlpatterns: list = [
    path("ws/v1/businesses/<int:business_id>/feed/", FeedConsumer.as_asgi()),
]
