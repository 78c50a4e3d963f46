from restaurants.api.tenancy import PLATFORM_PREFIX, tenant_router
from telephony.api.platform.views import PlatformLiveCallViewSet, PlatformNumberViewSet, TrunkViewSet

router = tenant_router()
router.register(PLATFORM_PREFIX + "numbers", PlatformNumberViewSet, basename="platform-number")
router.register(PLATFORM_PREFIX + "trunks", TrunkViewSet, basename="platform-trunk")
router.register(PLATFORM_PREFIX + "calls/live", PlatformLiveCallViewSet, basename="platform-live-call")

urlpatterns = router.urls
