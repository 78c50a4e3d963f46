"""Only stakeholders (Django staff users) enter the admin; restaurant users never do."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:index",
    "admin:telephony_sipnumber_changelist",
    "admin:telephony_sipnumber_add",
    "admin:telephony_activecall_changelist",
    "admin:restaurants_business_changelist",
    "admin:restaurants_faqentry_changelist",
    "admin:orders_menucategory_changelist",
    "admin:orders_menuitem_changelist",
    "admin:orders_menuitem_add",
    "admin:orders_modifiergroup_changelist",
    "admin:orders_ordersettings_changelist",
    "admin:orders_order_changelist",
    "admin:reservations_reservation_changelist",
    "admin:reservations_reservationsettings_changelist",
    "admin:printing_printer_changelist",
    "admin:printing_printer_add",
    "admin:printing_printjob_changelist",
    "admin:printing_printagent_changelist",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["owner", "manager", "staff"])
def test_tenant_users_are_refused(client, business, member, role, page):
    client.force_login(member(business, role))
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_tenant_user_cannot_log_in_to_the_admin(client, business, member):
    user = member(business, "owner")
    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": "pw-for-tests-only", "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "correct username and password for a staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_inactive_stakeholder_is_refused(client, stakeholder):
    stakeholder.is_active = False
    stakeholder.save()
    client.force_login(stakeholder)
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_stakeholder_sees_every_page(client, stakeholder, page):
    client.force_login(stakeholder)
    assert client.get(reverse(page)).status_code == 200


def test_stakeholder_cannot_make_superusers(client, stakeholder, make_user):
    other = make_user()
    client.force_login(stakeholder)
    page = client.get(reverse("admin:auth_user_change", args=[other.pk])).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="is_staff"' in page


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", password="Root-password-1!")


def test_a_stakeholder_cannot_change_a_superusers_password(client, stakeholder, superuser):
    client.force_login(stakeholder)
    url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    response = client.post(url, {"password1": "Stakeholder-chose-this-1!", "password2": "Stakeholder-chose-this-1!"})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.check_password("Root-password-1!")


def test_a_stakeholder_sees_a_superuser_read_only_and_cannot_delete_them(client, stakeholder, superuser):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    client.force_login(stakeholder)
    page = client.get(reverse("admin:auth_user_change", args=[superuser.pk])).content.decode()
    assert 'name="_save"' not in page and 'name="username"' not in page
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [superuser.pk], "post": "yes", "index": "0"},
    )
    assert response.status_code == 403  # delete_selected refuses the whole batch: PermissionDenied
    assert type(superuser).objects.filter(pk=superuser.pk, is_active=True).exists()
    assert client.get(reverse("admin:auth_user_delete", args=[superuser.pk])).status_code == 403


def test_a_superuser_still_manages_everyone(client, superuser, stakeholder):
    client.force_login(superuser)
    assert 'name="_save"' in client.get(reverse("admin:auth_user_change", args=[stakeholder.pk])).content.decode()
