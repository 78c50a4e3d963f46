"""WebSocket routes. Consumers live in their apps; this list is the only place they are mounted."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []  # URLRoute / re_path entries
