"""The one tenant rule of the API: `/api/v1/businesses/{business_id}/...`, authorised from the token alone.

A tenant view derives from `TenantViewSet` (or `TenantAPIView`) and declares, as data, the least
role each of its operations needs:

    class NumberViewSet(TenantViewSet):
        tenant_roles = {"list": Role.STAFF, "retrieve": Role.STAFF, "partial_update": Role.MANAGER}

Keys are viewset actions, or HTTP methods ("GET", "POST", ...) for an APIView. `BusinessPermission`
then, once per request and with no database query:

- answers 401 without a valid access token;
- answers 404 when the token has no membership in the URL's business (an outsider learns nothing,
  not even that the business exists); stakeholders are no exception: their cross-tenant powers
  live in the platform API (/api/v1/platform/) and the admin, as DESIGN.md "Roles" says;
- answers 403 when the member's role is below the operation's;
- sets `request.business_id` (int) and `request.business_role`.

Once the request is through, the view runs inside `business_scope(business_id)` (panbot.tenancy):
tenant models read that business's rows only, and a query that escaped the view (a streamed body
read after it returns) raises instead of reading every tenant's. The platform API runs
`platform_wide()` instead, after StakeholderPermission.

The view derives everything from `self.business_id`: querysets filter on it (so another business's
object id is a 404 too), writes pass the business to the service, and no input serializer has a
business field (one in a payload is refused as unknown). `self.business` loads the Business row
once, when a service or an output needs it; `acting_user(request)` loads the user's row once for a
service that records who acted.

An operation a view does not implement (a PUT on a view without `update`) answers 405 to members.
An implemented operation missing from `tenant_roles` is a programming error, raised loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, ExitStack
from functools import cached_property
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions, generics, routers, viewsets
from rest_framework.permissions import BasePermission

from accounts.tokens import ROLE_RANK, claims_role, role_allows
from panbot.api.serializers import parse
from panbot.tenancy import business_scope, platform_wide
from restaurants.models import Business, Membership

Role = Membership.Role

# Where every tenant endpoint's path starts (relative to /api/v1/).
BUSINESS_PREFIX = "businesses/<int:business_id>/"

_BUSINESS_CACHE = "_tenant_business"
_USER_CACHE = "_acting_user"


def _required_role(view: Any, request: Any) -> str | None:
    """The least role the operation needs; None when the view does not implement it (DRF answers 405)."""
    roles: Mapping[str, str] = getattr(view, "tenant_roles", None) or {}
    method = request.method.upper()
    if hasattr(view, "action_map"):  # a viewset: keyed by action
        key = view.action
        if key is None or key == "metadata":
            return None
    else:
        key = "GET" if method == "HEAD" else method
        if not hasattr(view, method.lower()) or method == "OPTIONS":
            return None
    if key not in roles:
        raise ImproperlyConfigured(f"{type(view).__name__}.tenant_roles has no role for {key!r}.")
    role = roles[key]
    if role not in ROLE_RANK:
        raise ImproperlyConfigured(f"{type(view).__name__}.tenant_roles[{key!r}] = {role!r} is not a role.")
    return role


class BusinessPermission(BasePermission):
    """The tenant rule (see the module's docstring): 401, 404 for outsiders, 403 below the operation's role."""

    error_statuses = (403, 404)  # documented on every tenant operation of the schema

    def has_permission(self, request: Any, view: Any) -> bool:
        claims = request.auth
        if not (request.user and request.user.is_authenticated and isinstance(claims, dict)):
            return False  # DRF answers 401
        business_id = view.kwargs.get("business_id")
        if not isinstance(business_id, int):
            raise ImproperlyConfigured(f"{type(view).__name__} is not routed under {BUSINESS_PREFIX}")
        role = claims_role(claims, business_id)
        if role is None:
            raise exceptions.NotFound()
        required = _required_role(view, request)
        if required is not None and not role_allows(role, required):
            raise exceptions.PermissionDenied(
                f"This needs the {Role(required).label.lower()} role or above; yours is {Role(role).label.lower()}.",
                code="role_required",
            )
        request.business_id = business_id
        request.business_role = role
        return True


class StakeholderPermission(BasePermission):
    """The platform API's rule: a stakeholder's token (Django staff user), else 403. No database query."""

    error_statuses = (403,)
    message = "Only the platform's stakeholders may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        claims = request.auth
        if not (request.user and request.user.is_authenticated and isinstance(claims, dict)):
            return False
        return claims["stakeholder"] is True


def request_business(request: Any) -> Business:
    """The Business of a request BusinessPermission let through, loaded on first use and kept for the request."""
    business = getattr(request, _BUSINESS_CACHE, None)
    if business is None:
        business_id = getattr(request, "business_id", None)
        if business_id is None:
            raise ImproperlyConfigured("request_business() needs a request authorised by BusinessPermission.")
        business = Business.objects.filter(pk=business_id).first()
        if business is None:  # deleted since the token was minted
            raise exceptions.NotFound()
        setattr(request, _BUSINESS_CACHE, business)
    return business


def acting_user(request: Any) -> Any:
    """The User row of the request's user (for a service's `by=`), loaded once; 401 if it no longer exists."""
    user = getattr(request, _USER_CACHE, None)
    if user is None:
        user = get_user_model().objects.filter(pk=request.user.id, is_active=True).first()
        if user is None:
            raise exceptions.AuthenticationFailed("This account is no longer active.", code="user_inactive")
        setattr(request, _USER_CACHE, user)
    return user


class ScopedView:
    """A view whose handler runs in `self.tenancy(request)` (panbot.tenancy), entered once the request is
    authenticated and permitted (DRF's `initial`) and left when the response is ready, even on an error."""

    def tenancy(self, request: Any) -> AbstractContextManager[None]:
        raise NotImplementedError

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with ExitStack() as self._tenancy:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self._tenancy.enter_context(self.tenancy(request))


class TenantMixin(ScopedView):
    """What tenant views share: the permission, the tenant's id and row, and strict input parsing."""

    permission_classes: ClassVar[list] = [BusinessPermission]
    tenant_roles: ClassVar[Mapping[str, str]] = {}

    def tenancy(self, request: Any) -> AbstractContextManager[None]:
        return business_scope(request.business_id)

    @property
    def business_id(self) -> int:
        return self.request.business_id

    @cached_property
    def business(self) -> Business:
        return request_business(self.request)

    def parse(self, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
        """The request body validated by `serializer_class` (an InputSerializer); 400 with field errors if not."""
        return parse(serializer_class, self.request, context=self.get_serializer_context(), **kwargs)


class TenantViewSet(TenantMixin, viewsets.GenericViewSet):
    """A viewset of one business's resource; route it with `tenant_router()`.

    Object ids in the URL are ints (`lookup_url_kwarg` names them, e.g. "number_id").
    """

    lookup_value_converter = "int"


def tenant_router() -> routers.SimpleRouter:
    """A router whose prefixes start with BUSINESS_PREFIX: `router.register(BUSINESS_PREFIX + "numbers", ...)`.

    Path converters, not regexes, so ids are ints in the view and in the schema.
    """
    return routers.SimpleRouter(use_regex_path=False)


class TenantAPIView(TenantMixin, generics.GenericAPIView):
    """A single tenant endpoint (`tenant_roles` keyed by HTTP method)."""


# --- The platform API (/api/v1/platform/): stakeholders only ----------------------------------------

# Where every platform endpoint's path starts (relative to /api/v1/).
PLATFORM_PREFIX = "platform/"


class PlatformViewSet(ScopedView, viewsets.GenericViewSet):
    """A viewset of the platform API: every tenant's rows, for stakeholders (StakeholderPermission, no query).

    Route it with `tenant_router()` under PLATFORM_PREFIX; object ids are ints. `self.parse(...)`
    validates the body; `acting_user(request)` is the stakeholder's row for a service's `by=`.
    """

    permission_classes: ClassVar[list] = [StakeholderPermission]
    lookup_value_converter = "int"

    def tenancy(self, request: Any) -> AbstractContextManager[None]:
        return platform_wide()  # a stakeholder: every tenant's rows, by design

    def parse(self, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
        return parse(serializer_class, self.request, context=self.get_serializer_context(), **kwargs)
