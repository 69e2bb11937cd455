from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LDNSiteConfig(AppConfig):
    name = "ldnsite"
    verbose_name = "LDN site"
    default = True

    def ready(self):
        from ldnsite import cache

        cache.install()

        from ldnsite.search.index import connect_signals

        connect_signals()


class LDNAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site (`ldnsite.adminsite.LDNAdminSite`).

    Here, not in `adminsite.py`: app configs are imported before any model, and
    the site's module imports models.
    """

    default = False
    default_site = "ldnsite.adminsite.LDNAdminSite"
