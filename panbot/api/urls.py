"""The /api/v1/ root: each app's `api.urls`, the schema and its docs, and a JSON 404 for anything else.

A new app's API is one more `include` here; its `api/urls.py` declares full paths under /api/v1/
(tenant endpoints start with `restaurants.api.tenancy.BUSINESS_PREFIX`).
"""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from panbot.api.views import api_not_found

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("telephony.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("restaurants.api.faq")),
    path("", include("restaurants.api.urls")),
    path("", include("reservations.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: an unknown URL under /api/ is a JSON 404 even with DEBUG on (Django's page is HTML).
    re_path(r"^.*$", api_not_found),
]
