from restaurants.api.platform.views import PlatformBusinessViewSet
from restaurants.api.tenancy import PLATFORM_PREFIX, tenant_router

router = tenant_router()
router.register(PLATFORM_PREFIX + "businesses", PlatformBusinessViewSet, basename="platform-business")

urlpatterns = router.urls
