from django.urls import path

from restaurants.api import views
from restaurants.api.tenancy import BUSINESS_PREFIX, tenant_router

router = tenant_router()
router.register(BUSINESS_PREFIX + "closures", views.ClosureViewSet, basename="closure")
router.register(BUSINESS_PREFIX + "members", views.MemberViewSet, basename="member")

urlpatterns = [
    path(BUSINESS_PREFIX, views.BusinessView.as_view(), name="business"),
    path(BUSINESS_PREFIX + "hours/", views.HoursView.as_view(), name="business-hours"),
    path(BUSINESS_PREFIX + "order-settings/", views.OrderSettingsView.as_view(), name="order-settings"),
    path(
        BUSINESS_PREFIX + "reservation-settings/",
        views.ReservationSettingsView.as_view(),
        name="reservation-settings",
    ),
    *router.urls,
]
