from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AdminPortalConfig(AppConfig):
    """The stakeholder admin's own code: site, model admins, templates."""

    default = True
    name = "admin_portal"
    verbose_name = "Stakeholder admin"


class PanBotAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the stakeholder site as `admin.site`."""

    default = False
    default_site = "admin_portal.site.PanBotAdminSite"
