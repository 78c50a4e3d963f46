from orders.api.views import (
    MenuCategoryViewSet,
    MenuItemViewSet,
    ModifierGroupViewSet,
    ModifierViewSet,
    OrderViewSet,
)
from restaurants.api.tenancy import BUSINESS_PREFIX, tenant_router

router = tenant_router()
router.register(BUSINESS_PREFIX + "orders", OrderViewSet, basename="order")
router.register(BUSINESS_PREFIX + "menu/categories", MenuCategoryViewSet, basename="menu-category")
router.register(BUSINESS_PREFIX + "menu/items", MenuItemViewSet, basename="menu-item")
router.register(BUSINESS_PREFIX + "menu/modifier-groups", ModifierGroupViewSet, basename="modifier-group")
router.register(BUSINESS_PREFIX + "menu/modifiers", ModifierViewSet, basename="modifier")

urlpatterns = router.urls
