"""The tenant rule's building blocks, on views made for the test (the real endpoints are in the matrix)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from restaurants.api.tenancy import Role, StakeholderPermission, TenantAPIView, acting_user

pytestmark = pytest.mark.django_db

factory = APIRequestFactory()


class Profile(TenantAPIView):
    tenant_roles = {"GET": Role.STAFF, "POST": Role.OWNER}

    def get(self, request, business_id):
        # The Business row is loaded once, however often the view asks for it.
        assert self.business is self.business
        return Response({"name": self.business.name, "role": request.business_role})

    def post(self, request, business_id):
        return Response({"by": acting_user(request).username})

    def put(self, request, business_id):  # implemented, but no role declared: a bug to surface
        return Response({})


class Platform(APIView):
    permission_classes = [StakeholderPermission]

    def get(self, request):
        return Response({"ok": True})


def call(view, world, persona, method="get", **kwargs):
    request = getattr(factory, method)("/x/", {}, format="json")
    if world.users[persona] is not None:
        request.META["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens(persona).access}"
    return view.as_view()(request, **kwargs)


def test_a_tenant_view_gets_the_business_once_and_the_role(world, django_assert_num_queries):
    call(Profile, world, "staff", business_id=world.own.business.pk)  # warm up whatever is cached per process
    with django_assert_num_queries(1):
        response = call(Profile, world, "staff", business_id=world.own.business.pk)
    assert response.data == {"name": "Trattoria Da Mario", "role": "staff"}


def test_roles_declared_per_method(world):
    kwargs = {"business_id": world.own.business.pk}
    assert call(Profile, world, "manager", "post", **kwargs).status_code == 403
    response = call(Profile, world, "owner", "post", **kwargs)
    assert response.data == {"by": world.users["owner"].username}
    assert call(Profile, world, "outsider", "post", **kwargs).status_code == 404
    assert call(Profile, world, "owner", "delete", **kwargs).status_code == 405


def test_an_operation_without_a_declared_role_fails_loudly(world):
    with pytest.raises(ImproperlyConfigured, match="tenant_roles has no role for 'PUT'"):
        call(Profile, world, "owner", "put", business_id=world.own.business.pk)


def test_an_unknown_business_is_404_like_another_business(world):
    assert call(Profile, world, "owner", business_id=10**12).status_code == 404


def test_stakeholder_permission(world):
    assert call(Platform, world, "stakeholder").status_code == 200
    response = call(Platform, world, "owner")
    assert response.status_code == 403
    assert response.data == {"detail": "Only the platform's stakeholders may do this.", "code": "permission_denied"}
    assert call(Platform, world, "anonymous").status_code == 401
