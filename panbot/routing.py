"""WebSocket routes. Consumers live in their apps; this list is the only place they are mounted."""

from __future__ import annotations

websocket_urlpatterns: list = []
