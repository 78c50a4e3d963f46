from restaurants.api.tenancy import BUSINESS_PREFIX, tenant_router
from telephony.api.views import CallViewSet, LiveCallViewSet, NumberViewSet

router = tenant_router()
router.register(BUSINESS_PREFIX + "numbers", NumberViewSet, basename="number")
# Before "calls": "calls/live/" is its own list, not a call id.
router.register(BUSINESS_PREFIX + "calls/live", LiveCallViewSet, basename="live-call")
router.register(BUSINESS_PREFIX + "calls", CallViewSet, basename="call")

urlpatterns = router.urls
