from reservations.api.views import ReservationViewSet
from restaurants.api.tenancy import BUSINESS_PREFIX, tenant_router

router = tenant_router()
router.register(BUSINESS_PREFIX + "reservations", ReservationViewSet, basename="reservation")

urlpatterns = router.urls
