from restaurants.api.tenancy import BUSINESS_PREFIX, tenant_router
from telephony.api.views import NumberViewSet

router = tenant_router()
router.register(BUSINESS_PREFIX + "numbers", NumberViewSet, basename="number")

urlpatterns = router.urls
