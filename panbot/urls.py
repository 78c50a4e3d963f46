"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from panbot.api.views import api_not_found
from panbot.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("panbot.api.urls")),
    re_path(r"^api/", api_not_found),  # other versions, /api/ itself: JSON even with DEBUG on
    path("healthz", healthz, name="healthz"),
    path("app/", include("dashboard.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the dashboard's language switch
    path("", RedirectView.as_view(pattern_name="dashboard:home"), name="root"),
]

# Django's error pages, as JSON under /api/ (with DEBUG off; DEBUG shows its technical pages).
handler400 = "panbot.views.bad_request"
handler403 = "panbot.views.permission_denied"
handler404 = "panbot.views.page_not_found"
handler500 = "panbot.views.server_error"
